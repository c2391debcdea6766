"""Pilot: can `identify` stop reading a long query once its ranking is settled?

The query's fingerprint (one forward and backward pass over up to 4,096 of the author's moves)
is most of a 100-game `identify` (about 5 s of 11.8 on a slow 2-core instance, over the 10 s
goal), yet `fused` found every author of 100 validation games from the first 1,024 positions
already (`bench/results/fingerprint-cap.md`): the openings decide most long queries. The
fingerprint is a mean gradient and the sketch is linear, so the fingerprint of the first k
chunks of 512 positions (in a random order) is their size-weighted mean: one pass per query
gives the fused ranking after every chunk. A stopping rule is then judged offline: stop after
chunk k (k >= `--min-chunks`) when the first place is the one of the check before and leads by
at least a gap G. What it costs: authors lost against reading every chunk, and first places
that differ from the full ranking's; what it saves: chunks read.

Queries: the pilots' 60 validation authors (seed 7), 100 and 50 of their validation games,
from ply 0 and from ply 30.
Usage: PYTHONPATH=. python bench/settled_ranking_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch

from bench.pilot_queries import pilot_paths, validation_queries
from stylespace.authors import author_positions
from stylespace.fingerprints import compute_fingerprint
from stylespace.fused import fused_total, query_evidence, style_evidence
from stylespace.game_embedding import game_bags
from stylespace.openings import game_repertoires, joined_repertoire
from stylespace.sketch import BATCH, Fingerprint
from stylespace.style_model import StyleModel

CHUNK = BATCH  # 512: the fingerprint's own batches
RAW = Path("runs/settled-ranking.json")
GAPS = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)


def chunk_rankings(model: StyleModel, games, author: str, from_ply: int) -> list[dict]:
    """After each batch of 512 positions `compute_fingerprint` reads: the fused leader, the gap
    to the second, the author's rank (read through its `settled` callback, never stopping)."""
    positions = author_positions(games, author, from_ply, legal_masks=False)
    per_game = game_repertoires(games, author, from_ply)
    repertoire, bags = joined_repertoire(per_game), game_bags(per_game)
    others = query_evidence(model, *repertoire, games=bags).scores
    task = model.task_id(author)
    steps = []

    def record(fingerprint: Fingerprint) -> bool:
        fused = torch.from_numpy(
            fused_total({"style": style_evidence(model, fingerprint.sketch), **others})
        )
        top = torch.topk(fused, 2)
        steps.append(
            {
                "positions": fingerprint.positions,
                "leader": int(top.indices[0]),
                "gap": float(top.values[0] - top.values[1]),
                "rank": int((fused > fused[task]).sum()),
            }
        )
        return False

    record(compute_fingerprint(model, positions, settled=record))
    return steps


def collect(model_dir: Path, db: Path) -> list[dict]:
    """Every query's chunk rankings, saved so rules can be judged again without a pass."""
    if RAW.exists():
        return json.loads(RAW.read_text())
    model = StyleModel.load(model_dir)
    _, _, validation = validation_queries(model_dir, db, 60)
    queries = []
    for size in (100, 50):
        for from_ply in (0, 30):
            started = time.perf_counter()
            for author, games in validation.items():
                steps = chunk_rankings(model, games[:size], author, from_ply)
                queries.append(
                    {"author": author, "games": size, "from_ply": from_ply, "steps": steps}
                )
            print(
                f"{size} games from ply {from_ply}: {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    RAW.parent.mkdir(parents=True, exist_ok=True)
    RAW.write_text(json.dumps(queries))
    return queries


def stopped_at(steps: list[dict], min_chunks: int, gap: float) -> dict:
    """The step a rule stops at: the first from `min_chunks` on whose leader held since the
    check before and leads by `gap`; else the last."""
    for k in range(max(min_chunks, 2) - 1, len(steps)):
        step = steps[k]
        if step["leader"] == steps[k - 1]["leader"] and step["gap"] >= gap:
            return step
    return steps[-1]


def judge(queries: list[dict]) -> None:
    groups = sorted({(q["games"], q["from_ply"]) for q in queries})
    for min_chunks in (2, 4):
        for gap in GAPS:
            cells = []
            for games, from_ply in groups:
                group = [q for q in queries if (q["games"], q["from_ply"]) == (games, from_ply)]
                full = [q["steps"][-1] for q in group]
                early = [stopped_at(q["steps"], min_chunks, gap) for q in group]
                found = sum(s["rank"] == 0 for s in early)
                found_full = sum(s["rank"] == 0 for s in full)
                changed = sum(e["leader"] != f["leader"] for e, f in zip(early, full, strict=True))
                read = sum(e["positions"] for e in early) / sum(f["positions"] for f in full)
                cells.append(
                    f"{games}g ply {from_ply}: {found}/{found_full} found, {changed} leaders "
                    f"changed, {read:.0%} read"
                )
            print(f"min {min_chunks * CHUNK}, gap {gap:g}: " + "; ".join(cells))


if __name__ == "__main__":
    judge(collect(*pilot_paths(sys.argv[1:])))
