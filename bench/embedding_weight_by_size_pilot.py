"""Pilot: should the game embedding weigh more when the query has few games?

Question: `fused` weighs the openings' likelihood 16 and the game embedding 4 whatever the query's
size, chosen on 20-game queries (`game-embedding.md`). The exact table speaks only where the
author stood before, which a 5-game query rarely does; the embedding links related lines. Does a
larger embedding weight find more authors from 5 games, and what does it cost from 20?

Method: the pilots' 60 authors (`pilot_queries.py`), five queries of 20 and twenty of 5 of their
validation games each, ranked among the 477 trained players by 16 x openings + w x embedding (the
shipped `fused` without its style evidence, each z-scored). "cut": the authors' rows from 100 of
their train games, as enrolled.
Usage: PYTHONPATH=. python bench/embedding_weight_by_size_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

from bench.pilot_queries import (
    embedding_evidence,
    hit_rates,
    opening_profiles,
    pilot_draw,
    rank_of,
    standardised,
)
from stylespace.openings import joined_repertoire

WEIGHTS = (0, 2, 4, 6, 8, 12, 16, 24)


def main() -> None:
    started = time.perf_counter()
    draw = pilot_draw(sys.argv[1:])
    model, tasks, queries = draw.model, draw.tasks, draw.queries
    print(f"ready {time.perf_counter() - started:.0f} s", flush=True)
    for cut in (False, True):
        table, embedding = opening_profiles(model, draw.cut_games if cut else None)
        for size, parts in ((20, 5), (5, 20)):
            ranks: dict[str, list[int]] = {}
            for a in tqdm(queries, desc=f"{'cut' if cut else 'whole'} {size}", leave=False):
                truth = draw.truth(a)
                for part in range(parts):
                    chosen = draw.query_tokens[a][part * size : (part + 1) * size]
                    z_open = standardised(table.scores(joined_repertoire(chosen).openings)[tasks])
                    z_emb = embedding_evidence(embedding, chosen, draw.trained, tasks)
                    for w in WEIGHTS:
                        total = 16 * z_open + w * z_emb
                        ranks.setdefault(f"w{w}", []).append(rank_of(total, truth))
                    ranks.setdefault("alone", []).append(rank_of(z_emb, truth))
            print(f"{'cut' if cut else 'whole'} {size:>2} games: " + hit_rates(ranks), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
