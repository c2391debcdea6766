"""Pilot: should a query from ply 30 be compared with references from ply 30?

A fingerprint is the mean gradient of a set of moves' likelihood, and moves of the middlegame
pull the skills differently from moves of the opening: a query of moves from ply 30 compared
with references of whole games finds its author by the style alone far less often (4% top-1
of 25 seen masters in the shipped card) than a query of whole games (76%). Centring the
queries on the mean of other from-ply-30 queries did not help (same top-1, worse top-5), so
this pilot measures phase-matched references: each candidate's fingerprint from up to 4,096
of their train positions from ply 30 on, against the references of whole games (the shipped
4,096-position ones and the 16,384-position work table) for the same candidates.

Candidates: the 60 validation authors of `bench/style_weight_pilot.py` (its cached queries)
and 60 other trained players (seed 11); each table is centred on its own candidates' mean.
Costs ~120 x 4,096 positions (~12 min on 2 CPU cores); the references are cached in
`runs/phase-references.pt` (resumable).
Usage: PYTHONPATH=. python bench/phase_references_pilot.py [MODEL_DIR] [DB] [REFERENCES]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from bench.pilot_queries import pilot_paths
from stylespace.authors import author_positions
from stylespace.references import reference_fingerprint
from stylespace.store import GameStore
from stylespace.style_model import StyleModel

QUERIES = Path("runs/style-weight-queries.pt")
CACHE = Path("runs/phase-references.pt")
FROM_PLY = 30
CAP = 4096
OTHERS = 60


def phase_references(model: StyleModel, db: Path, candidates: list[str]) -> dict:
    """Each candidate's fingerprint from up to `CAP` of their train positions from `FROM_PLY`."""
    found = torch.load(CACHE, weights_only=False) if CACHE.exists() else {}
    missing = [name for name in candidates if name not in found]
    with GameStore(db, read_only=True) as store:
        games = store.games_by_player(["train"], missing)
    for index, name in enumerate(missing, start=1):
        positions = author_positions(games.pop(name), name, FROM_PLY, legal_masks=False)
        found[name] = reference_fingerprint(model, positions, CAP)
        if index % 5 == 0:
            torch.save(found, CACHE)
            print(f"{index} of {len(missing)} references", flush=True)
    torch.save(found, CACHE)
    return found


def ranks(table: torch.Tensor, queries: torch.Tensor) -> np.ndarray:
    """Rank of each query's own row (query i is candidate i) by centred cosine."""
    centre = table.mean(0)
    scores = F.cosine_similarity(
        (queries - centre)[:, None, :], (table - centre)[None, :, :], dim=-1
    )
    own = scores.diagonal()[:, None]
    return (scores > own).sum(1).numpy()


def main(model_dir: Path, db: Path, work: Path) -> None:
    started = time.perf_counter()
    model = StyleModel.load(model_dir)
    queries = torch.load(QUERIES, weights_only=False)
    authors = list(queries)
    trained = [p["name"] for p in model.players if not p.get("enrolled")]
    others = [n for n in trained if n not in queries]
    np.random.default_rng(11).shuffle(others)
    candidates = authors + others[:OTHERS]
    phase = phase_references(model, db, candidates)
    print(f"{len(phase)} phase references ready ({time.perf_counter() - started:.0f} s)")
    rows = [model.task_id(n) for n in candidates]
    tables = {"whole games, shipped": model.fingerprints[rows]}
    if work.exists():
        new = load_file(work)
        if bool((new["counts"][rows, 0] > 0).all()):
            tables["whole games, 16,384"] = new["sketches"][rows]
    tables[f"from ply {FROM_PLY}, {CAP:,}"] = torch.stack([phase[n] for n in candidates])
    print(f"{len(authors)} authors among {len(candidates)} candidates, style alone top-1/top-5")
    for key in ((100, 0), (20, 0), (100, FROM_PLY)):
        found = torch.stack([queries[a][key][0] for a in authors])
        for label, table in tables.items():
            r = ranks(table, found)
            print(
                f"query {key[0]} games from ply {key[1]}, references {label}: "
                f"{np.mean(r == 0):.0%}/{np.mean(r < 5):.0%}, median rank {np.median(r):g}"
            )


if __name__ == "__main__":
    arguments = sys.argv[1:]
    default = Path("runs/demo-gpu/references/references.safetensors")
    main(*pilot_paths(arguments), Path(arguments[2]) if len(arguments) > 2 else default)
