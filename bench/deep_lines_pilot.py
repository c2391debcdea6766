"""Pilot: how deep should the stored repertoires go, and how should deeper moves be used?

Openings evidence alone (no style model), 120 trained players of the demo model with >= 100
validation games, one query each of 100 / 20 / 5 validation games from ply 0 and of 100 games
from ply 30, ranked among the 477 trained players by TF-IDF cosine against profiles from their
train games. (1) One table of the player's moves up to ply 24 / 32 / 40 / 60. (2) Two tables, the
first 12 moves and moves 13-20, z-scored and added (deep lines at weight 0.5 or 1).
Usage: python bench/deep_lines_pilot.py [MODEL_DIR] [DB]  (default models/demo, the store)
Results: bench/results/deep-lines.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from pilot_queries import pilot_paths, validation_queries

from stylespace.openings import Repertoires, opening_tokens

QUERIES = ((0, 100), (0, 20), (0, 5), (30, 100))


def _z(scores: np.ndarray) -> np.ndarray:
    return (scores - scores.mean()) / max(scores.std(), 1e-12)


def _accuracy(ranks: list[int]) -> tuple[float, float]:
    array = np.array(ranks)
    return round(float(np.mean(array == 0)), 3), round(float(np.mean(array < 5)), 3)


def main(model_dir: Path, db: Path, players: int = 120) -> None:
    names, train, queries = validation_queries(model_dir, db, players)

    def ranks(score, from_ply: int, size: int) -> list[int]:
        found = []
        for author, games in queries.items():
            scores = score(games[:size], author, from_ply)
            found.append(int((scores > scores[names.index(author)]).sum()))
        return found

    for depth in (24, 32, 40, 60):
        table = Repertoires.from_tokens([opening_tokens(train[n], n, 0, depth) for n in names])

        def one_table(games, author, from_ply, table=table, depth=depth):
            return table.scores(opening_tokens(games, author, from_ply, depth))

        row = {q: _accuracy(ranks(one_table, *q)) for q in QUERIES}
        print(f"one table to ply {depth}: nnz {table.counts.nnz:,}  {row}", flush=True)
    early = Repertoires.from_tokens([opening_tokens(train[n], n, 0, 24) for n in names])
    late = Repertoires.from_tokens([opening_tokens(train[n], n, 24, 40) for n in names])
    for weight in (0.5, 1.0):

        def two_tables(games, author, from_ply, weight=weight):
            scores = np.zeros(len(names))
            first = opening_tokens(games, author, from_ply, 24)
            deep = opening_tokens(games, author, max(from_ply, 24), 40)
            if first:
                scores = scores + _z(early.scores(first))
            if deep:
                scores = scores + weight * _z(late.scores(deep))
            return scores

        row = {q: _accuracy(ranks(two_tables, *q)) for q in QUERIES}
        print(f"two tables added, deep lines at {weight}: {row}", flush=True)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(*pilot_paths(arguments))
