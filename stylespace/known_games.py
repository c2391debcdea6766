"""Which games a model was built from, kept as 32-bit fingerprints of their moves.

Why: the opening tables take in every game of the trained players, so a famous game uploaded to
`identify` (or measured by `eval --games`) is often one the model has already counted, and then
its author is found more easily than the author of a new game would be: the result says little
about new games. The model keeps no game records, only a hash of each game's moves (from
`MIN_PLIES` on: shorter games coincide too often by theory or by a quick repetition); a query's
games are checked against them and the results say how many are known.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from stylespace.openings import _packed, _unpacked
from stylespace.positions import PlayedGame

KNOWN_GAMES_FILE = "known_games.safetensors"
MIN_PLIES = 30


def moves_hash(moves: Sequence[str]) -> int:
    """A 32-bit fingerprint of a game's UCI moves (names, dates and results aside)."""
    return int.from_bytes(hashlib.blake2b(" ".join(moves).encode(), digest_size=4).digest())


class KnownGames:
    """The sorted move fingerprints of the games behind a model."""

    def __init__(self, hashes: np.ndarray) -> None:
        self.hashes = np.unique(np.asarray(hashes, dtype=np.uint32))

    @classmethod
    def of_move_lists(cls, move_lists: Iterable[Sequence[str]]) -> KnownGames:
        found = (moves_hash(moves) for moves in move_lists if len(moves) >= MIN_PLIES)
        return cls(np.fromiter(found, dtype=np.uint32))

    def count_known(self, games: Sequence[PlayedGame]) -> int:
        """How many of the games (of `MIN_PLIES` or more) the model was built from."""
        found = np.array(
            [moves_hash(g.moves) for g in games if len(g.moves) >= MIN_PLIES], dtype=np.uint32
        )
        if not len(found) or not len(self.hashes):
            return 0
        places = np.searchsorted(self.hashes, found).clip(max=len(self.hashes) - 1)
        return int((self.hashes[places] == found).sum())

    def save(self, directory: Path | str) -> Path:
        """Stored as zstd-packed gaps between the sorted fingerprints (1 MB for 294,000)."""
        gaps = np.diff(self.hashes, prepend=np.uint32(0)).astype(np.uint32)
        path = Path(directory) / KNOWN_GAMES_FILE
        save_file({"gaps.zst": _packed(gaps)}, str(path))
        return path

    @classmethod
    def load(cls, directory: Path | str) -> KnownGames | None:
        """The model's known games, or None for a model built before they were kept."""
        path = Path(directory) / KNOWN_GAMES_FILE
        if not path.exists():
            return None
        gaps = _unpacked(load_file(str(path)), "gaps", np.uint32)
        return cls(np.cumsum(gaps, dtype=np.uint64).astype(np.uint32))


def known_games_fields(
    known: KnownGames | None,
    games: Sequence[PlayedGame],
    overstated: str = "the ranking and its confidence",
) -> dict:
    """`known_games` (null for a model from before they were kept) and `known_games_note`, as
    `identify`, `eval --games` and the Identify page report them."""
    count = known.count_known(games) if known is not None else None
    return {
        "known_games": count,
        "known_games_note": known_games_note(count or 0, len(games), overstated),
    }


def known_games_note(
    known: int, games: int, overstated: str = "the ranking and its confidence"
) -> str | None:
    """What it means that some of a query's games are behind the model, or None if none are."""
    if not known:
        return None
    share = "all" if known == games else f"{known} of the {games}"
    return (
        f"{share} games are among those this model was built from (move for move): where their "
        "players are its players, its tables already count these very games, and "
        f"{overstated} overstate what it does with games it has not seen"
    )
