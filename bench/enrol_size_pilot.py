"""Pilot: how many games an enrolment needs before its openings find the player again.

The authors of `bench/pilot_queries.py` with >= 400 train games; each gets a table (move choices
of their first 12 moves) from the first 50, 100, 200 and 400 of their train games, and from all
of them, while everyone else keeps theirs; disjoint validation queries of 20 and 5 games (5 and
20 per author) are ranked among all trained players by the openings' likelihood alone.
Usage: python bench/enrol_size_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path

import numpy as np

from bench.pilot_queries import pilot_paths, validation_queries
from stylespace.openings import repertoire_tokens
from stylespace.style_model import StyleModel

ENROLMENT_GAMES = (50, 100, 200, 400, None)
QUERIES = ((20, 5), (5, 20))


def main(model_dir: Path, db: Path, players: int = 60) -> None:
    started = time.perf_counter()
    names, train, queries = validation_queries(model_dir, db, players)
    model = StyleModel.load(model_dir)
    tasks = np.array([model.task_id(n) for n in names])
    authors = [a for a in queries if len(train[a]) >= 400]
    rng = np.random.default_rng(11)
    print(f"{len(authors)} authors with >= 400 train games among {len(names)} players")
    for enrolled in ENROLMENT_GAMES:
        table = copy.deepcopy(model.repertoires)
        rows = {}
        for author in authors:
            games = [train[author][i] for i in rng.permutation(len(train[author]))]
            rows[model.task_id(author)] = repertoire_tokens(games[:enrolled], author).openings
        table.set_rows(rows)
        cells = []
        for size, per_author in QUERIES:
            ranks = []
            for author in authors:
                for part in range(per_author):
                    query = queries[author][part * size : (part + 1) * size]
                    scores = table.scores(repertoire_tokens(query, author).openings)[tasks]
                    truth = scores[names.index(author)]
                    ranks.append(int((scores > truth).sum()))
            ranks = np.array(ranks)
            cells.append(f"{size} games: {np.mean(ranks == 0):.0%} / {np.mean(ranks < 5):.0%}")
        label = "all" if enrolled is None else enrolled
        print(f"enrolled from {label:>4} games  " + "   ".join(cells), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(*pilot_paths(sys.argv[1:]))
