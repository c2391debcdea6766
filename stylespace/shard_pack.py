"""Training shards without their boards: what travels to a GPU machine that has no game store.

Boards (`squares`, `last_move`) are 95% of a shard's bytes and follow from the moves, so a pack
keeps only each position's move index and each game's id, length, players and Elo buckets,
xz-compressed (about 1 byte a position: 21 MB for the masters' 20.5M positions instead of
1.4 GB). Unpacking replays every game with the same encoder and rebuilds the shards exactly,
with the run's `players.json`, so `stylespace train --resume` there needs no database.
"""

from __future__ import annotations

import io
import lzma
from pathlib import Path

import numpy as np

from stylespace.encoding import GameEncoder, index_to_uci
from stylespace.shards import FIELDS, open_shard, write_shard

SPLITS = ("train", "val")
GAME_CHUNK = 2_000


def _games_of(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-game columns of a shard, checked to expand back to its per-position ones."""
    game, player, elo = (np.asarray(arrays[name]) for name in ("game", "player", "elo"))
    starts = np.flatnonzero(np.diff(game, prepend=-1) != 0)
    plies = np.diff(starts, append=len(game))
    second = np.minimum(starts + 1, len(game) - 1)
    has_second = plies > 1
    columns = {
        "id": game[starts],
        "plies": plies.astype(np.int32),
        "white_task": player[starts],
        "black_task": np.where(has_second, player[second], -1),
        "white_elo": elo[starts],
        "black_elo": np.where(has_second, elo[second], 0).astype(np.uint8),
    }
    expanded = _positions_of(columns)
    for name in ("player", "elo", "game", "ply"):
        if not np.array_equal(expanded[name], np.asarray(arrays[name])):
            raise ValueError(f"shard field {name!r} does not follow from its games: cannot pack")
    return columns


def _positions_of(games: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The per-position fields other than boards and moves, from the per-game columns."""
    plies = games["plies"]
    starts = np.cumsum(plies) - plies
    ply = (np.arange(int(plies.sum())) - np.repeat(starts, plies)).astype(np.int16)
    white = ply % 2 == 0
    return {
        "player": np.where(
            white, np.repeat(games["white_task"], plies), np.repeat(games["black_task"], plies)
        ).astype(np.int32),
        "elo": np.where(
            white, np.repeat(games["white_elo"], plies), np.repeat(games["black_elo"], plies)
        ).astype(np.uint8),
        "game": np.repeat(games["id"], plies).astype(np.int32),
        "ply": ply,
    }


def pack_shards(shard_root: Path, out: Path) -> dict:
    """Write `shard_root`'s train and val shards and players.json into one xz file."""
    columns: dict[str, np.ndarray] = {
        "players_json": np.frombuffer((shard_root / "players.json").read_bytes(), np.uint8)
    }
    summary = {}
    for split in SPLITS:
        shard = open_shard(shard_root / split)
        games = _games_of(shard.arrays)
        columns[f"{split}.move"] = np.asarray(shard.arrays["move"])
        columns.update({f"{split}.{name}": values for name, values in games.items()})
        summary[split] = {"positions": len(shard), "games": len(games["id"])}
    buffer = io.BytesIO()
    np.savez(buffer, **columns)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(lzma.compress(buffer.getvalue(), preset=9 | lzma.PRESET_EXTREME))
    return {**summary, "bytes": out.stat().st_size}


def _replay_chunk(chunk: tuple[np.ndarray, dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Boards of a run of games, replayed from their move indices."""
    moves, games = chunk
    encoder = GameEncoder()
    squares, last_moves, offset = [], [], 0
    for plies in games["plies"]:
        indices = moves[offset : offset + plies]
        encoded = encoder.encode([index_to_uci(int(m), p % 2 == 0) for p, m in enumerate(indices)])
        if not np.array_equal(encoded.moves, indices):
            raise ValueError("a packed game does not replay to its own moves")
        squares.append(encoded.squares)
        last_moves.append(encoded.last_move)
        offset += plies
    return {
        "squares": np.concatenate(squares) if squares else np.empty((0, 64), np.uint8),
        "last_move": np.concatenate(last_moves) if last_moves else np.empty((0, 2), np.uint8),
        "move": moves.astype(FIELDS["move"][0]),
        **_positions_of(games),
    }


def unpack_shards(pack: Path, shard_root: Path, workers: int | None = None) -> dict:
    """Rebuild the train and val shards and players.json of a pack under `shard_root`."""
    with np.load(io.BytesIO(lzma.decompress(pack.read_bytes()))) as stored:
        columns = {name: stored[name] for name in stored.files}
    summary = {}
    for split in SPLITS:
        games = {
            name.split(".", 1)[1]: values
            for name, values in columns.items()
            if name.startswith(f"{split}.") and name != f"{split}.move"
        }
        moves = columns[f"{split}.move"]
        ends = np.cumsum(games["plies"])
        chunks = []
        for first in range(0, len(ends), GAME_CHUNK):
            last = min(first + GAME_CHUNK, len(ends))
            begin = int(ends[first - 1]) if first else 0
            part = {name: values[first:last] for name, values in games.items()}
            chunks.append((moves[begin : int(ends[last - 1])], part))
        path = shard_root / split
        if not (path / "manifest.json").exists():
            write_shard(
                path, len(moves), len(ends), _replay_chunk, chunks, workers, f"replay {split}"
            )
        summary[split] = {"positions": len(moves), "games": len(ends)}
    (shard_root / "players.json").write_bytes(columns["players_json"].tobytes())
    return summary
