"""Pilot: for `--from-ply 30` queries, do players' fingerprints from their own late moves help?

60 trained players (>= 100 held-out games), one 100-game query each from ply 30, ranked among the
60 by centred cosine against fingerprints from (a) any 4,096 of their train positions (what
`train` stores) and (b) 4,096 of their train positions from ply 30 on.
Usage: python bench/fingerprint_late.py [RUN_DIR] [DB]   (default runs/demo, the project's store)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from pilot_queries import pilot_paths

from stylespace.fingerprints import compute_fingerprint
from stylespace.positions import collect_positions
from stylespace.shards import open_shard
from stylespace.store import GameStore
from stylespace.style_model import StyleModel


def _accuracy(references: list[torch.Tensor], queries: list[torch.Tensor]) -> tuple[float, float]:
    table, rows = torch.stack(references), torch.stack(queries)
    centre = table.mean(0)
    scores = F.normalize(rows - centre, dim=1) @ F.normalize(table - centre, dim=1).T
    rank = (scores > scores.diag()[:, None]).sum(1)
    return round(float((rank == 0).float().mean()), 3), round(float((rank < 5).float().mean()), 3)


def main(run: Path, db: Path, players: int = 60, late_ply: int = 30) -> None:
    started = time.perf_counter()
    model = StyleModel.load(run)
    shard = open_shard(run / "shards" / "train")
    owners, plies = np.asarray(shard.arrays["player"]), np.asarray(shard.arrays["ply"])
    trained = [p for p in model.players if not p.get("enrolled")]
    with GameStore(db, read_only=True) as store:
        held = store.games_by_player(["val", "test"], [p["name"] for p in trained])
    rng = np.random.default_rng(1)
    chosen = [p for p in trained if len(held[p["name"]]) >= 100]
    rng.shuffle(chosen)
    any_moves, late_moves, queries = [], [], []
    for player in chosen[:players]:
        mine = np.flatnonzero(owners == player["task_id"])
        for rows, table in ((mine, any_moves), (mine[plies[mine] >= late_ply], late_moves)):
            if len(rows) > 4096:
                rows = rng.choice(rows, 4096, replace=False)
            table.append(compute_fingerprint(model, shard.positions(np.sort(rows))).sketch)
        games = held[player["name"]]
        games = [games[i] for i in rng.permutation(len(games))[:100]]
        name = player["name"]
        positions = collect_positions(games, lambda n, a=name: 0 if n == a else None, late_ply)
        queries.append(compute_fingerprint(model, positions).sketch)
    print(f"{len(queries)} players, {time.perf_counter() - started:.0f} s; top-1, top-5:")
    print(f"  references from any move:       {_accuracy(any_moves, queries)}")
    print(f"  references from ply {late_ply} on:      {_accuracy(late_moves, queries)}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(*pilot_paths(arguments, "runs/demo"))
