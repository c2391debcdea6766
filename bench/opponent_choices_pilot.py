"""Pilot: the opponents' opening moves in an author's games, as stylometry evidence.

The openings' evidence (`openings.MoveChoices`) scores only the author's own moves. Their
opponents' moves in the same games are chosen in the author's positions, against the author:
the lines players prepare against them, and the theory of the author's era (the masters span
1749-2025). Scored the same way (likelihood of the opponents' moves under the opponents' choices
in the player's games, against everybody's, alpha 2), do they name authors, alone or beside the
author's own choices (z(own) + w x z(opponents))?

The pilots' 60 authors (`bench/pilot_queries.py`), one validation query each of 100, 20 and 5
games, ranked among the 477 trained players; "cut": the 60 authors' profiles from 100 of their
train games (as enrolled), everyone else's whole. Opening plies only (< 24), as `fused` reads.
Usage: PYTHONPATH=. python bench/opponent_choices_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.likelihood_pilot import likelihood_scores
from bench.own_side_choices_pilot import counts, ids_of
from bench.pilot_queries import (
    hundred_game_cuts,
    pilot_paths,
    standardised,
    validation_queries,
)
from stylespace.openings import OPENING_PLIES, _author_games, _mix
from stylespace.positions import PlayedGame

WEIGHTS = (0.25, 0.5, 1.0, 2.0)
ALPHA = 2.0
SIZES = (100, 20, 5)

Keys = dict[str, tuple[np.ndarray, np.ndarray]]


def game_keys(games: Sequence[PlayedGame], player: str) -> Keys:
    """Position keys and (position, move) keys of the player's moves ("own") and of their
    opponents' moves ("opponents") in the first 12 moves of each game."""
    found: dict[str, tuple[list, list]] = {"own": ([], []), "opponents": ([], [])}
    for encoded, plies in _author_games(games, player, OPENING_PLIES):
        first = plies.start  # 0: the player had White
        for kind, start in (("own", first), ("opponents", 1 - first)):
            chosen = np.arange(start, len(encoded.moves), 2)
            if not len(chosen):
                continue
            words = np.ascontiguousarray(encoded.squares[chosen]).view(np.uint64)
            position = _mix(chosen % 2, *words.T)
            found[kind][0].append(position)
            found[kind][1].append(_mix(position, encoded.moves[chosen].astype(np.int64)))
    empty = np.zeros(0, dtype=np.uint64)
    return {
        k: (np.concatenate(p or [empty]), np.concatenate(m or [empty]))
        for k, (p, m) in found.items()
    }


def main(model_dir: Path, db: Path, players: int = 60) -> None:
    started = time.perf_counter()
    names, train, queries = validation_queries(model_dir, db, players)
    profiles = {name: game_keys(train[name], name) for name in names}
    cut_profiles = {
        name: game_keys(games, name) for name, games in hundred_game_cuts(train, queries).items()
    }
    query_keys = {
        (a, size): game_keys(games[:size], a) for a, games in queries.items() for size in SIZES
    }
    print(f"profiles {time.perf_counter() - started:.0f} s", flush=True)
    for label, variant in (("whole", profiles), ("cut", {**profiles, **cut_profiles})):
        evidence: dict[str, dict] = {}
        for kind in ("own", "opponents"):
            pos, position_keys = counts([variant[n][kind][0] for n in names])
            pm, pair_keys = counts([variant[n][kind][1] for n in names])
            global_pm = np.asarray(pm.sum(axis=0)).ravel()
            global_pos = np.asarray(pos.sum(axis=0)).ravel()
            evidence[kind] = {
                query: likelihood_scores(
                    pm,
                    pos,
                    global_pm,
                    global_pos,
                    ids_of(keys[kind][1], pair_keys),
                    ids_of(keys[kind][0], position_keys),
                    ALPHA,
                )
                for query, keys in query_keys.items()
            }
        combos = {"own alone": (1.0, 0.0), "opponents alone": (0.0, 1.0)}
        combos |= {f"own + {w} x opponents": (1.0, w) for w in WEIGHTS}
        for what, (w_own, w_opp) in combos.items():
            line = []
            for size in SIZES:
                ranks = []
                for author in queries:
                    total = 0.0
                    if w_own:
                        total = total + w_own * standardised(evidence["own"][author, size])
                    if w_opp:
                        total = total + w_opp * standardised(evidence["opponents"][author, size])
                    truth = names.index(author)
                    ranks.append(int((total >= total[truth]).sum()) - 1)
                ranks = np.array(ranks)
                line.append(f"{size} {np.mean(ranks == 0):.0%}/{np.mean(ranks < 5):.0%}")
            print(f"{label:>5} {what:>24}: " + "  ".join(line), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(*pilot_paths(sys.argv[1:]))
