"""Pilot: the opening books backed off to the player's own setup, for move matching.

    PYTHONPATH=. .venv/bin/python bench/setup_book_pilot.py [--positions 30000]

Question: the style's move-matching gain over the base is 1.5 points (goal 2), most of it from the
player's own opening book (`style-guidance.md`), which speaks only where the player stood in the
exact position before. Keyed by the mover's own pieces and every pawn, a player's choices recur
across the opponent's piece moves, and identify them nearly as well as the exact positions do
(`own-setup.md`). As a book layer between everybody's exact book and the player's own: does it
predict more of the player's moves in the first 12 moves? Everybody's setup counts are tried
for the base too, so the style's gain is read against a base that has them.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch
from tqdm import tqdm

from bench.own_setup_pilot import KEYINGS, setup_keys
from bench.pilot_queries import network_batches, trained_positions
from stylespace.book import _smooth, with_books
from stylespace.openings import HASH_BUCKETS, OPENING_PLIES, MoveChoices, _mix
from stylespace.store import GameStore, default_db_path
from stylespace.style_model import StyleModel

KEPT = KEYINGS["own pieces + all pawns"]
PRIORS = (1.0, 2.0, 4.0, 8.0)


def setup_buckets(squares: np.ndarray, plies: np.ndarray) -> np.ndarray:
    masked = np.where(np.isin(squares, KEPT), squares, 0)
    words = np.ascontiguousarray(masked, dtype=np.uint8).view(np.uint64)
    return (_mix(plies % 2, *words.T) % np.uint64(HASH_BUCKETS)).astype(np.int64)


@torch.no_grad()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/demo")
    parser.add_argument("--positions", type=int, default=30_000)
    args = parser.parse_args()
    model = StyleModel.load(args.model)
    names = [p["name"] for p in model.players if not p.get("enrolled")]
    with GameStore(default_db_path(), read_only=True) as store:
        games = store.played_games(["val"])
        train = store.games_by_player(["train"], names)
    rows = [np.zeros(0, np.int64)] * len(model.players)
    for name in tqdm(names, desc="setup keys", leave=False):
        keys = setup_keys(train[name], name, KEPT)
        rows[model.task_id(name)] = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    setups = MoveChoices.from_tokens(rows)
    del train
    found = trained_positions(model, games, args.positions)
    tables = model.book_tables()
    hits: dict[str, list[np.ndarray]] = {}
    early: list[np.ndarray] = []
    for part, probabilities in network_batches(model, found):
        opening = np.flatnonzero(part.ply < OPENING_PLIES)
        early.append(part.ply < OPENING_PLIES)
        buckets = setup_buckets(part.squares[opening], part.ply[opening])
        legal = part.mask[opening]
        everybody_setup = setups.choice_counts(buckets)
        own_setup = setups.choice_counts(buckets, part.label[opening])

        def record(name: str, predicted: np.ndarray, part=part) -> None:
            hits.setdefault(name, []).append(predicted.argmax(axis=1) == part.move)

        for kind, network in probabilities.items():
            owners = None if kind == "base" else part.label
            shipped = with_books(network, part.squares, part.ply, part.mask, tables, owners)
            record(f"{kind} shipped", shipped)
            everybody = with_books(
                network, part.squares, part.ply, part.mask, tables, own_prior=None
            )
            for a in PRIORS:  # everybody's setup counts, everybody's exact book on top
                layered = network.copy()
                layered[opening] = _smooth(everybody_setup, network[opening], legal, a)
                layered = with_books(
                    layered, part.squares, part.ply, part.mask, tables, own_prior=None
                )
                if kind == "base":
                    record(f"base + everybody's setups {a}", layered)
                    continue
                for b in PRIORS:  # then the player's own setups, then their exact book on top
                    own = layered.copy()
                    own[opening] = _smooth(own_setup, layered[opening], legal, b)
                    own = with_books(
                        own, part.squares, part.ply, part.mask, tables, owners, everybody_prior=None
                    )
                    record(f"style + everybody's setups {a} + own setups {b}", own)
            if kind == "style":
                for b in PRIORS:  # the player's own setups only
                    own = everybody.copy()
                    own[opening] = _smooth(own_setup, everybody[opening], legal, b)
                    own = with_books(
                        own, part.squares, part.ply, part.mask, tables, owners, everybody_prior=None
                    )
                    record(f"style + own setups {b}", own)
    first = np.concatenate(early)
    report = {"positions": len(found), "first_12_moves": round(float(first.mean()), 4)}
    for name, parts in hits.items():
        joined = np.concatenate(parts)
        report[name] = {
            "top1": round(float(joined.mean()), 4),
            "first_12_moves": round(float(joined[first].mean()), 4),
        }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
