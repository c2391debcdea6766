"""Pilot: how many routing-only steps an enrolment's vector needs.

`enroll` fitted the new player's vector for 48 Adam steps of 1,024 positions (46 of its 51 s on
this 2-core CPU for 100 games). Shorter fits, measured by what the vector is for: predicting the
player's other games. Unseen players of `bench/demo-unseen-players.txt` (never trained on),
enrolled from 100 of their games; scored on 3,000 positions of their next 200 games (network
alone, no opening books): mean log-likelihood of the moves played and top-1, beside the trained
players' mean vector (0 steps, where every fit starts).
Usage: python bench/enrol_fit_pilot.py [MODEL_DIR] [DB] [PLAYERS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

from bench.pilot_queries import pilot_paths
from stylespace.authors import author_positions
from stylespace.cli_common import names_from as _names_from
from stylespace.store import GameStore
from stylespace.style_model import StyleModel
from stylespace.stylometry import ENROL_SETTINGS, FitSettings, fit_style_vector

VARIANTS = {
    "48 x 1024, lr 0.1 (shipped before)": FitSettings(steps=48, batch_size=1024),
    "24 x 1024, lr 0.1": FitSettings(steps=24, batch_size=1024),
    "24 x 512, lr 0.1 (shipped)": ENROL_SETTINGS,
    "12 x 1024, lr 0.1": FitSettings(steps=12, batch_size=1024),
    "12 x 1024, lr 0.2": FitSettings(steps=12, batch_size=1024, learning_rate=0.2),
    "24 x 512, lr 0.2": FitSettings(steps=24, batch_size=512, learning_rate=0.2),
}


@torch.no_grad()
def scored(model: StyleModel, batch: dict[str, torch.Tensor], vector: torch.Tensor) -> tuple:
    logits = model.logits(batch["squares"], batch["last_move"], batch["elo"], style=vector)
    logits = logits.masked_fill(~batch["mask"], -1e9)
    nll = torch.nn.functional.cross_entropy(logits, batch["move"]).item()
    return -nll, (logits.argmax(-1) == batch["move"]).float().mean().item()


def main(model_dir: Path, db: Path, players: int = 4) -> None:
    model = StyleModel.load(model_dir)
    model.styled.eval()
    names = _names_from(["@bench/demo-unseen-players.txt"])[:players]
    with GameStore(db, read_only=True) as store:
        games = store.games_by_player(["train"], names)
    rows: dict[str, list[tuple[float, float, float]]] = {"mean vector (0 steps)": []}
    for name in names:
        reference = author_positions(games[name][:100], name)
        held = author_positions(games[name][100:300], name)
        rng = np.random.default_rng(0)
        held = held.subset(np.sort(rng.choice(len(held), min(3000, len(held)), replace=False)))
        batch = held.tensors(model.device)
        rows["mean vector (0 steps)"].append((*scored(model, batch, model.trained_mean), 0.0))
        for label, settings in VARIANTS.items():
            torch.manual_seed(settings.seed)
            started = time.perf_counter()
            vector, _ = fit_style_vector(model, reference, settings)
            seconds = time.perf_counter() - started
            rows.setdefault(label, []).append((*scored(model, batch, vector), seconds))
        print(f"{name}: {len(reference)} reference, {len(held)} held-out positions", flush=True)
    print(f"\n{len(names)} unseen players; mean over players")
    print("variant                          log-lik   top-1   fit s")
    for label, values in rows.items():
        loglik, top1, seconds = np.mean(values, axis=0)
        print(f"{label:32} {loglik:8.4f}  {top1:6.2%}  {seconds:6.1f}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(*pilot_paths(arguments), players=int(arguments[2]) if len(arguments) > 2 else 4)
