"""Pilot: a smoothed move-choice likelihood in place of the repertoire's TF-IDF cosine.

TF-IDF asks "how much do the query's (position, move) pairs overlap the player's?"; it cannot
tell "the player never reached this position" (no evidence) from "the player reached it often and
always chose another move" (evidence against), and a player known from 100 games has a noisier,
hence less similar, profile than one known from 600. A conditional likelihood separates the two:
each player's choice in a position is their counts smoothed toward everybody's (a Dirichlet prior
of strength alpha), scored against everybody's choice: sum over the query's moves of
log P(move | position, player) - log P(move | position, all players). A position the player never
reached scores 0, whatever their profile's size.

60 trained players, validation queries of 100, 20 and 5 games (`bench/pilot_queries.py`), ranked
among all trained players; "cut" gives the 60 authors profiles of only 100 train games (as an
enrolled player has), everyone else keeps theirs.
Usage: python bench/likelihood_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from bench.pilot_queries import pilot_paths, validation_queries
from stylespace.openings import DEEP_LINE_PLIES, OPENING_PLIES, Repertoires, _author_games
from stylespace.positions import PlayedGame

ALPHAS = (2.0,)
WITTEN_BELL = (0.5, 1.0, 2.0)
LEGAL_MOVES = 30  # the global prior's spread over moves nobody played in a position


def player_moves(games: Sequence[PlayedGame], player: str) -> list[tuple[int, int, int]]:
    """(ply, position key, (position, move) key) of the player's moves up to ply 40."""
    rows = []
    for encoded, plies in _author_games(games, player, DEEP_LINE_PLIES):
        for ply in plies:
            position = f"{ply % 2}:{encoded.squares[ply].tobytes().hex()}"
            rows.append((ply, hash(position), hash(f"{position}:{encoded.moves[ply]}")))
    return rows


class Vocabulary:
    def __init__(self) -> None:
        self.ids: dict[int, int] = {}

    def __call__(self, keys: Sequence[int]) -> np.ndarray:
        return np.array([self.ids.setdefault(k, len(self.ids)) for k in keys], dtype=np.int64)


def count_matrix(rows: list[np.ndarray], width: int) -> sparse.csr_matrix:
    data = []
    for ids in rows:
        unique, counts = np.unique(ids, return_counts=True)
        data.append(
            sparse.csr_matrix((counts.astype(np.float64), unique, [0, len(unique)]), (1, width))
        )
    return sparse.vstack(data, format="csr")


def likelihood_scores(
    pm_counts: sparse.csc_matrix,
    pos_counts: sparse.csc_matrix,
    global_pm: np.ndarray,
    global_pos: np.ndarray,
    query_pm: np.ndarray,
    query_pos: np.ndarray,
    alpha: float,
    distinct: sparse.csc_matrix | None = None,
) -> np.ndarray:
    """With `distinct` (the number of different moves each player chose in each position) the
    prior's strength is alpha times that number (Witten-Bell): a player who always chose the
    same move is trusted sooner than one who tried everything."""
    known = query_pm < pm_counts.shape[1]  # keys nobody in the table ever produced
    query_pm, query_pos = query_pm[known], query_pos[known]
    seen_pos = query_pos < pos_counts.shape[1]
    query_pm, query_pos = query_pm[seen_pos], query_pos[seen_pos]
    if len(query_pm) == 0:
        return np.zeros(pm_counts.shape[0])
    prior = (global_pm[query_pm] + 1.0 / LEGAL_MOVES) / (global_pos[query_pos] + 1.0)
    c_pm = pm_counts[:, query_pm].toarray()
    c_pos = pos_counts[:, query_pos].toarray()
    strength = (
        alpha if distinct is None else alpha * np.maximum(distinct[:, query_pos].toarray(), 1)
    )
    own = (c_pm + strength * prior) / (c_pos + strength)
    return np.log(own / prior).sum(axis=1)


def main(model_dir: Path, db: Path, players: int = 60) -> None:
    started = time.perf_counter()
    names, train, queries = validation_queries(model_dir, db, players)
    rng = np.random.default_rng(11)
    positions, pairs = Vocabulary(), Vocabulary()
    position_of_pair: dict[int, int] = {}
    profiles: dict[str, list[tuple[int, int, int]]] = {}
    cut_profiles: dict[str, list[tuple[int, int, int]]] = {}
    for name in names:
        profiles[name] = player_moves(train[name], name)
        if name in queries:
            chosen = rng.permutation(len(train[name]))[:100]
            cut_profiles[name] = player_moves([train[name][i] for i in chosen], name)
    print(f"profiles {time.perf_counter() - started:.0f} s")

    def table(profile_of: dict, until: int) -> tuple:
        pm_rows, pos_rows, token_rows = [], [], []
        for name in names:
            moves = [m for m in profile_of[name] if m[0] < until]
            pos_rows.append(positions([m[1] for m in moves]))
            pm_rows.append(pairs([m[2] for m in moves]))
            position_of_pair.update(zip(pm_rows[-1].tolist(), pos_rows[-1].tolist(), strict=True))
            token_rows.append(np.array([m[2] for m in moves if m[0] < OPENING_PLIES], np.int64))
        return pm_rows, pos_rows, token_rows

    query_moves = {
        (a, size): player_moves(games[:size], a)
        for a, games in queries.items()
        for size in (100, 20, 5)
    }
    for label, variant in (("whole", profiles), ("cut", {**profiles, **cut_profiles})):
        for until in (OPENING_PLIES, DEEP_LINE_PLIES):
            pm_rows, pos_rows, token_rows = table(variant, until)
            pm = count_matrix(pm_rows, len(pairs.ids)).tocsc()
            pos = count_matrix(pos_rows, len(positions.ids)).tocsc()
            global_pm = np.asarray(pm.sum(axis=0)).ravel()
            global_pos = np.asarray(pos.sum(axis=0)).ravel()
            pair_ids = np.arange(pm.shape[1])
            to_position = sparse.csr_matrix(
                (
                    np.ones(len(pair_ids)),
                    (pair_ids, [position_of_pair[i] for i in pair_ids.tolist()]),
                ),
                shape=(pm.shape[1], pos.shape[1]),
            )
            distinct = ((pm > 0).astype(np.float64) @ to_position).tocsc()
            tfidf = Repertoires.from_tokens(
                [
                    np.array([hash(t) % (1 << 24) for t in row.tolist()], np.int64)
                    for row in token_rows
                ]
            )
            ranks: dict[tuple, list[int]] = {}
            for (author, size), moves in query_moves.items():
                truth = names.index(author)
                moves = [m for m in moves if m[0] < until]
                q_pm = np.array([pairs.ids.get(m[2], 1 << 40) for m in moves], np.int64)
                q_pos = np.array([positions.ids.get(m[1], 1 << 40) for m in moves], np.int64)
                methods = {
                    f"alpha {alpha}": likelihood_scores(
                        pm, pos, global_pm, global_pos, q_pm, q_pos, alpha
                    )
                    for alpha in ALPHAS
                }
                for kappa in WITTEN_BELL:
                    methods[f"wb {kappa}"] = likelihood_scores(
                        pm, pos, global_pm, global_pos, q_pm, q_pos, kappa, distinct
                    )
                if until == OPENING_PLIES:
                    q_tokens = np.array([m[2] % (1 << 24) for m in moves], np.int64)
                    methods["tfidf"] = tfidf.scores(q_tokens)
                for method, scores in methods.items():
                    ranks.setdefault((method, size), []).append(
                        int((scores >= scores[truth]).sum()) - 1
                    )
            for (method, size), r in sorted(ranks.items()):
                r = np.array(r)
                print(
                    f"{label:>5} until ply {until}  {method:>10}  {size:>3} games  "
                    f"top-1 {np.mean(r == 0):.0%}  top-5 {np.mean(r < 5):.0%}"
                )
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(*pilot_paths(arguments))
