"""Turn raw game texts into checked games (UCI moves, clean tags) or reasoned rejections.

SAN decoding is the expensive step of ingestion. We use the Rust `pgn-reader`/`shakmaty` binding,
which checks every move for legality like python-chess does, parses a batch on all cores and agrees
with python-chess on every game of the master file (`stylespace bench decoder` re-checks that).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import rust_pgn_reader_python_binding as rust_pgn

from stylespace.pgn_stream import RawGame

RESULTS = frozenset({"1-0", "0-1", "1/2-1/2", "*"})
_TAG_LINE = re.compile(r'^\s*\[\s*([A-Za-z0-9_+#=:-]+)\s+"(.*)"\s*\]\s*$')


@dataclass(frozen=True, slots=True)
class Game:
    """A legal game with the facts the store keeps."""

    hash: str
    white: str
    black: str
    white_elo: int | None
    black_elo: int | None
    result: str
    date: str | None
    year: int | None
    event: str | None
    site: str | None
    round: str | None
    eco: str | None
    time_control: str | None
    start_fen: str | None
    moves: str  # UCI, space-separated
    ply_count: int
    repaired: bool


@dataclass(frozen=True, slots=True)
class Rejection:
    """A game that was not stored, and why."""

    source: str
    index: int
    offset: int
    reason: str
    detail: str


def _elo(value: str | None) -> int | None:
    if not value:
        return None
    try:
        elo = int(value.strip())
    except ValueError:
        return None
    return elo if 0 < elo < 4000 else None


def _year(date: str | None) -> int | None:
    if date and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4])
    return None


def _tag(headers: dict[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    value = value.strip()
    return value if value and value != "?" else None


def game_hash(white: str, black: str, date: str | None, result: str, moves: str) -> str:
    """The content key of a game: the same players, date, result and moves are the same game."""
    key = "\x1f".join((white, black, date or "", result, moves))
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


# Variant tags of ordinary chess (Lichess writes "From Position" for a game set up from a FEN,
# which the FEN tag then says); any other variant (Chess960, Crazyhouse, ...) is not chess the
# model knows.
STANDARD_VARIANTS = frozenset({"standard", "chess", "from position"})


def _malformed_tag(text: str) -> str | None:
    """The first header line that looks like a tag but does not parse, if any."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("["):
            return None
        if not _TAG_LINE.match(stripped):
            return stripped[:80]
    return None


def _check(raw: RawGame, parsed: object) -> Game | Rejection:
    def reject(reason: str, detail: str = "") -> Rejection:
        return Rejection(raw.source, raw.index, raw.offset, reason, detail[:500])

    broken = _malformed_tag(raw.text)
    if broken is not None:
        return reject("malformed_tag", broken)
    headers: dict[str, str] = parsed.headers  # type: ignore[attr-defined]
    white, black = _tag(headers, "White"), _tag(headers, "Black")
    if white is None or black is None:
        return reject("missing_player", f"White={white!r} Black={black!r}")
    variant = _tag(headers, "Variant")
    if variant is not None and variant.lower() not in STANDARD_VARIANTS:
        return reject("variant", variant)
    if not parsed.is_valid:  # type: ignore[attr-defined]
        error = parsed.parse_error or "invalid movetext"  # type: ignore[attr-defined]
        reason = "illegal_move" if "illegal" in error else "bad_movetext"
        return reject(reason, error)
    moves = parsed.moves_uci()  # type: ignore[attr-defined]
    if not moves:
        return reject("no_moves")
    if parsed.outcome is None:  # type: ignore[attr-defined]
        return reject("truncated", "movetext ends without a result (1-0, 0-1, 1/2-1/2 or *)")
    result = _tag(headers, "Result") or "*"
    if result not in RESULTS:
        result = "*"
    date = _tag(headers, "Date")
    uci = " ".join(moves)
    return Game(
        hash=game_hash(white, black, date, result, uci),
        white=white,
        black=black,
        white_elo=_elo(headers.get("WhiteElo")),
        black_elo=_elo(headers.get("BlackElo")),
        result=result,
        date=date,
        year=_year(date),
        event=_tag(headers, "Event"),
        site=_tag(headers, "Site"),
        round=_tag(headers, "Round"),
        eco=_tag(headers, "ECO"),
        time_control=_tag(headers, "TimeControl"),
        start_fen=_tag(headers, "FEN"),
        moves=uci,
        ply_count=len(moves),
        repaired=raw.repaired,
    )


def decode_games(batch: list[RawGame]) -> list[Game | Rejection]:
    """Check a batch of raw games on all cores; one outcome per input game, in order."""
    outcomes: list[Game | Rejection | None] = [None] * len(batch)
    parseable: list[int] = []
    for position, raw in enumerate(batch):
        if raw.too_large:
            outcomes[position] = Rejection(
                raw.source, raw.index, raw.offset, "too_large", "game or line over the size limit"
            )
        else:
            parseable.append(position)
    parsed = rust_pgn.parse_games_from_strings([batch[p].text for p in parseable])
    if len(parsed) != len(parseable):
        # The binding drops texts it finds no game in; parse one by one to keep the alignment.
        singles = [rust_pgn.parse_games_from_strings([batch[p].text]) for p in parseable]
        parsed = [single[0] if len(single) else None for single in singles]
    for position, game in zip(parseable, parsed, strict=True):
        raw = batch[position]
        if game is None:
            outcomes[position] = Rejection(raw.source, raw.index, raw.offset, "no_moves", "")
        else:
            outcomes[position] = _check(raw, game)
    return outcomes  # type: ignore[return-value]
