"""Steering directions: the paper's delta against a linear probe, and how far each may reach.

    PYTHONPATH=. .venv/bin/python bench/steering_probe_pilot.py [--strengths S ...]
        [--cost-positions N] [--model models/demo]

The issue allows "optionally a linear-probe direction, chosen by measurement". The delta (mean
vector of the top quarter in a property minus the mean of all) follows whatever the top players
share, the property or not; the ridge probe (`steering.ridge_directions`) weighs each entry by
what it says about the property beside the others. Both have the delta's length, so a strength
moves the vector equally far. Measured as `stylespace bench steering` measures (the move-level
proxies on 512 validation positions, 8 players), with what else the moves changed (mean KL
divergence from the player's own, `move_change`) and, with --cost-positions, the players' own
held-out move matching (network alone) at the sweep's two ends; with --saved, only that, for
the directions `bench steering --save` chose, at the slider's two ends.
Results: `bench/results/steering-probe.md`.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from bench.pilot_queries import trained_positions
from stylespace.placeholders import is_placeholder_name
from stylespace.positions import Positions
from stylespace.steering import (
    PositionSet,
    bench_steering,
    load_directions,
    ridge_directions,
    steering_directions,
)
from stylespace.store import GameStore, default_db_path
from stylespace.style_model import StyleModel

STRENGTHS = (-32.0, -16.0, -8.0, 0.0, 8.0, 16.0, 32.0)


@torch.no_grad()
def matching_cost(
    model: StyleModel,
    found: Positions,
    kinds: dict[str, dict[str, torch.Tensor]],
    strengths: list[float],
) -> dict[str, float]:
    """Top-1 of the players' own held-out moves (network alone) with their own vector moved by
    each direction: what steering costs the moves' likeness to a master's."""
    batch = found.tensors()
    inputs = (batch["squares"], batch["last_move"], batch["elo"])
    own = model.style_vectors[batch["label"]]

    def top1(style: torch.Tensor) -> float:
        logits = model.logits(*inputs, style=style).masked_fill(~batch["mask"], -torch.inf)
        return round(100 * float((logits.argmax(-1) == batch["move"]).float().mean()), 2)

    found_top1 = {"own vector": top1(own)}
    for kind, directions in kinds.items():
        for prop, direction in directions.items():
            for strength in strengths:
                found_top1[f"{kind} {prop} {strength:+g}"] = top1(own + strength * direction)
    return found_top1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/demo")
    parser.add_argument("--players", type=int, default=8)
    parser.add_argument("--strengths", type=float, nargs="+", default=STRENGTHS)
    parser.add_argument("--cost-positions", type=int, default=0)
    parser.add_argument(
        "--saved",
        action="store_true",
        help="only the move-matching cost of the model's saved directions at the slider's ends",
    )
    args = parser.parse_args()
    model = StyleModel.load(args.model)
    with GameStore(default_db_path(), read_only=True) as store:
        properties = store.properties()
        games = store.played_games(["val"])
    if args.saved:
        found = trained_positions(model, games, args.cost_positions or 10_000)
        saved = {"saved": load_directions(args.model, passing_only=False)}
        print(json.dumps(matching_cost(model, found, saved, [-1.0, 1.0]), indent=1))
        return
    positions = PositionSet.from_games(games[: 20 * 512], size=512, seed=0)
    deltas = steering_directions(model, properties)
    kinds = {"delta": deltas, "ridge": ridge_directions(model, properties, deltas)}
    trained = [p["name"] for p in model.players if not p.get("enrolled")]
    trained = [name for name in trained if not is_placeholder_name(name)]
    chosen = [trained[i] for i in np.random.default_rng(0).permutation(len(trained))]
    chosen = chosen[: args.players]
    report: dict = {"players": chosen}
    for kind, directions in kinds.items():
        measured = bench_steering(model, positions, directions, chosen, args.strengths)
        for row in measured.values():
            row.pop("per_player")
        report[kind] = measured
        report[f"{kind}_cosine_with_delta"] = {
            prop: round(float(torch.cosine_similarity(d, deltas[prop], dim=0)), 3)
            for prop, d in directions.items()
        }
    if args.cost_positions:
        found = trained_positions(model, games, args.cost_positions)
        extremes = [min(args.strengths), max(args.strengths)]
        report["own_moves_top1"] = matching_cost(model, found, kinds, extremes)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
