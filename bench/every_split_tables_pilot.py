"""Do tables of the first 12 moves that also hold a player's test games find the author of
validation queries more often? (`bench/results/every-split-tables.md`)

The shipped model's tables may take in its players' validation and test games after every
measurement (`stylespace/table_splits.py`). That gain cannot be measured on the shipped model
itself, so it is measured here one split down: the pilots' 60 masters (`pilot_queries.py`,
100 validation games each) queried in sets of 5 and 20 games against the model's train-only
opening table (A) and against one that also holds every trained player's test games (B);
openings alone, and beside the game embedding as `fused` weighs them (16 : 4).

Usage: PYTHONPATH=. .venv/bin/python bench/every_split_tables_pilot.py [MODEL_DIR] [DB]
MODEL_DIR must have train-only tables (the shipped demo's hold every split): `cp -r models/demo
/tmp/demo-train && stylespace repertoires --model /tmp/demo-train` makes such a copy (3 min).
"""

from __future__ import annotations

import copy
import sys
import time

import numpy as np
from pilot_queries import embedding_evidence, pilot_draw, pilot_paths, rank_of, standardised

from stylespace.openings import joined_repertoire, repertoire_tokens
from stylespace.store import GameStore


def main() -> None:
    started = time.perf_counter()
    draw = pilot_draw(sys.argv[1:], players=60)
    model = draw.model
    with GameStore(pilot_paths(sys.argv[1:])[1], read_only=True) as store:
        test_games = store.games_by_player(["test"], draw.names)
    with_test = copy.deepcopy(model.repertoires)
    with_test.set_rows(
        {
            model.task_id(name): repertoire_tokens(
                draw.train_games[name] + test_games[name], name
            ).openings
            for name in draw.names
        }
    )
    added = [len(test_games[n]) / max(len(draw.train_games[n]), 1) for n in draw.names]
    print(f"test games over train games, median {np.median(added):.3f}")
    for size in (5, 20):
        ranks: dict[str, list[int]] = {}
        for author, tokens in draw.query_tokens.items():
            truth = draw.truth(author)
            for start in range(0, len(tokens), size):
                query = tokens[start : start + size]
                openings = joined_repertoire(query).openings
                embedding = embedding_evidence(
                    model.game_embedding, query, draw.trained, draw.tasks
                )
                for label, table in (("train", model.repertoires), ("train + test", with_test)):
                    scores = table.scores(openings)[draw.tasks].astype(np.float64)
                    alone = standardised(scores)
                    ranks.setdefault(f"{label}: openings", []).append(rank_of(alone, truth))
                    ranks.setdefault(f"{label}: + embedding", []).append(
                        rank_of(16 * alone + 4 * embedding, truth)
                    )
        for label, found in ranks.items():
            found = np.array(found)
            print(
                f"{size:>3} games, tables from {label:<26} top-1 {np.mean(found == 0):.1%} "
                f"top-5 {np.mean(found < 5):.1%} ({len(found)} queries)"
            )
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
