"""Opening books' priors, chosen on the validation split (`book.py`).

    PYTHONPATH=. .venv/bin/python bench/book_priors.py [--model models/demo] [--split val]

Top-1 move matching of the trained players' positions (as `stylespace eval` counts them, the
first `--positions`), for the network alone and with the books at a grid of priors: everybody's
book only, the player's own only, and both; also how much of the gain the base model gets from
everybody's book, so that the style's own gain is read against a base that has it too.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from bench.pilot_queries import network_batches, trained_positions
from stylespace.book import with_books
from stylespace.store import GameStore, default_db_path
from stylespace.style_model import StyleModel

PRIORS = (0.5, 1.0, 2.0, 4.0, 16.0)
OWN_ONLY = (0.5, 1.0, 4.0)


@torch.no_grad()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/demo")
    parser.add_argument("--split", default="val")
    parser.add_argument("--positions", type=int, default=200_000)
    args = parser.parse_args()
    model = StyleModel.load(args.model)
    with GameStore(default_db_path(), read_only=True) as store:
        games = store.played_games([args.split])
    found = trained_positions(model, games, args.positions)
    tables = model.book_tables()
    variants = {"network": {}, **{f"everybody {a}": {"own_prior": None} for a in PRIORS}}
    variants |= {f"own {b}": {"everybody_prior": None, "own_prior": b} for b in OWN_ONLY}
    variants |= {
        f"everybody {a}, own {b}": {"everybody_prior": a, "own_prior": b}
        for a in PRIORS[:3]
        for b in PRIORS[:4]
    }
    hits = {(kind, name): [] for kind in ("base", "style") for name in variants}
    for part, probabilities in network_batches(model, found):
        for kind, network in probabilities.items():
            owners = None if kind == "base" else part.label
            for name, priors in variants.items():
                if kind == "base" and "own" in name:
                    continue
                booked = network
                if priors:
                    booked = with_books(
                        network, part.squares, part.ply, part.mask, tables, owners, **priors
                    )
                hits[kind, name].append(booked.argmax(axis=1) == part.move)
    early = found.ply < 40
    report = {"split": args.split, "positions": len(found), "first_20_moves": float(early.mean())}
    for (kind, name), parts in hits.items():
        if parts:
            found_hits = np.concatenate(parts)
            report[f"{kind}: {name}"] = {
                "top1": round(float(found_hits.mean()), 4),
                "top1_first_20_moves": round(float(found_hits[early].mean()), 4),
            }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
