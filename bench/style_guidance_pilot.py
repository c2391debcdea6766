"""Pilot: style guidance, the player's difference from a reference amplified in logit space.

    PYTHONPATH=. .venv/bin/python bench/style_guidance_pilot.py [--model models/demo]
        [--split val] [--positions 100000]

Question: the style vectors differ little (`gpu-model.md`: 0.0034 nats per move over the mean
vector), so the network with a player's vector matches 0.6 points more of their moves than the
base. Classifier-free guidance sharpens conditional generators by extrapolating the conditional
logits away from an unconditional reference: logits = ref + g x (own - ref). Does a guidance
g > 1 make the player's own vector predict more of their moves, with the network alone and with
the opening books on top? Two references: the base network (adapters off) and the network with
the trained players' mean vector (the average master).
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

GUIDANCE = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


def _probabilities(logits: torch.Tensor) -> np.ndarray:
    return torch.softmax(logits, dim=-1).numpy()


@torch.no_grad()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/demo")
    parser.add_argument("--split", default="val")
    parser.add_argument("--positions", type=int, default=100_000)
    args = parser.parse_args()
    model = StyleModel.load(args.model)
    with GameStore(default_db_path(), read_only=True) as store:
        games = store.played_games([args.split])
    found = trained_positions(model, games, args.positions)
    tables = model.book_tables()
    hits: dict[str, list[np.ndarray]] = {}
    nll: dict[str, list[np.ndarray]] = {}

    def record(name: str, logits: torch.Tensor, part, owners, move: torch.Tensor) -> None:
        log_p = torch.log_softmax(logits, dim=-1)
        nll.setdefault(name, []).append(-log_p.gather(1, move[:, None])[:, 0].numpy())
        network = log_p.exp().numpy()
        hits.setdefault(f"{name} network", []).append(network.argmax(axis=1) == part.move)
        booked = with_books(network, part.squares, part.ply, part.mask, tables, owners)
        hits.setdefault(f"{name} books", []).append(booked.argmax(axis=1) == part.move)

    for start in range(0, len(found), 1024):
        part = found.subset(np.arange(start, min(start + 1024, len(found))))
        batch = part.tensors()
        inputs = (batch["squares"], batch["last_move"], batch["elo"])
        mask = batch["mask"]
        move = torch.as_tensor(part.move, dtype=torch.long)

        def masked(style, inputs=inputs, mask=mask) -> torch.Tensor:
            return model.logits(*inputs, style=style).masked_fill(~mask, -1e9)

        base = masked(None)
        mean = masked(model.trained_mean)
        own = masked(batch["label"])
        record("base", base, part, None, move)
        record("mean vector", mean, part, None, move)
        for g in GUIDANCE:
            record(
                f"own, base + {g} x (own - base)", base + g * (own - base), part, part.label, move
            )
            record(
                f"own, mean + {g} x (own - mean)", mean + g * (own - mean), part, part.label, move
            )
    report = {"split": args.split, "positions": len(found)}
    for name, parts in hits.items():
        report[f"top1 {name}"] = round(float(np.concatenate(parts).mean()), 4)
    for name, parts in nll.items():
        report[f"nll {name}"] = round(float(np.concatenate(parts).mean()), 4)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
