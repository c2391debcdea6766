"""Pilot: refit trained players' vectors routing-only, as `enroll` fits a new player's.

    PYTHONPATH=. .venv/bin/python bench/routing_refit_pilot.py [--players 24] [--steps 48]

Question: a trained player's own vector predicts their validation moves 0.2 points (top-1)
better than the trained players' mean vector (`style-guidance.md`), while a vector fitted
routing-only from 100 games of a player the model never saw gained 0.7 points over the mean on
that player's next games (`enrolment-fit.md`, 4 players). Stage 2 trained all vectors jointly
for one epoch with routing noise, beside the skills. Does a routing-only refit on each player's
own train positions (skills frozen, noise off, the enrolment's pull toward the mean) give
vectors that know more of the player?

For each of `--players` trained players with >= 300 validation moves (seed 7): fit from the
trained mean on their train positions (batches of 1,024, lr 0.1), snapshots at 12, 24 and
`--steps` steps; score their validation moves with the network alone (legal moves only) under
the mean vector, their trained vector and each snapshot.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F

from stylespace.authors import author_positions
from stylespace.positions import Positions
from stylespace.store import GameStore, default_db_path
from stylespace.style_model import StyleModel
from stylespace.stylometry import FitSettings, fit_style_vector

MAX_VALIDATION = 2_000


@torch.no_grad()
def _scores(model: StyleModel, positions: Positions, vector: torch.Tensor) -> tuple[float, float]:
    """Hits and summed negative log-likelihood of the played moves under `vector`."""
    hits = nll = 0.0
    for start in range(0, len(positions), 1024):
        batch = positions.subset(np.arange(start, min(start + 1024, len(positions)))).tensors()
        logits = model.logits(batch["squares"], batch["last_move"], batch["elo"], style=vector)
        logits = logits.masked_fill(~batch["mask"], -1e9)
        hits += float((logits.argmax(dim=1) == batch["move"]).sum())
        nll += float(F.cross_entropy(logits, batch["move"], reduction="sum"))
    return hits, nll


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/demo")
    parser.add_argument("--players", type=int, default=24)
    parser.add_argument("--steps", type=int, default=48)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()
    model = StyleModel.load(args.model)
    names = [p["name"] for p in model.players if not p.get("enrolled")]
    with GameStore(default_db_path(), read_only=True) as store:
        held = store.games_by_player(["val"], names)
        chosen = [n for n in names if len(held[n]) >= 30]
        rng = np.random.default_rng(7)
        rng.shuffle(chosen)
        chosen = chosen[: args.players]
        train = store.games_by_player(["train"], chosen)
    snapshots = sorted({12, 24, args.steps})
    totals: dict[str, list[float]] = {}
    count = 0
    started = time.perf_counter()
    for number, name in enumerate(chosen, 1):
        validation = author_positions(held[name], name)
        if len(validation) > MAX_VALIDATION:
            validation = validation.subset(np.arange(MAX_VALIDATION))
        fitted = {}

        def keep(vector: torch.Tensor, fitted=fitted) -> bool:
            fitted[len(fitted) * 2 + 2] = vector.clone()
            return False

        settings = FitSettings(
            steps=args.steps, batch_size=args.batch, learning_rate=args.lr, min_steps=0
        )
        positions = author_positions(train[name], name)
        vector, _ = fit_style_vector(model, positions, settings, on_check=keep)
        candidates = {
            "mean vector": model.trained_mean,
            "trained vector": model.style_vectors[model.task_id(name)],
            **{f"refit {s} steps": fitted.get(s, vector) for s in snapshots},
        }
        for label, candidate in candidates.items():
            hits, nll = _scores(model, validation, candidate)
            row = totals.setdefault(label, [0.0, 0.0])
            row[0] += hits
            row[1] += nll
        count += len(validation)
        print(
            f"{number}/{len(chosen)} {name}: {len(positions)} train, {len(validation)} val, "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    report = {"players": len(chosen), "validation_moves": count, "steps": args.steps}
    for label, (hits, nll) in totals.items():
        report[label] = {"top1": round(hits / count, 4), "nll": round(nll / count, 4)}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
