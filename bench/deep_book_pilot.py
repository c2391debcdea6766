"""Pilot: opening books past move 20 (exact positions), for move matching.

    PYTHONPATH=. .venv/bin/python bench/deep_book_pilot.py [--positions 60000]

Question: the books (`book.py`) stop at move 20; prepared lines and their middlegames go further
(`deep-lines.md`: a player's positions from moves 13-20 repeat, and some later ones). Do exact
positions of moves 21-60 reached before, by everybody and by the player, predict held-out moves?
The base gets everybody's deep book too, so the style's gain stays the player's own part.

Top-1 on the validation split's positions of the trained players, books as shipped for the first
20 moves, then from ply 40 up to a limit: everybody's deep counts (prior a, the network's weight)
for the base and the style, the player's own on top (prior b) for the style.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from bench.own_side_book_pilot import SideTable, smooth
from bench.pilot_queries import network_batches, trained_positions, trained_task_ids
from stylespace.book import with_books
from stylespace.encoding import GameEncoder
from stylespace.openings import _mix
from stylespace.optout import normalise_name
from stylespace.store import GameStore, default_db_path
from stylespace.style_model import StyleModel

FIRST_PLY = 40
ENDS = (60, 80, 120)
EVERYBODY_PRIORS = (2.0, 8.0)
OWN_PRIORS = (0.5, 2.0, 8.0)


def exact_keys(squares: np.ndarray, plies: np.ndarray, players: np.ndarray) -> np.ndarray:
    words = np.ascontiguousarray(squares, dtype=np.uint8).view(np.uint64)
    return _mix(players.astype(np.int64), np.asarray(plies) % 2, *words.T)


def train_keys(games, trained: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Own keys, everybody's keys (player 0 ... all the same) and moves of the trained players'
    moves from FIRST_PLY up to the last limit."""
    encoder = GameEncoder()
    own, everybody, moves = [], [], []
    for game in games:
        labels = (trained.get(normalise_name(game.white)), trained.get(normalise_name(game.black)))
        if labels == (None, None) or len(game.moves) <= FIRST_PLY:
            continue
        encoded = encoder.encode(game.moves[: ENDS[-1]])
        for side, label in enumerate(labels):
            if label is None:
                continue
            plies = np.arange(FIRST_PLY + side, len(encoded.moves), 2)
            if not len(plies):
                continue
            squares = encoded.squares[plies]
            own.append(exact_keys(squares, plies, np.full(len(plies), label + 1)))
            everybody.append(exact_keys(squares, plies, np.zeros(len(plies))))
            moves.append(encoded.moves[plies])
    return np.concatenate(own), np.concatenate(everybody), np.concatenate(moves)


@torch.no_grad()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/demo")
    parser.add_argument("--positions", type=int, default=60_000)
    args = parser.parse_args()
    started = time.time()
    model = StyleModel.load(args.model)
    trained = trained_task_ids(model)
    with GameStore(default_db_path(), read_only=True) as store:
        train_games = store.played_games(["train"])
        val_games = store.played_games(["val"])
    found = trained_positions(model, val_games, args.positions)
    own_keys, all_keys, moves = train_keys(train_games, trained)
    tables = {
        ("own", 1): SideTable(own_keys, moves),
        ("own", 2): SideTable(own_keys, moves, min_count=2),
        ("all", 1): SideTable(all_keys, moves),
    }
    print(
        f"{len(found)} val positions; {len(moves)} train moves from ply {FIRST_PLY}: "
        + ", ".join(f"{k} min {m} {len(t)} pairs" for (k, m), t in tables.items())
        + f"; {time.time() - started:.0f} s",
        flush=True,
    )
    books = model.book_tables()
    hits: dict[str, list[np.ndarray]] = {}
    coverage: dict[str, list[np.ndarray]] = {}

    def count(name: str, predictions: np.ndarray, truth: np.ndarray) -> None:
        hits.setdefault(name, []).append(predictions.argmax(axis=1) == truth)

    for part, probabilities in network_batches(model, found):
        players = part.label + 1
        everybody_counts = tables["all", 1].lookup(
            exact_keys(part.squares, part.ply, np.zeros(len(part)))
        )
        own_counts = {
            m: tables["own", m].lookup(exact_keys(part.squares, part.ply, players)) for m in (1, 2)
        }
        for name, counts in [("all", everybody_counts)] + [
            (f"own min {m}", c) for m, c in own_counts.items()
        ]:
            coverage.setdefault(name, []).append((counts * part.mask).sum(axis=1) > 0)
        for kind, network in probabilities.items():
            owners = None if kind == "base" else part.label
            shipped = with_books(network, part.squares, part.ply, part.mask, books, owners)
            count(f"{kind}: shipped books", shipped, part.move)
            for end in ENDS:
                rows = (part.ply >= FIRST_PLY) & (part.ply < end)
                for a in EVERYBODY_PRIORS:
                    deep = shipped.copy()
                    deep[rows] = smooth(everybody_counts[rows], deep[rows], part.mask[rows], a)
                    count(
                        f"{kind}: + everybody's deep book to ply {end}, prior {a}", deep, part.move
                    )
                    if kind == "base":
                        continue
                    for m, counts in own_counts.items():
                        for b in OWN_PRIORS:
                            mine = deep.copy()
                            mine[rows] = smooth(counts[rows], mine[rows], part.mask[rows], b)
                            count(
                                f"style: + everybody's ({a}) and own (min {m}, {b}) deep books "
                                f"to ply {end}",
                                mine,
                                part.move,
                            )
    deep_rows = found.ply >= FIRST_PLY
    report = {
        "positions": len(found),
        f"share from ply {FIRST_PLY}": round(float(deep_rows.mean()), 4),
        "seconds": round(time.time() - started),
    }
    report |= {
        f"covered from ply {FIRST_PLY}: {name}": round(
            float(np.concatenate(v)[deep_rows].mean()), 4
        )
        for name, v in coverage.items()
    }
    report |= {name: round(float(np.concatenate(v).mean()), 4) for name, v in hits.items()}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
