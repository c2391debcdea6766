"""Split PGN byte streams into raw game texts, without ever holding a whole file in memory.

Sources are plain `.pgn`, `.pgn.gz`, `.pgn.zst` (the Lichess monthly-dump container) or `-` for
stdin. Hostile input is expected: NUL bytes, non-UTF-8 text, gigantic lines and truncated files
must never stop the stream, and each game keeps its index and byte offset so that a rejected game
can be pointed at later.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import zstandard

MAX_LINE_BYTES = 1 << 16
MAX_GAME_BYTES = 1 << 20
STDIN_NAME = "<stdin>"


@dataclass(frozen=True, slots=True)
class RawGame:
    """One game's text as found in a source, before any chess is checked."""

    source: str
    index: int  # 0-based position of the game in its source
    offset: int  # byte offset of the game's first line in the decompressed stream
    text: str
    too_large: bool = False  # the game (or one of its lines) exceeded the size limits
    repaired: bool = False  # NUL bytes were removed or the text was not UTF-8


def source_name(path: str) -> str:
    """The name a source is recorded under: absolute path, or `<stdin>` for `-`."""
    return STDIN_NAME if path == "-" else str(Path(path).resolve())


@contextmanager
def open_pgn(path: str) -> Iterator[tuple[BinaryIO, Callable[[], int], int | None]]:
    """Open a PGN source as a decompressed byte stream.

    Yields the stream, a function giving how many *raw* bytes were consumed so far (for progress
    bars on compressed files) and the raw size in bytes when known.
    """
    if path == "-":
        # A fresh reader over the descriptor returns lines as they arrive on a pipe; the
        # interpreter's own stdin buffer would wait to fill itself first.
        raw: BinaryIO = open(sys.stdin.fileno(), "rb", closefd=False)  # noqa: SIM115
        total = None
    else:
        raw = open(path, "rb")  # noqa: SIM115 - closed below
        total = os.fstat(raw.fileno()).st_size
    try:
        head = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
        if path.endswith(".zst") or head == b"\x28\xb5\x2f\xfd":
            stream = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        elif path.endswith(".gz") or head[:2] == b"\x1f\x8b":
            stream = gzip.GzipFile(fileobj=raw)
        else:
            stream = None
        buffered = raw if stream is None else io.BufferedReader(_TolerantReader(stream))

        def consumed() -> int:
            try:
                return raw.tell()
            except OSError:
                return 0

        yield buffered, consumed, total
    finally:
        raw.close()


class _TolerantReader(io.RawIOBase):
    """A decompressed stream that ends quietly where a truncated file ends.

    gzip and zstd raise at a cut-off end; reading in small pieces and treating that error as
    the end of the stream keeps everything decompressed before it.
    """

    PIECE = 1 << 16

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.truncated = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if self.truncated:
            return 0
        try:
            data = self.stream.read(min(len(buffer), self.PIECE))
        except (EOFError, OSError, zstandard.ZstdError):
            self.truncated = True
            return 0
        buffer[: len(data)] = data
        return len(data)


def _decode(data: bytes) -> tuple[str, bool]:
    """Decode a game's bytes; old PGN files are often Latin-1, and some carry NUL padding."""
    repaired = False
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
        repaired = True
    try:
        return data.decode("utf-8"), repaired
    except UnicodeDecodeError:
        return data.decode("latin-1"), True


def _is_tag_line(line: bytes) -> bool:
    return line.lstrip(b"\xef\xbb\xbf\x00 \t")[:1] == b"["


def _is_event_tag(line: bytes) -> bool:
    return line.lstrip(b"\xef\xbb\xbf\x00 \t").startswith(b"[Event ")


def split_games(stream: BinaryIO, source: str) -> Iterator[RawGame]:
    """Yield the games of a decompressed PGN stream one by one.

    A tag line (`[...`) that follows movetext starts a new game, which is how PGN readers such as
    python-chess delimit games, so missing blank lines or a missing `[Event` tag do not merge games.
    An `[Event` tag also starts one after a header cut short, so a truncated game does not swallow
    the good game that follows it.
    Lines longer than MAX_LINE_BYTES and games longer than MAX_GAME_BYTES are not kept in memory:
    the game is yielded with `too_large` set and empty text.
    """
    lines: list[bytes] = []
    size = 0
    too_large = False
    seen_movetext = False
    index = 0
    start = 0
    position = 0

    def finish() -> RawGame | None:
        if too_large:
            return RawGame(source, index, start, "", too_large=True)
        data = b"".join(lines)
        if not data.strip(b"\x00 \t\r\n"):
            return None
        text, repaired = _decode(data)
        return RawGame(source, index, start, text.lstrip("\ufeff"), repaired=repaired)

    continues_line = False  # the previous chunk ended without a newline (a gigantic line)
    while True:
        try:
            line = stream.readline(MAX_LINE_BYTES)
        except (EOFError, OSError, zstandard.ZstdError):
            # A truncated compressed file: keep everything read so far.
            line = b""
        if not line:
            break
        line_start = not continues_line
        continues_line = not line.endswith(b"\n")
        starts_game = _is_tag_line(line) and (seen_movetext or (lines and _is_event_tag(line)))
        if line_start and starts_game:
            game = finish()
            if game is not None:
                yield game
                index += 1
            lines, size, too_large, seen_movetext, start = [], 0, False, False, position
        elif not lines and not too_large:
            start = position
        position += len(line)
        if line_start and not _is_tag_line(line) and line.strip(b"\x00 \t\r\n"):
            seen_movetext = True
        if too_large:
            continue
        size += len(line)
        if size > MAX_GAME_BYTES or len(line) >= MAX_LINE_BYTES:
            too_large, lines = True, []
            continue
        lines.append(line)
    game = finish()
    if game is not None:
        yield game
