"""Pilot helper: compact features of every position where a trained player moved.

Per position: both sides' pawn bitboards (mover's frame), the mover's and the opponent's piece
counts, both king squares, the move, the ply and the game. Train games of every trained player
(profiles) and 100 validation games of 60 of them (queries), saved to data/pilot/ so token
designs can be compared in seconds. Usage: python bench/structure_cache.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from pilot_queries import pilot_paths, validation_queries

from stylespace.encoding import GameEncoder
from stylespace.optout import normalise_name

OUT = Path("data/pilot")
POWERS = (np.uint64(1) << np.arange(64, dtype=np.uint64)).astype(np.uint64)


def features(job) -> dict[str, np.ndarray]:
    author, games = job
    wanted = normalise_name(author)
    encoder = GameEncoder()
    squares, moves, plies, game_ids = [], [], [], []
    for index, game in enumerate(games):
        sides = (normalise_name(game.white) == wanted, normalise_name(game.black) == wanted)
        encoded = encoder.encode(game.moves)
        mine = np.array([sides[p % 2] for p in range(len(game.moves))], dtype=bool)
        squares.append(encoded.squares[mine])
        moves.append(encoded.moves[mine])
        plies.append(np.flatnonzero(mine))
        game_ids.append(np.full(int(mine.sum()), index))
    sq = np.concatenate(squares) if squares else np.zeros((0, 64), np.uint8)
    sq = np.where(sq == 13, 4, np.where(sq == 14, 10, sq))  # castling rooks are rooks
    sq = np.where(sq == 15, 0, sq)
    counts = np.stack([(sq == t).sum(1) for t in range(1, 13)], 1).astype(np.uint8)
    return {
        "own_pawns": ((sq == 1).astype(np.uint64) * POWERS).sum(1, dtype=np.uint64),
        "their_pawns": ((sq == 7).astype(np.uint64) * POWERS).sum(1, dtype=np.uint64),
        "counts": counts,
        "own_king": np.argmax(sq == 6, 1).astype(np.uint8),
        "their_king": np.argmax(sq == 12, 1).astype(np.uint8),
        "move": np.concatenate(moves).astype(np.uint16) if moves else np.zeros(0, np.uint16),
        "ply": np.concatenate(plies).astype(np.uint16) if plies else np.zeros(0, np.uint16),
        "game": np.concatenate(game_ids).astype(np.int32) if game_ids else np.zeros(0, np.int32),
    }


def main(model_dir: Path, db: Path) -> None:
    started = time.perf_counter()
    names, train, queries = validation_queries(model_dir, db, 60)
    OUT.mkdir(parents=True, exist_ok=True)
    with Pool(2) as pool:
        for label, jobs in (("queries", list(queries.items())), ("profiles", list(train.items()))):
            rows = pool.map(features, jobs, chunksize=4)
            merged = {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
            merged["player"] = np.concatenate(
                [
                    np.full(len(r["move"]), names.index(a))
                    for (a, _), r in zip(jobs, rows, strict=True)
                ]
            ).astype(np.int32)
            np.savez(OUT / f"{label}.npz", **merged)
            seconds = time.perf_counter() - started
            print(f"{label}: {len(merged['move']):,} positions, {seconds:.0f} s", flush=True)
    (OUT / "names.txt").write_text("\n".join(names))


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(*pilot_paths(arguments))
