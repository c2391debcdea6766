"""Pilot: with the openings hidden, the player's choices keyed by their own setup.

Question: from ply 30, `fused` finds 64% of seen authors from 100 games (goal 90%), on the pawn
structures, the deep lines (exact positions of moves 13 to 20) and the style. Exact positions
rarely repeat there; a key of the mover's own pieces and every pawn ignores where the opponent's
pieces stand, and identified authors nearly as well as the exact positions in the first 12
moves (`own-setup.md`). Do such choices from ply 30 to 59 recur for a player and add to the
structures and deep lines?

Method: the pilots' 60 authors (`pilot_queries.py`), one query of 100 validation games each, only
the moves from ply 30 on; every trained player's setup choices counted from their train games at
plies 30-59; ranked among the 477 by 16 x structures + 0.25 x deep lines (the shipped weights
without the style, z-scored as `fused.query_evidence`) + w x the setup likelihood (the openings'
`MoveChoices.scores`, z-scored). "cut": the authors' rows from 100 train games, as enrolled.
Usage: PYTHONPATH=. python bench/late_setup_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Sequence

import numpy as np
from tqdm import tqdm

from bench.own_setup_pilot import KEYINGS
from bench.pilot_queries import cut_table, hit_rates, pilot_draw, rank_of, standardised
from stylespace.fused import query_evidence
from stylespace.openings import (
    HASH_BUCKETS,
    MOVE_SLOTS,
    MoveChoices,
    _author_games,
    _mix,
    game_repertoires,
    joined_repertoire,
)
from stylespace.positions import PlayedGame

FROM_PLY, UNTIL_PLY = 30, 60
WEIGHTS = (0, 1, 2, 4, 8, 16)


def late_setup_keys(games: Sequence[PlayedGame], player: str, kept: np.ndarray) -> np.ndarray:
    """The player's choices at plies 30-59 keyed by the squares holding `kept` tokens."""
    found = []
    for encoded, plies in _author_games(games, player, UNTIL_PLY):
        rows = np.asarray([p for p in plies if p >= FROM_PLY], dtype=np.int64)
        if not len(rows):
            continue
        squares = np.where(np.isin(encoded.squares[rows], kept), encoded.squares[rows], 0)
        words = np.ascontiguousarray(squares, dtype=np.uint8).view(np.uint64)
        buckets = (_mix(rows % 2, *words.T) % np.uint64(HASH_BUCKETS)).astype(np.int64)
        found.append(buckets * MOVE_SLOTS + encoded.moves[rows].astype(np.int64))
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def main() -> None:
    started = time.perf_counter()
    draw = pilot_draw(sys.argv[1:])
    model, names, tasks, queries = draw.model, draw.names, draw.tasks, draw.queries
    train_games, cut_games = draw.train_games, draw.cut_games
    kept = KEYINGS["own pieces + all pawns"]
    rows = [np.zeros(0, np.int64)] * len(model.players)
    for name in tqdm(names, desc="late setups", leave=False):
        rows[model.task_id(name)] = late_setup_keys(train_games[name], name, kept)
    whole_setups = MoveChoices.from_tokens(rows)
    query_keys = {a: late_setup_keys(g, a, kept) for a, g in queries.items()}
    query_tokens = {
        a: joined_repertoire(game_repertoires(g, a, FROM_PLY)) for a, g in queries.items()
    }
    print(f"ready {time.perf_counter() - started:.0f} s", flush=True)
    for cut in (False, True):
        tables, setups = model, whole_setups
        if cut:
            tables = copy.copy(model)
            tables.deep_lines = cut_table(model.deep_lines, model, cut_games, "deep_lines")
            tables.structures = cut_table(model.structures, model, cut_games, "structures")
            setups = copy.deepcopy(whole_setups)
            setups.set_rows(
                {model.task_id(a): late_setup_keys(g, a, kept) for a, g in cut_games.items()}
            )
        ranks: dict[str, list[int]] = {}
        for a in tqdm(queries, desc="cut" if cut else "whole", leave=False):
            truth = draw.truth(a)
            tokens = query_tokens[a]
            evidence = query_evidence(tables, (), tokens.deep_lines, tokens.structures).scores
            shipped = 16 * evidence["structures"][tasks] + 0.25 * evidence["deep_lines"][tasks]
            z_setup = standardised(setups.scores(query_keys[a])[tasks])
            for w in WEIGHTS:
                total = shipped + w * z_setup
                ranks.setdefault(f"w{w}", []).append(rank_of(total, truth))
            ranks.setdefault("alone", []).append(rank_of(z_setup, truth))
        print(
            f"{'cut' if cut else 'whole'}, 100 games from ply 30: " + hit_rates(ranks), flush=True
        )
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
