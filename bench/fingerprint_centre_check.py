"""Check of `fingerprint_heldout_pilot.py` among all the model's players.

That pilot ranked each test query among its 57 authors only; `identify` ranks among every player
of the model. This re-ranks the pilot's cached fingerprints (`runs/fingerprint-heldout.pt`, run
the pilot first) among all of them, centred on the trained players' mean (shipped) or on the
mean of the held-out fingerprints (all moves, or from ply 30). Style alone, top-1/top-5.
Usage: PYTHONPATH=. python bench/fingerprint_centre_check.py [MODEL_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from stylespace.style_model import StyleModel

SIZES = ((100, 0), (20, 0), (5, 0), (100, 30))


def found_at(model: StyleModel, queries: torch.Tensor, tasks: list[int], centre: torch.Tensor):
    """Top-1 and top-5 shares of the authors (`tasks`) among every player with a fingerprint."""
    table = model.fingerprints
    known = ~table.isnan().any(dim=1)
    ranks = []
    for query, task in zip(queries, tasks, strict=True):
        scores = F.cosine_similarity(table - centre, (query - centre)[None], dim=-1)
        scores[~known] = float("-inf")
        ranks.append(int((scores > scores[task]).sum()))
    ranks = np.array(ranks)
    return f"{np.mean(ranks == 0):.0%}/{np.mean(ranks < 5):.0%}"


def main(model_dir: Path) -> None:
    model = StyleModel.load(model_dir)
    cached = torch.load("runs/fingerprint-heldout.pt", weights_only=False)
    tasks = [model.task_id(author) for author in cached["authors"]]
    centres = {
        "trained players' mean": model.fingerprint_centre,
        "held-out, all moves": cached["held", 0].mean(0),
        "held-out, from ply 30": cached["held", 30].mean(0),
    }
    print(f"{len(tasks)} authors among {int((~model.fingerprints.isnan().any(1)).sum())} players")
    for size, start in SIZES:
        queries = cached[size, start]
        found = {name: found_at(model, queries, tasks, c) for name, c in centres.items()}
        print(f"{size} games from ply {start}: {found}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("models/demo"))
