"""Pilot: a player's own moves keyed by their own pieces only, beside the opening books.

    PYTHONPATH=. .venv/bin/python bench/own_side_book_pilot.py [--positions 60000]

Question: the player's own book (`book.py`) predicts a move only in a position the player has
reached before, exactly. Many masters play *systems*: the same moves from the same set-up of
their own pieces, whatever the opponent did. Does a table keyed by the mover's own pieces (the
opponent's pieces blanked out), or by the own pieces and both sides' pawns, predict the held-out
moves the exact book misses, and how much of the style's move-matching gain does it add?

Top-1 on the validation split's positions of the trained players (as `bench/book_priors.py`),
the shipped books on (priors 2, 2), the own-side table smoothed in at a grid of priors, either
after the player's exact book or between everybody's book and it, up to a grid of plies.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from bench.pilot_queries import network_batches, trained_positions, trained_task_ids
from stylespace.book import with_books
from stylespace.encoding import N_MOVES, OWN, OWN_CASTLING_ROOK, THEIRS, GameEncoder
from stylespace.openings import _mix
from stylespace.optout import normalise_name
from stylespace.store import GameStore, default_db_path
from stylespace.style_model import StyleModel

MAX_PLY = 120
OWN_CODES = np.array([*OWN.values(), OWN_CASTLING_ROOK])
PAWN_CODES = np.array([OWN[1], THEIRS[1]])
PRIORS = (0.5, 2.0, 8.0)
PLY_ENDS = (40, 60, 80, MAX_PLY)


def side_keys(squares: np.ndarray, plies: np.ndarray, players: np.ndarray, kind: str) -> np.ndarray:
    """One 64-bit key per position: the player, the side to move and the squares kept."""
    kept = np.isin(squares, OWN_CODES)
    if kind == "own+pawns":
        kept |= np.isin(squares, PAWN_CODES)
    masked = np.where(kept, squares, 0).astype(np.uint8)
    words = np.ascontiguousarray(masked).view(np.uint64)
    return _mix(players.astype(np.int64), np.asarray(plies) % 2, *words.T)


class SideTable:
    """Sorted (key, move) pairs with counts, looked up per position."""

    def __init__(self, keys: np.ndarray, moves: np.ndarray, min_count: int = 1) -> None:
        order = np.lexsort((moves, keys))
        keys, moves = keys[order], moves[order]
        starts = np.flatnonzero(
            np.concatenate([[True], (keys[1:] != keys[:-1]) | (moves[1:] != moves[:-1])])
        )
        counts = np.diff(np.append(starts, len(keys)))
        keep = counts >= min_count
        self.keys, self.moves = keys[starts][keep], moves[starts][keep].astype(np.int64)
        self.counts = counts[keep].astype(np.float32)

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        found = np.zeros((len(keys), N_MOVES), dtype=np.float32)
        low = np.searchsorted(self.keys, keys, "left")
        high = np.searchsorted(self.keys, keys, "right")
        for i in np.flatnonzero(high > low):
            found[i, self.moves[low[i] : high[i]]] = self.counts[low[i] : high[i]]
        return found


def smooth(counts: np.ndarray, prior: np.ndarray, legal: np.ndarray, weight: float) -> np.ndarray:
    counts = counts * legal
    return (counts + weight * prior) / (counts.sum(axis=1, keepdims=True) + weight)


def train_keys(
    games, trained: dict[str, int], kinds: list[str]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    encoder = GameEncoder()
    keys: dict[str, list[np.ndarray]] = {kind: [] for kind in kinds}
    moves = []
    for game in games:
        labels = (trained.get(normalise_name(game.white)), trained.get(normalise_name(game.black)))
        if labels == (None, None):
            continue
        encoded = encoder.encode(game.moves[:MAX_PLY])
        for side, label in enumerate(labels):
            if label is None:
                continue
            plies = np.arange(side, len(encoded.moves), 2)
            if not len(plies):
                continue
            players = np.full(len(plies), label)
            for kind in kinds:
                keys[kind].append(side_keys(encoded.squares[plies], plies, players, kind))
            moves.append(encoded.moves[plies])
    every_move = np.concatenate(moves)
    return {kind: (np.concatenate(found), every_move) for kind, found in keys.items()}


@torch.no_grad()
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/demo")
    parser.add_argument("--positions", type=int, default=60_000)
    parser.add_argument("--kinds", default="own,own+pawns")
    parser.add_argument("--train-games", type=int, default=None, help="for a quick try")
    args = parser.parse_args()
    started = time.time()
    model = StyleModel.load(args.model)
    trained = trained_task_ids(model)
    with GameStore(default_db_path(), read_only=True) as store:
        train_games = store.played_games(["train"])[: args.train_games]
        val_games = store.played_games(["val"])
    found = trained_positions(model, val_games, args.positions)
    print(f"{len(found)} val positions, {time.time() - started:.0f} s", flush=True)
    tables = {}
    for kind, (keys, moves) in train_keys(train_games, trained, args.kinds.split(",")).items():
        tables[kind, 1] = SideTable(keys, moves)
        tables[kind, 2] = SideTable(keys, moves, min_count=2)
        print(
            f"{kind}: {len(keys)} train positions, {len(tables[kind, 1])} pairs, "
            f"{len(tables[kind, 2])} seen twice, {time.time() - started:.0f} s",
            flush=True,
        )
    books = model.book_tables()
    hits: dict[str, list[np.ndarray]] = {}
    coverage: dict[str, list[np.ndarray]] = {}

    def count(name: str, predictions: np.ndarray, part) -> None:
        hits.setdefault(name, []).append(predictions.argmax(axis=1) == part.move)

    done = 0
    for part, probabilities in network_batches(model, found):
        for kind, network in probabilities.items():
            if kind == "base":
                count(
                    "base + everybody",
                    with_books(network, part.squares, part.ply, part.mask, books, own_prior=None),
                    part,
                )
                continue
            everybody = with_books(
                network, part.squares, part.ply, part.mask, books, own_prior=None
            )
            shipped = with_books(network, part.squares, part.ply, part.mask, books, part.label)
            count("style, shipped books", shipped, part)
            for (kind_name, min_count), table in tables.items():
                side_counts = table.lookup(side_keys(part.squares, part.ply, part.label, kind_name))
                visited = (side_counts * part.mask).sum(axis=1) > 0
                coverage.setdefault(f"{kind_name} min {min_count}", []).append(visited)
                for end in PLY_ENDS:
                    rows = part.ply < end
                    for prior in PRIORS:
                        label = f"{kind_name} min {min_count} ply<{end} prior {prior}"
                        after = shipped.copy()
                        after[rows] = smooth(
                            side_counts[rows], shipped[rows], part.mask[rows], prior
                        )
                        count(f"{label}: after own book", after, part)
                        between = everybody.copy()
                        between[rows] = smooth(
                            side_counts[rows], everybody[rows], part.mask[rows], prior
                        )
                        between = with_books(
                            between,
                            part.squares,
                            part.ply,
                            part.mask,
                            books,
                            part.label,
                            everybody_prior=None,
                        )
                        count(f"{label}: before own book", between, part)
        done += len(part)
        if done % 10240 < len(part):
            print(f"{done} positions, {time.time() - started:.0f} s", flush=True)
    report = {"positions": len(found), "seconds": round(time.time() - started)}
    report |= {name: round(float(np.concatenate(v).mean()), 4) for name, v in coverage.items()}
    report |= {name: round(float(np.concatenate(v).mean()), 4) for name, v in hits.items()}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
