"""Games read straight from PGN files (eval, enrol, identify, uploads), bad games counted."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from stylespace.pgn_decode import Game, decode_games
from stylespace.pgn_stream import open_pgn, source_name, split_games
from stylespace.positions import PlayedGame


class UnreadableGames(Exception):
    """The file could not be read at all, or held no usable game; the message says which."""


@dataclass
class GameFile:
    games: list[PlayedGame]
    read: int = 0
    rejected: int = 0
    errors_by_reason: dict[str, int] = field(default_factory=dict)
    incomplete: dict[str, str] = field(default_factory=dict)  # file -> why it was read in part
    limit: int | None = None  # the reader stopped at this many games; more were left unread

    def report(self) -> dict:
        return {
            "games_read": self.read,
            "rejected": self.rejected,
            "errors_by_reason": self.errors_by_reason,
            "incomplete": self.incomplete,
            "stopped_at_games": self.limit,
        }

    def rejections(self) -> str:
        """The games left out, for a summary line: '' when none, else e.g.
        ' (2 of 5 games skipped: 1 variant, 1 illegal move)'."""
        if not self.rejected:
            return ""
        reasons = sorted(self.errors_by_reason.items(), key=lambda item: (-item[1], item[0]))
        listed = ", ".join(f"{count} {reason.replace('_', ' ')}" for reason, count in reasons)
        return f" ({self.rejected} of {self.read} games skipped: {listed})"

    def skipped(self) -> str:
        """Everything left out, for a summary line: the rejected games, each file that was
        read only up to where its compressed data broke off, the games past the limit."""
        return (
            self.rejections()
            + "".join(f"; in {name}, {why}" for name, why in self.incomplete.items())
            + (f"; {self.limit_note()}" if self.limit else "")
        )

    def limit_note(self) -> str:
        return (
            f"only the first {self.limit:,} games were read, far more than identification needs; "
            "the rest were left unread"
        )


def read_game_file(
    path: str, max_bytes: int | None = None, max_games: int | None = None
) -> GameFile:
    """Legal standard-start games of a PGN source (.pgn, .gz, .zst, -); the rest are counted.
    When given, a compressed source is read up to `max_bytes` of games, and any source up to
    its first `max_games` games (the rest is never read)."""
    reasons: Counter[str] = Counter()
    games: list[PlayedGame] = []
    try:
        with open_pgn(path, max_bytes) as source:
            found_games = split_games(source.stream, source_name(path))
            raw = list(islice(found_games, max_games))
            more = max_games is not None and next(found_games, None) is not None
            cut_short = source.cut_short()
        outcomes = decode_games(raw)
    except OSError as error:
        raise UnreadableGames(f"cannot read {path}: {error.strerror or error}") from None
    for outcome in outcomes:
        if not isinstance(outcome, Game):
            reasons[outcome.reason] += 1
        elif outcome.start_fen is not None:
            reasons["custom_start_position"] += 1
        else:
            games.append(
                PlayedGame(
                    outcome.moves.split(),
                    outcome.white,
                    outcome.black,
                    outcome.white_elo,
                    outcome.black_elo,
                    outcome.result,
                    outcome.year,
                )
            )
    incomplete = {path: cut_short} if cut_short else {}
    found = GameFile(games, len(outcomes), sum(reasons.values()), dict(reasons), incomplete)
    found.limit = max_games if more else None
    if not games:
        detail = f" ({found.rejected} malformed: {dict(reasons)})" if found.rejected else ""
        detail += f" ({cut_short})" if cut_short else ""
        raise UnreadableGames(f"no readable chess game in {path}{detail}")
    return found


MAX_UPLOAD_BYTES = 64 * 1024 * 1024
# A compressed upload unpacks to at most this much PGN (a zstd file of 64 MB can hold many GB);
# 256 MB is some 250,000 games, far more than any one person's.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# A query of more games only takes longer: 100 games already name a known master every time.
MAX_UPLOAD_GAMES = 2_000


def read_uploaded_games(
    files: Sequence[tuple[str, bytes]],
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_unpacked: int = MAX_UNPACKED_BYTES,
    max_games: int = MAX_UPLOAD_GAMES,
) -> GameFile:
    """Uploaded PGN files (plain, .gz or .zst by their names) read as one set of games.

    Any file that is empty, too large or holds no readable game stops the read with a message
    that names it, so the person uploading knows which file to fix; a compressed one is read up
    to `max_unpacked` bytes of games, and said to be read in part beyond; reading stops after
    `max_games` games in all, and says so.
    """
    if not files:
        raise UnreadableGames("no file uploaded")
    parts = []
    files_left_unread = False
    for name, data in files:
        games_left = max_games - sum(len(found.games) for _, found in parts)
        if games_left <= 0:
            files_left_unread = True
            break
        if not data:
            raise UnreadableGames(f"{name} is empty")
        if len(data) > max_bytes:
            raise UnreadableGames(
                f"{name} is {len(data) / 2**20:.0f} MB; the limit is {max_bytes / 2**20:.0f} MB"
            )
        suffix = "".join(Path(name).suffixes[-2:]) or ".pgn"
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / f"upload{suffix}"
            path.write_bytes(data)
            try:
                found = read_game_file(str(path), max_unpacked, games_left)
            except UnreadableGames as error:
                raise UnreadableGames(str(error).replace(str(path), name)) from None
        parts.append((name, found))
    joined = _joined(parts)
    stopped = files_left_unread or any(found.limit for _, found in parts)
    joined.limit = max_games if stopped else None
    return joined


def read_game_files(paths: Sequence[str]) -> GameFile:
    """Several PGN sources read as one set of games (one author's games spread over files);
    a source that cannot be read or holds no game stops the read with a message naming it."""
    return _joined([("standard input" if p == "-" else p, read_game_file(p)) for p in paths])


def _joined(parts: Sequence[tuple[str, GameFile]]) -> GameFile:
    """Files' games as one set, their counts added, each file read in part under its name."""
    joined = GameFile([])
    reasons: Counter[str] = Counter()
    for name, found in parts:
        joined.games += found.games
        joined.read += found.read
        joined.rejected += found.rejected
        if found.incomplete:  # one file's, under the name the person knows it by
            joined.incomplete[name] = next(iter(found.incomplete.values()))
        reasons.update(found.errors_by_reason)
    joined.errors_by_reason = dict(reasons)
    return joined
