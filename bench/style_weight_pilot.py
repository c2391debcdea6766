"""Pilot: how much should `fused` weigh the style evidence once the references are sharper?

`fused` gives the fingerprint's centred cosine (z-scored over the candidates) a weight of 1
beside 16 for the openings and 4 for the game embedding (with the openings hidden: 16 for the
structures, 0.25 for the deep lines), chosen on validation games when every reference read
4,096 positions. References from up to 16,384 (`references.py`) make the style evidence less
noisy, so its weight is measured again here, on the same kind of queries: 60 trained players
with >= 100 validation games (seed 7), one query each of 100, 20 and 5 of those games and of
100 from ply 30, ranked among all the model's players by w x style + the other evidence at its
shipped weight, for the shipped references and for a work table of new ones.
The queries' fingerprints and other evidence do not depend on the references: they are cached
(`runs/style-weight-queries.pt`, resumable), so each table costs seconds.
Usage: PYTHONPATH=. python bench/style_weight_pilot.py [MODEL_DIR] [DB] [REFERENCES]
(REFERENCES: a `references.safetensors` work table; default runs/demo-gpu/references/...)
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from bench.pilot_queries import pilot_paths
from stylespace.authors import author_positions
from stylespace.fingerprints import compute_fingerprint
from stylespace.fused import (
    evidence_weights,
    fingerprint_scores,
    fused_evidence,
    standardised,
    weighted_sum,
)
from stylespace.game_embedding import game_bags
from stylespace.openings import game_repertoires, joined_repertoire
from stylespace.store import GameStore
from stylespace.style_model import StyleModel

CACHE = Path("runs/style-weight-queries.pt")
QUERIES = ((100, 0), (20, 0), (5, 0), (100, 30))
STYLE_WEIGHTS = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0)
PLAYERS = 60
GRID = {
    "style": (0.0, 0.5, 1.0, 2.0, 4.0, 8.0),
    "openings": (16.0,),  # the scale: only the others' ratios to it matter
    "embedding": (0.0, 2.0, 4.0, 8.0, 16.0),
    "deep_lines": (0.0, 0.25, 1.0, 4.0),
    "structures": (16.0,),
}


def query_evidence(model: StyleModel, db: Path) -> dict:
    """Per author and query: its fingerprint and every other piece of `fused` evidence."""
    found = torch.load(CACHE, weights_only=False) if CACHE.exists() else {}
    names = [p["name"] for p in model.players if not p.get("enrolled")]
    with GameStore(db, read_only=True) as store:
        held = store.games_by_player(["val"], names)
    rng = np.random.default_rng(7)
    chosen = [n for n in names if len(held[n]) >= 100]
    rng.shuffle(chosen)
    for index, author in enumerate(chosen[:PLAYERS]):
        games = [held[author][i] for i in rng.permutation(len(held[author]))[:100]]
        if author in found:
            continue
        found[author] = {}
        for size, start in QUERIES:
            query = games[:size]
            positions = author_positions(query, author, start, legal_masks=False)
            sketch = compute_fingerprint(model, positions).sketch
            per_game = game_repertoires(query, author, start)
            evidence = fused_evidence(
                model, sketch, *joined_repertoire(per_game), games=game_bags(per_game)
            )
            found[author][size, start] = (sketch, {k: v for k, v in evidence.items()})
        if index % 5 == 4:
            torch.save(found, CACHE)
            print(f"{index + 1} authors", flush=True)
    torch.save(found, CACHE)
    return found


def query_parts(model: StyleModel, found: dict, size: int, start: int) -> list[tuple]:
    """Per author, for one query kind: their task id, which candidates have a reference, and
    every piece of evidence with the style scored against the model's current references."""
    rows = []
    for author, queries in found.items():
        sketch, evidence = queries[size, start]
        style = fingerprint_scores(model, sketch)
        known = np.isfinite(style)
        parts = {kind: torch.as_tensor(np.asarray(v)) for kind, v in evidence.items()}
        parts["style"] = torch.from_numpy(standardised(style, known))
        rows.append((model.task_id(author), torch.from_numpy(known), parts))
    return rows


def top_rates(rows: list[tuple], weights: dict[str, float]) -> tuple[float, float]:
    """Top-1 and top-5 of the authors when their evidence is summed with `weights`."""
    ranks = []
    for truth, known, parts in rows:
        total = sum(weight * parts[kind] for kind, weight in weights.items() if kind in parts)
        total = torch.where(known, total, torch.tensor(float("-inf")))
        ranks.append(int((total > total[truth]).sum()))
    ranks = np.array(ranks)
    return float(np.mean(ranks == 0)), float(np.mean(ranks < 5))


def hit_rates(model: StyleModel, found: dict, weight: float) -> str:
    """Top-1/top-5 per query kind with the style at `weight`, the rest at their shipped weights."""
    cells = []
    for size, start in QUERIES:
        rows = query_parts(model, found, size, start)
        top1, top5 = top_rates(rows, {**evidence_weights(rows[0][2]), "style": weight})
        cells.append(f"{top1:.0%}/{top5:.0%}")
    return " | ".join(cells)


def grid(model: StyleModel, found: dict) -> None:
    """Every combination of `GRID`'s weights for each query kind: the current weights' line and
    the five best by top-1 then top-5, to see how flat the optimum is."""
    for size, start in QUERIES:
        rows = query_parts(model, found, size, start)
        kinds = list(evidence_weights(rows[0][2]))
        results = []
        for combination in itertools.product(*(GRID[k] for k in kinds)):
            weights = dict(zip(kinds, combination, strict=True))
            results.append((*top_rates(rows, weights), weights))
        current = evidence_weights(rows[0][2])
        print(f"{size} games from ply {start}:")
        for top1, top5, weights in sorted(results, key=lambda r: (-r[0], -r[1]))[:5]:
            print(f"  {top1:.0%}/{top5:.0%} {weighted_sum(weights)}")
        top1, top5, _ = next(r for r in results if r[2] == current)
        print(f"  {top1:.0%}/{top5:.0%} {weighted_sum(current)} (current)", flush=True)


def main(model_dir: Path, db: Path, references: Path) -> None:
    started = time.perf_counter()
    model = StyleModel.load(model_dir)
    found = query_evidence(model, db)
    print(f"{len(found)} authors' queries ready ({time.perf_counter() - started:.0f} s)")
    tables = {"shipped references": model.fingerprints.clone()}
    if references.exists():
        work = load_file(references)
        new = model.fingerprints.clone()
        done = work["counts"][:, 0] > 0
        new[done] = work["sketches"][done]
        tables[f"new references ({int(done.sum())} players)"] = new
    print("queries: " + " | ".join(f"{s} games from ply {p}" for s, p in QUERIES))
    for label, table in tables.items():
        model.fingerprints = table
        for weight in STYLE_WEIGHTS:
            print(f"{label}, style x {weight:g}: {hit_rates(model, found, weight)}", flush=True)
        print(f"{label}, every weight on a grid:")
        grid(model, found)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    default = Path("runs/demo-gpu/references/references.safetensors")
    main(*pilot_paths(arguments), Path(arguments[2]) if len(arguments) > 2 else default)
