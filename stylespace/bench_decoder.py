"""Check the fast SAN decoder against python-chess on every game of a file, and time both.

Correctness comes first: the Rust binding is only used because it agrees with python-chess on the
moves of every game (and on which games are illegal) while being much faster.
"""

from __future__ import annotations

import io
import os
import time
from concurrent.futures import ProcessPoolExecutor
from itertools import islice

import chess.pgn
import rust_pgn_reader_python_binding as rust_pgn

from stylespace.pgn_stream import open_pgn, source_name, split_games

CHUNK = 2_000


def _python_chess_moves(texts: list[str]) -> list[tuple[bool, list[str]]]:
    """(legal, UCI moves) per game, the way python-chess reads it."""
    outcomes = []
    for text in texts:
        game = chess.pgn.read_game(io.StringIO(text))
        if game is None:
            outcomes.append((False, []))
            continue
        moves = [move.uci() for move in game.mainline_moves()]
        outcomes.append((not game.errors, moves))
    return outcomes


def _rust_moves(texts: list[str]) -> list[tuple[bool, list[str]]]:
    parsed = rust_pgn.parse_games_from_strings(texts)
    return [(bool(game.is_valid), list(game.moves_uci())) for game in parsed]


def compare_decoders(path: str, limit: int | None = None, workers: int | None = None) -> dict:
    """Decode the same games with both decoders on all cores; report speed and disagreements."""
    workers = workers or os.cpu_count() or 1
    with open_pgn(path) as source:
        games = islice(split_games(source.stream, source_name(path)), limit)
        texts = [game.text for game in games]
    texts = [text for text in texts if text.strip()]

    started = time.perf_counter()
    rust = _rust_moves(texts)
    rust_seconds = time.perf_counter() - started

    started = time.perf_counter()
    chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        reference = [outcome for part in pool.map(_python_chess_moves, chunks) for outcome in part]
    python_seconds = time.perf_counter() - started

    disagreements = [i for i, (a, b) in enumerate(zip(rust, reference, strict=True)) if a != b]
    games = len(texts)
    report = {
        "games": games,
        "workers": workers,
        "illegal_games": sum(not legal for legal, _ in reference),
        "disagreements": len(disagreements),
        "first_disagreements": disagreements[:10],
        "rust_games_per_second": round(games / rust_seconds, 1),
        "python_chess_games_per_second": round(games / python_seconds, 1),
        "speedup": round(python_seconds / rust_seconds, 1),
    }
    report["summary"] = (
        f"{games:,} games on {workers} cores: Rust binding {report['rust_games_per_second']:,.0f} "
        f"games/s, python-chess {report['python_chess_games_per_second']:,.0f} games/s "
        f"({report['speedup']}x); {len(disagreements)} disagreements"
    )
    return report
