"""How much the mover's Elo bucket moves a model's predictions, and which buckets it was trained on.

    PYTHONPATH=. .venv/bin/python bench/elo_levels.py --model models/demo [--write]

Measures the base model's top-1 move matching on the masters' test games (a) with each mover's
true bucket and with every position forced to one bucket, and (b) for movers under 2000 Elo,
with their true bucket, as unknown (0), and as the model reads them (`StyleModel.known_elo`).
An embedding trained on a few hundred positions is noise: the players of a very different kind
the tool will meet (club players at 1200-1800) must not be read through one.

`--write` records in the model's config.json the buckets with at least
`training.MIN_ELO_BUCKET_POSITIONS` positions in the store's train split (what stage 1 saw, less
any players a run left out): how `models/demo` got its `known_elo_buckets`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb
import numpy as np
import torch

from stylespace.encoding import N_ELO_BUCKETS, elo_bucket, trained_elo_buckets
from stylespace.positions import PlayedGame, Positions, collect_positions
from stylespace.store import default_db_path
from stylespace.style_model import StyleModel
from stylespace.training import MIN_ELO_BUCKET_POSITIONS

BUCKET_OF = (  # encoding.elo_bucket in SQL
    "case when {elo} is null or {elo} <= 0 then 0 "
    "else least(greatest(({elo} - 1000) // 100 + 1, 1), 22) end"
)


def positions_per_bucket(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Training positions per mover's Elo bucket: White moves on odd plies, Black on even."""
    query = f"""
        select bucket, sum(moves) from (
            select {BUCKET_OF.format(elo="white_elo")} bucket, (ply_count + 1) // 2 moves
            from games where split = 'train'
            union all
            select {BUCKET_OF.format(elo="black_elo")} bucket, ply_count // 2 moves
            from games where split = 'train')
        group by bucket"""
    counts = [0] * N_ELO_BUCKETS
    for bucket, moves in con.execute(query).fetchall():
        counts[int(bucket)] = int(moves)
    return counts


def test_games(con: duckdb.DuckDBPyConnection, where: str, limit: int) -> list[PlayedGame]:
    rows = con.execute(
        "select moves, white, black, white_elo, black_elo from games "
        f"where split = 'test' and start_fen is null and {where} order by hash limit {limit}"
    ).fetchall()
    return [PlayedGame(m.split(), w, b, we, be) for m, w, b, we, be in rows]


@torch.no_grad()
def top1(model: StyleModel, positions: Positions, buckets=None) -> float:
    """Base top-1 with the buckets given (None: the positions' own, as the model reads them)."""
    hits = []
    for start in range(0, len(positions), 1024):
        rows = np.arange(start, min(start + 1024, len(positions)))
        batch = positions.subset(rows).tensors()
        elo = batch["elo"] if buckets is None else buckets(batch["elo"])
        logits = model.logits(batch["squares"], batch["last_move"], elo)
        logits = logits.masked_fill(~batch["mask"], float("-inf"))
        hits.append((logits.argmax(-1) == batch["move"]).numpy())
    return round(float(np.concatenate(hits).mean()), 4)


def measure(model: StyleModel, con: duckdb.DuckDBPyConnection) -> dict:
    as_read = model.extra_config.get("known_elo_buckets")
    model.extra_config["known_elo_buckets"] = list(range(N_ELO_BUCKETS))  # raw embeddings
    where = "white_elo between 2300 and 2699 and black_elo between 2300 and 2699"
    strong = collect_positions(test_games(con, where, 600), lambda name: 0)
    forced = {"true": top1(model, strong)}
    for bucket in (0, 1, 3, 5, 7, 9, 11, 13, 16, 19, 21):
        forced[str(bucket)] = top1(model, strong, lambda e, b=bucket: torch.full_like(e, b))
    where = "(white_elo < 2000 or black_elo < 2000) and white_elo > 0 and black_elo > 0"
    weak = collect_positions(test_games(con, where, 5000), lambda name: 0)
    weak = weak.subset(np.flatnonzero(weak.elo <= elo_bucket(1999)))
    under_2000 = {"true": top1(model, weak), "unknown": top1(model, weak, torch.zeros_like)}
    model.extra_config["known_elo_buckets"] = as_read
    under_2000["as the model reads them"] = top1(model, weak)
    return {
        "masters_2300_2699": {"positions": len(strong), "top1_by_bucket": forced},
        "movers_under_2000": {
            "positions": len(weak),
            "buckets": np.bincount(weak.elo, minlength=N_ELO_BUCKETS).tolist(),
            "top1": under_2000,
        },
        "known_elo_buckets": as_read,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=Path("models/demo"))
    parser.add_argument("--db", type=Path, default=default_db_path())
    parser.add_argument("--write", action="store_true", help="record the trained buckets")
    args = parser.parse_args()
    con = duckdb.connect(str(args.db), read_only=True)
    if args.write:
        counts = positions_per_bucket(con)
        config_path = args.model / "config.json"
        config = json.loads(config_path.read_text())
        config["known_elo_buckets"] = trained_elo_buckets(counts, MIN_ELO_BUCKET_POSITIONS)
        config_path.write_text(json.dumps(config, indent=2))
        print(json.dumps({"positions_per_bucket": counts, **config}))
    model = StyleModel.load(args.model, "cpu")
    print(json.dumps(measure(model, con)))


if __name__ == "__main__":
    main()
