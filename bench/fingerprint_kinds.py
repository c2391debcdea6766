"""Which likelihood gradient makes the best stylometry fingerprint (the pilot of fingerprints.py)?

For P trained players with >= 125 held-out games: a reference gradient from 4,096 of their train
positions, query gradients from 100, 20 and 5 disjoint held-out games; each query ranked among
the P references by centred cosine (raw, and with every coordinate divided by its std across the
references). Gradients of the mean log-likelihood at the trained mean vector with respect to:
the style vector (128 numbers), the LoRA skills, the policy head, the embeddings, the rest of the
base (body), and all weights together. Prints top-1/top-5 per query size.
Usage: python bench/fingerprint_kinds.py RUN_DIR DB [--players 60] [--from-ply 0]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from stylespace.positions import collect_positions
from stylespace.shards import open_shard
from stylespace.store import GameStore
from stylespace.style_model import StyleModel

GROUPS = ("skills", "head", "embed", "body")


def _group(name: str) -> str:
    if "poly_lora" in name:
        return "skills"
    if "projection" in name:
        return "head"
    return "embed" if "embedding" in name else "body"


def _gradients(model: StyleModel, params: dict, positions, cap: int = 4096) -> dict:
    rows = np.arange(len(positions))
    if len(rows) > cap:
        rows = np.sort(np.random.default_rng(0).choice(len(rows), cap, replace=False))
    vector = model.trained_mean.clone().requires_grad_(True)
    for parameter in params.values():
        parameter.grad = None
    for start in range(0, len(rows), 1024):
        batch = positions.subset(rows[start : start + 1024]).tensors()
        logits = model.logits(batch["squares"], batch["last_move"], batch["elo"], style=vector)
        log_likelihood = -F.cross_entropy(logits, batch["move"], reduction="sum")
        (log_likelihood / len(rows)).backward()
    found = {"style": vector.grad.detach().clone()}
    for group in GROUPS:
        found[group] = torch.cat(
            [p.grad.flatten() for n, p in params.items() if _group(n) == group]
        )
    return found


def _accuracy(references: torch.Tensor, queries: dict, whiten: bool) -> dict:
    centre, scale = references.mean(0), references.std(0) + 1e-12 if whiten else 1.0
    table = F.normalize((references - centre) / scale, dim=1)
    report = {}
    for size, rows in queries.items():
        scores = F.normalize((rows - centre) / scale, dim=1) @ table.T
        rank = (scores > scores.diag()[:, None]).sum(1)
        report[size] = [
            round(float((rank == 0).float().mean()), 3),
            round(float((rank < 5).float().mean()), 3),
        ]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("db", type=Path)
    parser.add_argument("--players", type=int, default=60)
    parser.add_argument("--from-ply", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    model = StyleModel.load(args.run)
    params = {n: p for n, p in model.styled.named_parameters() if "router" not in n}
    for parameter in params.values():
        parameter.requires_grad_(True)
    shard = open_shard(args.run / "shards" / "train")
    owners = np.asarray(shard.arrays["player"])
    trained = [p for p in model.players if not p.get("enrolled")]
    with GameStore(args.db, read_only=True) as store:
        held = store.games_by_player(["val", "test"], [p["name"] for p in trained])
    rng = np.random.default_rng(1)
    chosen = [p for p in trained if len(held[p["name"]]) >= 125]
    rng.shuffle(chosen)
    chosen = chosen[: args.players]
    references, queries = [], {100: [], 20: [], 5: []}
    for player in chosen:
        rows = np.flatnonzero(owners == player["task_id"])
        if len(rows) > 4096:
            rows = rng.choice(rows, 4096, replace=False)
        references.append(_gradients(model, params, shard.positions(np.sort(rows))))
        games = held[player["name"]]
        order, start = rng.permutation(len(games)), 0
        for size in queries:
            picked = [games[i] for i in order[start : start + size]]
            start += size
            name = player["name"]
            positions = collect_positions(
                picked, lambda n, a=name: 0 if n == a else None, from_ply=args.from_ply
            )
            queries[size].append(_gradients(model, params, positions))
    kinds = {g: (lambda r, g=g: r[g]) for g in ("style", *GROUPS)}
    kinds["all weights"] = lambda r: torch.cat([r[g] for g in GROUPS])
    report = {"players": len(chosen), "from_ply": args.from_ply, "kinds": {}}
    for kind, pick in kinds.items():
        table = torch.stack([pick(r) for r in references])
        rows = {s: torch.stack([pick(q) for q in qs]) for s, qs in queries.items()}
        report["kinds"][kind] = {
            "size": table.shape[1],
            "raw": _accuracy(table, rows, whiten=False),
            "whitened": _accuracy(table, rows, whiten=True),
        }
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
