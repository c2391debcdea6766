"""Pilot: move choices keyed by the mover's own pieces, as stylometry evidence.

The openings' evidence (`openings.MoveChoices`) scores a query's moves in positions a player
reached exactly. A player of *systems* makes the same moves from the same set-up of their own
pieces whatever the opponent does, and such a set-up comes back where the exact position does
not: in a few games, in a profile of only 100 games (an enrolled player), after move 15. Same
likelihood as `bench/likelihood_pilot.py` (alpha 2), with the position key the mover's own pieces
(the opponent's blanked out) or the own pieces and every pawn, up to a ply; `fused w` adds
w x z(own-side) to z(exact openings, first 12 moves), both z-scored over the candidates.

60 trained players, validation queries of 100, 20 and 5 games and 100 from ply 30
(`bench/pilot_queries.py`), ranked among all trained players; "cut": the 60 authors' profiles
from 100 of their train games, everyone else's whole.
Usage: PYTHONPATH=. python bench/own_side_choices_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from bench.likelihood_pilot import likelihood_scores
from bench.pilot_queries import (
    hundred_game_cuts,
    pilot_paths,
    standardised,
    validation_queries,
)
from stylespace.encoding import OWN, OWN_CASTLING_ROOK, THEIRS
from stylespace.openings import OPENING_PLIES, _author_games, _mix
from stylespace.positions import PlayedGame

UNTIL = 80
OWN_CODES = [*OWN.values(), OWN_CASTLING_ROOK]
PAWN_CODES = [OWN[1], THEIRS[1]]
KINDS = {"exact": None, "own": OWN_CODES, "own+pawns": OWN_CODES + PAWN_CODES}
SIDE_RANGES = ((0, 24), (0, 40), (0, 80), (24, 80), (40, 80))
WEIGHTS = (0.5, 1.0, 2.0)
ALPHA = 2.0


Moves = tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]


def player_moves(games: Sequence[PlayedGame], player: str) -> Moves:
    """The plies of the player's moves up to UNTIL and, per kind of key, the position keys and
    the (position, move) keys of those moves."""
    plies_found, keys = [], {kind: ([], []) for kind in KINDS}
    for encoded, plies in _author_games(games, player, UNTIL):
        plies = np.asarray(plies, dtype=np.int64)
        squares, moves = encoded.squares[plies], encoded.moves[plies].astype(np.int64)
        plies_found.append(plies)
        for kind, codes in KINDS.items():
            kept = squares if codes is None else np.where(np.isin(squares, codes), squares, 0)
            words = np.ascontiguousarray(kept, dtype=np.uint8).view(np.uint64)
            position = _mix(plies % 2, *words.T)
            keys[kind][0].append(position)
            keys[kind][1].append(_mix(position, moves))
    empty = np.zeros(0, dtype=np.uint64)
    return np.concatenate(plies_found or [np.zeros(0, np.int64)]), {
        kind: (np.concatenate(p or [empty]), np.concatenate(m or [empty]))
        for kind, (p, m) in keys.items()
    }


def select(moves: Moves, kind: str, first: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    rows = (moves[0] >= first) & (moves[0] < end)
    return moves[1][kind][0][rows], moves[1][kind][1][rows]


def counts(rows: list[np.ndarray]) -> tuple[sparse.csc_matrix, np.ndarray]:
    """(players, distinct keys) counts and the sorted distinct keys."""
    every = np.concatenate(rows)
    keys, ids = np.unique(every, return_inverse=True)
    owners = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    matrix = sparse.csr_matrix(
        (np.ones(len(every)), (owners, ids.ravel())), shape=(len(rows), len(keys))
    )
    return matrix.tocsc(), keys


def ids_of(keys: np.ndarray, table_keys: np.ndarray) -> np.ndarray:
    """Each key's column in a table, or a column past its end for a key it lacks."""
    found = np.minimum(np.searchsorted(table_keys, keys), len(table_keys) - 1)
    return np.where(table_keys[found] == keys, found, 1 << 40).astype(np.int64)


def main(model_dir: Path, db: Path, players: int = 60) -> None:
    started = time.perf_counter()
    names, train, queries = validation_queries(model_dir, db, players)
    profiles = {name: player_moves(train[name], name) for name in names}
    cut_profiles = {
        name: player_moves(games, name) for name, games in hundred_game_cuts(train, queries).items()
    }
    print(f"profiles {time.perf_counter() - started:.0f} s", flush=True)
    sizes = ((100, 0), (20, 0), (5, 0), (100, 30))
    query_moves = {}
    for author, games in queries.items():
        for size, start in sizes:
            plies, keys = player_moves(games[:size], author)
            rows = plies >= start
            query_moves[author, size, start] = (
                plies[rows],
                {kind: (p[rows], m[rows]) for kind, (p, m) in keys.items()},
            )
    for label, variant in (("whole", profiles), ("cut", {**profiles, **cut_profiles})):
        evidence: dict[tuple, dict[tuple, np.ndarray]] = {}
        for kind, (first, end) in [("exact", (0, OPENING_PLIES))] + [
            (k, r) for k in KINDS if k != "exact" for r in SIDE_RANGES
        ]:
            chosen = [select(variant[name], kind, first, end) for name in names]
            pos, position_keys = counts([c[0] for c in chosen])
            pm, pair_keys = counts([c[1] for c in chosen])
            global_pm = np.asarray(pm.sum(axis=0)).ravel()
            global_pos = np.asarray(pos.sum(axis=0)).ravel()
            for query, moves in query_moves.items():
                q_positions, q_pairs = select(moves, kind, first, end)
                evidence.setdefault((kind, first, end), {})[query] = likelihood_scores(
                    pm,
                    pos,
                    global_pm,
                    global_pos,
                    ids_of(q_pairs, pair_keys),
                    ids_of(q_positions, position_keys),
                    ALPHA,
                )
        print(f"{label}: tables and scores {time.perf_counter() - started:.0f} s", flush=True)
        exact = evidence["exact", 0, OPENING_PLIES]
        for source, scores in evidence.items():
            for weights in [(0.0, 1.0)] + [(1.0, w) for w in WEIGHTS]:
                if source[0] == "exact" and weights != (0.0, 1.0):
                    continue
                line = []
                for size, start in sizes:
                    ranks = []
                    for author in queries:
                        query = (author, size, start)
                        total = weights[1] * standardised(scores[query])
                        if weights[0]:
                            total = total + weights[0] * standardised(exact[query])
                        truth = names.index(author)
                        ranks.append(int((total >= total[truth]).sum()) - 1)
                    ranks = np.array(ranks)
                    line.append(
                        f"{size}{'/p30' if start else ''} {np.mean(ranks == 0):.0%}/"
                        f"{np.mean(ranks < 5):.0%}"
                    )
                what = "alone" if not weights[0] else f"exact + {weights[1]} x"
                print(
                    f"{label:>5} {source[0]:>9} plies {source[1]}-{source[2]} {what:>12}: "
                    + "  ".join(line),
                    flush=True,
                )
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(*pilot_paths(sys.argv[1:]))
