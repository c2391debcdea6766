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
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import zstandard

MAX_LINE_BYTES = 1 << 16
MAX_GAME_BYTES = 1 << 20
STDIN_NAME = "<stdin>"
# What a cut-off or corrupted compressed file raises part way: gzip's EOFError / BadGzipFile
# (an OSError) at a cut, zlib.error at flipped bytes, zstandard's own error for either.
BROKEN_COMPRESSION = (EOFError, OSError, zlib.error, zstandard.ZstdError)


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


@dataclass
class PgnSource:
    """An opened PGN source: its decompressed stream and what is known of its raw bytes."""

    stream: BinaryIO
    consumed: Callable[[], int]  # raw bytes read so far, for progress bars on compressed files
    total: int | None  # raw size in bytes, when known
    _decompressed: _TolerantReader | None = None

    def cut_short(self) -> str | None:
        """Why the compressed data stopped before its end (cut off, damaged, or past the
        reader's limit), or None when it was read whole.

        Read it after the stream: the games before the break are kept, so the person who gave
        the file must be told that the rest of it was never read.
        """
        return self._decompressed.broken if self._decompressed else None


@contextmanager
def open_pgn(path: str, max_bytes: int | None = None) -> Iterator[PgnSource]:
    """Open a PGN source (a path or `-`) as a decompressed byte stream; a compressed one stops
    after `max_bytes` of games when given (an upload that would unpack to gigabytes)."""
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
            stream = _ZstdFrames(raw)
        elif path.endswith(".gz") or head[:2] == b"\x1f\x8b":
            stream = gzip.GzipFile(fileobj=raw)
        else:
            stream = None
        decompressed = None if stream is None else _TolerantReader(stream, max_bytes)

        def consumed() -> int:
            try:
                return raw.tell()
            except OSError:
                return 0

        buffered = raw if decompressed is None else io.BufferedReader(decompressed)
        yield PgnSource(buffered, consumed, total, decompressed)
    finally:
        raw.close()


class _TolerantReader(io.RawIOBase):
    """A decompressed stream that ends quietly where a truncated or corrupted file breaks.

    gzip and zstd raise at a cut-off end or a damaged block; reading in small pieces and treating
    that error as the end of the stream keeps everything decompressed before it, and `broken`
    says what happened so that the caller can tell the person who gave the file.
    """

    PIECE = 1 << 16

    def __init__(self, stream: BinaryIO, max_bytes: int | None = None) -> None:
        self.stream = stream
        self.read_piece = getattr(stream, "read1", stream.read)
        self.read_bytes = 0
        self.max_bytes = max_bytes
        self.broken: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if self.broken:
            return 0
        try:
            # read1: one piece at a time, so an error further on never takes back what was read
            data = self.read_piece(min(len(buffer), self.PIECE))
        except BROKEN_COMPRESSION as error:
            cut_off = isinstance(error, EOFError) or "unexpected end" in str(error).lower()
            what = "is cut off" if cut_off else "is damaged"
            self.broken = (
                f"the compressed data {what} after {self.read_bytes:,} bytes of games "
                f"({error}): nothing after that was read"
            )
            return 0
        if data and self.max_bytes is not None and self.read_bytes >= self.max_bytes:
            self.broken = (  # said only when there was more to read than the limit
                f"it unpacks to over {_size(self.max_bytes)} of games, the limit: only the games "
                "in the first part were read"
            )
            return 0
        self.read_bytes += len(data)
        buffer[: len(data)] = data
        return len(data)


class _ZstdFrames(io.RawIOBase):
    """Zstandard frames one after another as one stream (the Lichess dumps hold many).

    zstandard's own stream reader ends quietly where a file is cut inside a frame, so a cut-off
    download would look whole; this one raises EOFError there, as gzip does, and raises a damaged
    frame's error only after handing out the frames decoded before it.
    """

    RAW_PIECE = 1 << 16

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.frame = zstandard.ZstdDecompressor().decompressobj()
        self.in_frame = False  # some of the current frame was read, its end not yet
        self.pending = memoryview(b"")
        self.failure: Exception | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        while not self.pending:
            if self.failure is not None:
                raise self.failure
            compressed = self.raw.read(self.RAW_PIECE)
            if not compressed:
                if self.in_frame:
                    raise EOFError("compressed file ended inside a zstd frame")
                return 0
            self.pending = memoryview(self._decompress(compressed))
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def _decompress(self, compressed: bytes) -> bytes:
        decoded = []
        try:
            while compressed:
                if self.frame.eof:
                    self.frame = zstandard.ZstdDecompressor().decompressobj()
                decoded.append(self.frame.decompress(compressed))
                self.in_frame = not self.frame.eof
                compressed = self.frame.unused_data if self.frame.eof else b""
        except zstandard.ZstdError as error:
            self.failure = error
        return b"".join(decoded)


def _size(count: int) -> str:
    return f"{count / 2**20:,.0f} MB" if count >= 2**20 else f"{count / 2**10:,.0f} KB"


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
        except BROKEN_COMPRESSION:
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
