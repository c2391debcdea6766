"""Pilot: does the style evidence deserve more weight in `fused` for players enrolled from few
games?

`bench/style_weight_pilot.py` chose the style's weight beside the openings (1, against 16 for the
openings and 4 for the game embedding) on trained players' queries only, where style weights of
0 to 2 came out within a query or two. For a player known from 100 games the openings' table and
the embedding's profile are thin, while their style reference is made the same way as every
query's: the style may then count for more (alone it found 50% of such players from 20 games,
the opening baseline 45%). Measured here on many more queries than there.

Method: the pilots' 60 authors (`pilot_queries.py`), five queries of 20 and twenty of 5 of their
100 validation games (disjoint), ranked among all 477 trained players by
w x style + 16 x openings + 4 x embedding (each z-scored, as `fused`), for the authors' whole
profiles (trained) and for profiles cut to 100 of their train games (`hundred_game_cuts`: table
rows, embedding profiles and style references made from those games only, as `enroll` makes
them). The queries' fingerprints and the cut references are cached
(`runs/enrolled-style-weight.pt`, resumable).
Usage: PYTHONPATH=. python bench/enrolled_style_weight_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

from bench.pilot_queries import (
    embedding_evidence,
    hit_rates,
    hundred_game_cuts,
    opening_profiles,
    per_game_tokens,
    pilot_paths,
    standardised,
    validation_queries,
)
from stylespace.authors import author_positions
from stylespace.fingerprints import compute_fingerprint
from stylespace.fused import fingerprint_scores
from stylespace.openings import joined_repertoire
from stylespace.references import reference_fingerprint
from stylespace.style_model import StyleModel

CACHE = Path("runs/enrolled-style-weight.pt")
SIZES = ((20, 5), (5, 20))  # games a query, queries an author
STYLE_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)


def fingerprints(model: StyleModel, queries: dict, cuts: dict) -> dict:
    """Per author: the cut reference and every query's sketch (cached, resumable)."""
    found = torch.load(CACHE, weights_only=False) if CACHE.exists() else {}
    for index, (author, games) in enumerate(queries.items()):
        if author in found:
            continue
        cut = author_positions(cuts[author], author, legal_masks=False)
        sketches = {}
        for size, parts in SIZES:
            for part in range(parts):
                query = games[part * size : (part + 1) * size]
                positions = author_positions(query, author, legal_masks=False)
                sketches[size, part] = compute_fingerprint(model, positions).sketch
        found[author] = {"reference": reference_fingerprint(model, cut), "queries": sketches}
        torch.save(found, CACHE)
        print(f"{index + 1} authors ({time.strftime('%H:%M:%S')})", flush=True)
    return found


def main() -> None:
    started = time.perf_counter()
    model_dir, db = pilot_paths(sys.argv[1:])
    model = StyleModel.load(model_dir)
    names, train_games, queries = validation_queries(model_dir, db, 60)
    cuts = hundred_game_cuts(train_games, queries)
    found = fingerprints(model, queries, cuts)
    print(f"fingerprints ready {time.perf_counter() - started:.0f} s", flush=True)
    tasks = np.array([model.task_id(n) for n in names])
    trained = model.trained_mask()
    query_tokens = per_game_tokens(queries)
    whole_references = model.fingerprints.clone()
    for cut in (False, True):
        table, embedding = opening_profiles(model, cuts if cut else None)
        model.fingerprints = whole_references.clone()
        if cut:
            for a in cuts:
                model.fingerprints[model.task_id(a)] = found[a]["reference"]
        for size, parts in SIZES:
            ranks: dict[str, list[int]] = {}
            for a in queries:
                truth = int(np.flatnonzero(tasks == model.task_id(a))[0])
                for part in range(parts):
                    chosen = query_tokens[a][part * size : (part + 1) * size]
                    joined = joined_repertoire(chosen)
                    z_open = standardised(table.scores(joined.openings)[tasks])
                    z_embedding = embedding_evidence(embedding, chosen, trained, tasks)
                    style = fingerprint_scores(model, found[a]["queries"][size, part])
                    z_style = standardised(style[tasks])
                    rest = 16 * z_open + 4 * z_embedding
                    for weight in STYLE_WEIGHTS:
                        total = weight * z_style + rest
                        rank = int((total > total[truth]).sum())
                        ranks.setdefault(f"style x{weight:g}", []).append(rank)
                    ranks.setdefault("style alone", []).append(
                        int((z_style > z_style[truth]).sum())
                    )
            label = "cut to 100 games" if cut else "whole"
            print(f"{label}, {size} games ({len(queries) * parts} queries): {hit_rates(ranks)}")
    model.fingerprints = whole_references
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
