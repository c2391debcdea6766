"""Training shards: every position of the chosen games, encoded once into memory-mapped arrays.

A shard directory holds one `.npy` file per field (opened with `mmap_mode="r"`, so training reads
positions from the page cache instead of holding 23M positions in Python objects) and a
`manifest.json` written last: a directory without it is an interrupted build and is rebuilt.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from stylespace.encoding import N_MOVES, GameEncoder, elo_bucket
from stylespace.positions import Positions
from stylespace.progress import progress_bar

T = TypeVar("T")

FIELDS = {
    "squares": (np.uint8, (64,)),
    "last_move": (np.uint8, (2,)),
    "elo": (np.uint8, ()),
    "move": (np.uint16, ()),
    "player": (np.int32, ()),  # task id of the mover, -1 when the mover is not a modelled player
    "game": (np.int32, ()),  # row of the game in the shard's game list
    "ply": (np.int16, ()),
}


@dataclass(frozen=True, slots=True)
class GameRecord:
    """What encoding needs from a stored game."""

    moves: str
    white_task: int
    black_task: int
    white_elo: int | None
    black_elo: int | None


@dataclass
class Shard:
    """Memory-mapped positions of one split."""

    path: Path
    arrays: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.arrays["move"])

    def batch(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        rows = np.sort(rows)  # sorted reads are kinder to the page cache
        return {name: np.asarray(array[rows]) for name, array in self.arrays.items()}

    def positions(self, rows: np.ndarray) -> Positions:
        """Rows as `Positions`, for the stylometry code; shards keep no legal-move masks, so
        every move counts as legal (use unmasked likelihoods on them)."""
        batch = self.batch(rows)
        return Positions(
            squares=batch["squares"],
            last_move=batch["last_move"],
            elo=batch["elo"].astype(np.int64),
            move=batch["move"].astype(np.int64),
            mask=np.ones((len(rows), N_MOVES), dtype=bool),
            label=batch["player"].astype(np.int64),
            game=np.zeros(len(rows), dtype=np.int64),
            ply=batch["ply"].astype(np.int64),
        )


def _encode_chunk(records: Sequence[tuple[int, GameRecord]]) -> dict[str, np.ndarray]:
    encoder = GameEncoder()
    parts: dict[str, list[np.ndarray]] = {name: [] for name in FIELDS}
    for game_row, record in records:
        encoded = encoder.encode(record.moves.split())
        plies = len(encoded.moves)
        white = encoded.white_to_move
        parts["squares"].append(encoded.squares)
        parts["last_move"].append(encoded.last_move)
        parts["move"].append(encoded.moves)
        parts["elo"].append(
            np.where(white, elo_bucket(record.white_elo), elo_bucket(record.black_elo)).astype(
                np.uint8
            )
        )
        parts["player"].append(
            np.where(white, record.white_task, record.black_task).astype(np.int32)
        )
        parts["game"].append(np.full(plies, game_row, dtype=np.int32))
        parts["ply"].append(np.arange(plies, dtype=np.int16))
    return {
        name: np.concatenate(parts[name])
        if parts[name]
        else np.empty((0, *FIELDS[name][1]), FIELDS[name][0])
        for name in FIELDS
    }


def build_shard(
    records: Sequence[GameRecord], path: Path, workers: int | None = None, desc: str = "encode"
) -> Shard:
    """Encode `records` into `path` unless a complete shard is already there."""
    if (path / "manifest.json").exists():
        return open_shard(path)
    total = sum(record.moves.count(" ") + 1 for record in records)
    chunk = 2_000
    indexed = list(enumerate(records))
    chunks = [indexed[i : i + chunk] for i in range(0, len(indexed), chunk)]
    return write_shard(path, total, len(records), _encode_chunk, chunks, workers, desc)


def write_shard(
    path: Path,
    total: int,
    games: int,
    encode: Callable[[T], dict[str, np.ndarray]],
    chunks: Sequence[T],
    workers: int | None = None,
    desc: str = "encode",
) -> Shard:
    """Fill a shard of `total` positions with `encode(chunk)` of every chunk, in order, encoded by
    a process pool. The manifest is written last and the directory renamed into place, so an
    interrupted build leaves no shard that looks complete."""
    if path.exists():
        shutil.rmtree(path)
    scratch = path.with_name(path.name + ".partial")
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    arrays = {
        name: np.lib.format.open_memmap(
            scratch / f"{name}.npy", mode="w+", dtype=dtype, shape=(total, *shape)
        )
        for name, (dtype, shape) in FIELDS.items()
    }
    workers = workers or os.cpu_count() or 1
    filled = 0
    with (
        ProcessPoolExecutor(max_workers=workers) as pool,
        progress_bar(total=total, desc=desc, unit="pos", unit_scale=True) as bar,
    ):
        for part in pool.map(encode, chunks):
            size = len(part["move"])
            for name in FIELDS:
                arrays[name][filled : filled + size] = part[name]
            filled += size
            bar.update(size)
    for array in arrays.values():
        array.flush()
    del arrays
    (scratch / "manifest.json").write_text(json.dumps({"positions": filled, "games": games}))
    scratch.rename(path)
    return open_shard(path)


def open_shard(path: Path) -> Shard:
    if not (path / "manifest.json").exists():
        raise FileNotFoundError(f"no complete shard at {path}")
    arrays = {name: np.load(path / f"{name}.npy", mmap_mode="r") for name in FIELDS}
    return Shard(path, arrays)
