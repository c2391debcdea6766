"""Pilot: the deep lines (moves 13 to 20) beside the openings, at a small weight.

Question: `fused` reads the deep lines only when the query has no move before move 13
(`deep-lines.md`: added as a second z-scored term at half the openings' weight they cost 20-game
queries 30 points). A 5-game query has few opening moves; its moves 13-20 are as many again.
At a small weight beside 16 x openings + 4 x embedding, do they find more authors?

Method: the pilots' 60 authors (`pilot_queries.py`), five queries of 20 and twenty of 5 of their
validation games each, ranked among the 477 trained players by 16 x openings + 4 x embedding +
w x deep lines (each z-scored; no style). "cut": the authors' rows from 100 train games.
Usage: PYTHONPATH=. python bench/deep_lines_beside_openings_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

from bench.pilot_queries import (
    cut_table,
    embedding_evidence,
    hit_rates,
    opening_profiles,
    pilot_draw,
    rank_of,
    standardised,
)
from stylespace.openings import joined_repertoire

WEIGHTS = (0, 0.5, 1, 2, 4, 8)


def main() -> None:
    started = time.perf_counter()
    draw = pilot_draw(sys.argv[1:])
    model, tasks = draw.model, draw.tasks
    print(f"ready {time.perf_counter() - started:.0f} s", flush=True)
    for cut in (False, True):
        table, embedding = opening_profiles(model, draw.cut_games if cut else None)
        deep = model.deep_lines
        if cut:
            deep = cut_table(deep, model, draw.cut_games, "deep_lines")
        for size, parts in ((20, 5), (5, 20)):
            ranks: dict[str, list[int]] = {}
            for a in tqdm(draw.queries, desc=f"{'cut' if cut else 'whole'} {size}", leave=False):
                truth = draw.truth(a)
                for part in range(parts):
                    chosen = draw.query_tokens[a][part * size : (part + 1) * size]
                    joined = joined_repertoire(chosen)
                    z_open = standardised(table.scores(joined.openings)[tasks])
                    z_emb = embedding_evidence(embedding, chosen, draw.trained, tasks)
                    z_deep = standardised(deep.scores(joined.deep_lines)[tasks])
                    for w in WEIGHTS:
                        total = 16 * z_open + 4 * z_emb + w * z_deep
                        ranks.setdefault(f"w{w:g}", []).append(rank_of(total, truth))
                    ranks.setdefault("alone", []).append(rank_of(z_deep, truth))
            print(f"{'cut' if cut else 'whole'} {size:>2} games: " + hit_rates(ranks), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
