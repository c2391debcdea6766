"""Ingest PGN sources into the game store: stream, check, deduplicate, commit in batches.

A killed ingest leaves every committed batch intact and the store consistent; rerunning the same
command completes it, reporting the games already stored as duplicates.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from stylespace.optout import is_opted_out
from stylespace.pgn_decode import Game, Rejection, decode_games
from stylespace.pgn_stream import RawGame, open_pgn, source_name, split_games
from stylespace.progress import progress_bar
from stylespace.store import GameStore

DEFAULT_BATCH_SIZE = 20_000


@dataclass
class IngestSummary:
    """What an ingest did. The first seven field names are a contract read by scripts."""

    read: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors_by_reason: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    games_per_second: float = 0.0
    opted_out: int = 0
    purged: int = 0
    repaired: int = 0
    unreadable: dict[str, str] = field(default_factory=dict)
    incomplete: dict[str, str] = field(default_factory=dict)  # read up to where data broke

    def line(self) -> str:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.errors_by_reason.items()))
        text = (
            f"read {self.read:,} games: {self.added:,} added, {self.duplicates:,} duplicates, "
            f"{self.rejected:,} rejected{f' ({reasons})' if reasons else ''}"
        )
        if self.opted_out or self.purged:
            text += f", {self.opted_out:,} skipped and {self.purged:,} removed for opt-out"
        return text + f" in {self.seconds:.1f} s ({self.games_per_second:,.0f} games/s)"


def _batches(games: Iterable[RawGame], size: int) -> Iterable[list[RawGame]]:
    batch: list[RawGame] = []
    for game in games:
        batch.append(game)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _store_batch(
    store: GameStore,
    batch: Sequence[RawGame],
    source: str,
    opted_out: frozenset[str],
    summary: IngestSummary,
    reasons: Counter[str],
) -> None:
    games: list[Game] = []
    rejections: list[Rejection] = []
    for outcome in decode_games(list(batch)):
        if isinstance(outcome, Rejection):
            rejections.append(outcome)
            reasons[outcome.reason] += 1
        elif is_opted_out(outcome.white, opted_out) or is_opted_out(outcome.black, opted_out):
            summary.opted_out += 1
        else:
            games.append(outcome)
            summary.repaired += outcome.repaired
    added = store.add_batch(games, rejections, source)
    summary.read += len(batch)
    summary.added += added
    summary.duplicates += len(games) - added
    summary.rejected += len(rejections)


def ingest(
    paths: Sequence[str],
    store: GameStore,
    opted_out: frozenset[str] = frozenset(),
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> IngestSummary:
    """Ingest every source in turn; an unreadable source is reported and skipped."""
    started = time.perf_counter()
    summary = IngestSummary()
    reasons: Counter[str] = Counter()
    if opted_out:
        stored = [name for name in store.player_names() if is_opted_out(name, opted_out)]
        summary.purged = store.remove_players_games(stored)
    for path in paths:
        source = source_name(path)
        try:
            with open_pgn(path) as pgn:
                bar = progress_bar(total=pgn.total, desc=path, unit="B", unit_scale=True)
                with bar:
                    for batch in _batches(split_games(pgn.stream, source), batch_size):
                        _store_batch(store, batch, source, opted_out, summary, reasons)
                        bar.update(pgn.consumed() - bar.n)
                        bar.set_postfix(games=summary.read, refresh=False)
                if cut_short := pgn.cut_short():
                    summary.incomplete[path] = cut_short
        except OSError as error:
            summary.unreadable[path] = error.strerror or str(error)
    summary.errors_by_reason = dict(reasons)
    summary.seconds = round(time.perf_counter() - started, 3)
    summary.games_per_second = round(summary.read / summary.seconds, 1) if summary.seconds else 0.0
    return summary
