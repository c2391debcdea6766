"""Is a player's style vector under-used? Move matching with the vector pushed further from the
trained mean: mean + scale * (vector - mean).

    PYTHONPATH=. .venv/bin/python bench/style_scale_pilot.py [POSITIONS] [--model models/demo]

Top-1 on the trained players' validation positions (the first POSITIONS, as `stylespace eval`
collects them), for the network alone and with both opening books (`book.py`), at scales 0
(the mean vector for everybody), 1 (as shipped) and beyond; beside the base model with
everybody's book, the reference of the style's gain. Results: `bench/results/style-scale.md`.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from bench.pilot_queries import trained_positions
from stylespace.book import with_books
from stylespace.store import GameStore, default_db_path
from stylespace.style_model import StyleModel

SCALES = (0.0, 1.0, 1.5, 2.0, 3.0, 4.0)


@torch.no_grad()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("positions", type=int, nargs="?", default=60_000)
    parser.add_argument("--model", default="models/demo")
    args = parser.parse_args()
    model = StyleModel.load(args.model)
    with GameStore(default_db_path(), read_only=True) as store:
        games = store.played_games(["val"])
    found = trained_positions(model, games, args.positions)
    tables = model.book_tables()
    mean, table = model.trained_mean, model.style_vectors
    hits: dict[str, list[np.ndarray]] = {"base, everybody's book": []}
    for start in range(0, len(found), 2048):
        part = found.subset(np.arange(start, min(start + 2048, len(found))))
        batch = part.tensors()
        inputs = (batch["squares"], batch["last_move"], batch["elo"])
        base = model.logits(*inputs).masked_fill(~batch["mask"], -torch.inf)
        booked = with_books(
            torch.softmax(base, -1).numpy(), part.squares, part.ply, part.mask, tables
        )
        hits["base, everybody's book"].append(booked.argmax(1) == part.move)
        for scale in SCALES:
            style = mean + scale * (table[batch["label"]] - mean)
            logits = model.logits(*inputs, style=style).masked_fill(~batch["mask"], -torch.inf)
            network = torch.softmax(logits, -1).numpy()
            both = with_books(network, part.squares, part.ply, part.mask, tables, part.label)
            hits.setdefault(f"scale {scale}, network", []).append(network.argmax(1) == part.move)
            hits.setdefault(f"scale {scale}, both books", []).append(both.argmax(1) == part.move)
    report = {"positions": len(found)}
    report |= {name: round(float(np.concatenate(parts).mean()), 4) for name, parts in hits.items()}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
