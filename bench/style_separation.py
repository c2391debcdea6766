"""How individual are a trained model's style vectors? A quick check between training runs.

For P players with enough validation positions, score each player's positions under every
player's vector: M[i, j] = mean log-likelihood of player i's moves under vector j. Reports
  gain_own_nats   mean of M[i, i] - M[i, base]: what a player's own vector buys over the base;
  gain_mean_nats  mean of M[i, i] - M[i, mean]: what it buys over the average style;
  top1            share of players whose own vector is the best for their moves, once each
                  vector's general quality (its column mean) is subtracted: a likelihood
                  identification among P players;
  spread          std of the routing logits and of the per-head mixing weights.
Usage: python bench/style_separation.py RUN_DIR [--players 40] [--positions 300]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from stylespace.shards import open_shard
from stylespace.style_model import StyleModel
from stylespace.training import _tensors


@torch.no_grad()
def separation(run: Path, players: int, positions: int, seed: int = 0) -> dict:
    model = StyleModel.load(run, "cpu")
    shard = open_shard(run / "shards" / "val")
    owner = np.asarray(shard.arrays["player"])
    counts = np.bincount(owner[owner >= 0], minlength=len(model.player_names()))
    rng = np.random.default_rng(seed)
    chosen = rng.choice(np.flatnonzero(counts >= positions), players, replace=False)
    table = model.style_vectors
    vectors = [table[int(task)] for task in chosen] + [model.trained_mean, None]
    scores = np.zeros((players, len(vectors)))
    for i, task in enumerate(chosen):
        rows = np.sort(rng.choice(np.flatnonzero(owner == task), positions, replace=False))
        batch = _tensors(shard, rows, "cpu")
        args = batch["squares"], batch["last_move"], batch["elo"]
        for j, vector in enumerate(vectors):
            logits = model.logits(*args, style=vector)
            scores[i, j] = -F.cross_entropy(logits, batch["move"]).item()
    own = np.diag(scores[:, :players])
    centred = scores[:, :players] - scores[:, :players].mean(axis=0, keepdims=True)
    weights = torch.sigmoid(table.view(len(table), model.style_config.n_splits, -1))
    weights = weights / weights.sum(-1, keepdim=True)
    return {
        "run": str(run),
        "players": players,
        "positions_each": positions,
        "gain_own_nats": round(float((own - scores[:, -1]).mean()), 4),
        "gain_mean_nats": round(float((own - scores[:, -2]).mean()), 4),
        "top1": round(float((centred.argmax(axis=1) == np.arange(players)).mean()), 3),
        "logit_std": round(float(table.std()), 3),
        "weight_std": round(float(weights.std()), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--players", type=int, default=40)
    parser.add_argument("--positions", type=int, default=300)
    args = parser.parse_args()
    print(json.dumps(separation(args.run, args.players, args.positions)))


if __name__ == "__main__":
    main()
