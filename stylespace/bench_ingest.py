"""Ingest benchmark: games/s end to end into a fresh store, where the time goes, store size."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from stylespace.ingest import DEFAULT_BATCH_SIZE, _batches, ingest
from stylespace.pgn_decode import decode_games
from stylespace.pgn_stream import open_pgn, source_name, split_games
from stylespace.store import GameStore


def _stage_seconds(path: str, batch_size: int) -> dict[str, float]:
    """Seconds spent reading+splitting and decoding+checking, measured apart from the store."""
    started = time.perf_counter()
    with open_pgn(path) as source:
        raw = list(split_games(source.stream, source_name(path)))
    split_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for batch in _batches(raw, batch_size):
        decode_games(batch)
    return {"read_split": split_seconds, "decode_check": time.perf_counter() - started}


def bench_ingest(path: str, repeats: int = 3, batch_size: int = DEFAULT_BATCH_SIZE) -> dict:
    """Ingest `path` into `repeats` fresh stores; report medians and the stage breakdown."""
    rates, seconds, sizes, reread = [], [], [], []
    summary = None
    with tempfile.TemporaryDirectory() as scratch:
        for repeat in range(repeats):
            db = Path(scratch) / f"bench{repeat}.duckdb"
            with GameStore(db) as store:
                summary = ingest([path], store, batch_size=batch_size)
                rates.append(summary.games_per_second)
                seconds.append(summary.seconds)
                started = time.perf_counter()
                again = ingest([path], store, batch_size=batch_size)
                reread.append(time.perf_counter() - started)
                assert again.added == 0
            sizes.append(db.stat().st_size)
    stages = _stage_seconds(path, batch_size)
    median_seconds = statistics.median(seconds)
    stages["store"] = max(median_seconds - stages["read_split"] - stages["decode_check"], 0.0)
    report = {
        "file": path,
        "games": summary.read if summary else 0,
        "added": summary.added if summary else 0,
        "repeats": repeats,
        "median_seconds": round(median_seconds, 2),
        "median_games_per_second": round(statistics.median(rates), 1),
        "median_reingest_seconds": round(statistics.median(reread), 2),
        "store_megabytes": round(statistics.median(sizes) / 1e6, 1),
        "stage_seconds": {k: round(v, 2) for k, v in stages.items()},
    }
    report["summary"] = (
        f"{report['games']:,} games: median {report['median_games_per_second']:,.0f} games/s "
        f"({report['median_seconds']} s, {repeats} runs), "
        f"re-ingest {report['median_reingest_seconds']} s, "
        f"store {report['store_megabytes']} MB; stages {report['stage_seconds']}"
    )
    return report
