"""Opening repertoires: which (position, move) pairs a player chooses in their first 12 moves.

Two uses, one implementation. Alone, it is the trivial stylometry baseline the style model must
beat (masters are identified by their repertoire; it is blind once the openings are hidden).
Stored per player in the model (`Repertoires`, hashed counts: no game record), it is the opening
half of the `fused` identification method (see `stylometry.py`), with a second table of each
player's deep lines (moves 13 to 20, `DEEP_LINE_PLIES`) for queries whose openings are hidden,
and a third of the pawn structures their games reach from move 11 on (`structure_buckets`):
positions after move 15 rarely repeat, but the structures a repertoire leads to do, so they still
name a player whose first 15 moves are hidden (`bench/results/structures.md`).

Scoring is TF-IDF with sublinear term frequency and smoothed IDF over the known players, cosine
between L2-normalised rows: the same as scikit-learn's `TfidfVectorizer(sublinear_tf=True)`,
on tokens hashed to 2^24 buckets so a profile can be saved as numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import chess
import numpy as np
import torch
from scipy import sparse

from stylespace.encoding import OWN, THEIRS, EncodedGame, GameEncoder
from stylespace.optout import normalise_name
from stylespace.positions import PlayedGame

OPENING_PLIES = 24
DEEP_LINE_PLIES = 40  # prepared lines run past move 12; positions after move 20 rarely repeat
STRUCTURE_PLIES = 20  # structures from move 11 on: before it, the repertoire says more
HASH_BUCKETS = 1 << 24
_MAX_GAP = 65535  # the longest jump between stored buckets (uint16)

Tokens = Sequence[str] | np.ndarray  # strings, or buckets already hashed (`structure_buckets`)


class RepertoireTokens(NamedTuple):
    """A player's tokens for the three stored tables."""

    openings: list[str]  # the first 12 moves
    deep_lines: list[str]  # moves 13 to 20
    structures: np.ndarray  # pawn structures from move 11 on, hashed (`structure_buckets`)


def _author_games(
    games: Sequence[PlayedGame], player: str, until_ply: int | None
) -> Iterator[tuple[EncodedGame, range]]:
    """Each game `player` played, encoded up to `until_ply`, with the plies they moved at."""
    wanted = normalise_name(player)
    encoder = GameEncoder()
    for game in games:
        sides = (normalise_name(game.white) == wanted, normalise_name(game.black) == wanted)
        if any(sides):
            moves = game.moves[:until_ply]
            yield encoder.encode(moves), range(0 if sides[0] else 1, len(moves), 2)


def _position_move(encoded: EncodedGame, ply: int) -> str:
    return f"{ply % 2}:{encoded.squares[ply].tobytes().hex()}:{encoded.moves[ply]}"


def opening_tokens(
    games: Sequence[PlayedGame], player: str, from_ply: int = 0, until_ply: int = OPENING_PLIES
) -> list[str]:
    """(position, move) pairs of `player`'s moves from ply `from_ply` up to `until_ply` (by
    default the first 12 moves)."""
    return [
        _position_move(encoded, ply)
        for encoded, plies in _author_games(games, player, until_ply)
        for ply in plies
        if ply >= from_ply
    ]


def repertoire_tokens(
    games: Sequence[PlayedGame], player: str, from_ply: int = 0
) -> RepertoireTokens:
    """`player`'s tokens for the three tables (their moves from `from_ply` on), one encoding
    per game."""
    openings, deep_lines, structures = [], [], []
    for encoded, plies in _author_games(games, player, None):
        for ply in plies:
            if from_ply <= ply < DEEP_LINE_PLIES:
                tokens = openings if ply < OPENING_PLIES else deep_lines
                tokens.append(_position_move(encoded, ply))
        later = [ply for ply in plies if ply >= max(from_ply, STRUCTURE_PLIES)]
        structures.append(structure_buckets(encoded.squares[later]))
    return RepertoireTokens(
        openings, deep_lines, np.concatenate(structures) if structures else np.zeros(0, np.int64)
    )


_SQUARE_BITS = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))
_FILE_A = 0x0101010101010101
_WINGS = tuple(  # files a-c, c-f and f-h: parts of a structure recur more often than the whole
    np.uint64(sum(_FILE_A << file for file in files))
    for files in ((0, 1, 2), (2, 3, 4, 5), (5, 6, 7))
)


def _mix(*parts: np.ndarray) -> np.ndarray:
    """splitmix64 of the parts, chained: a fast, well-spread 64-bit hash of integer columns."""
    key = np.zeros(len(parts[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for part in parts:
            key = (key ^ part.astype(np.uint64)) + np.uint64(0x9E3779B97F4A7C15)
            key = (key ^ (key >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            key = (key ^ (key >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            key ^= key >> np.uint64(31)
    return key


def structure_buckets(squares: np.ndarray) -> np.ndarray:
    """Four hashed tokens per position (squares in the mover's frame, `encoding.py`): both
    sides' pawns, and their parts on the queenside, in the centre and on the kingside."""
    own = (squares == OWN[chess.PAWN]).astype(np.uint64) @ _SQUARE_BITS
    theirs = (squares == THEIRS[chess.PAWN]).astype(np.uint64) @ _SQUARE_BITS
    keys = [_mix(np.zeros_like(own), own, theirs)]
    keys += [_mix(np.full_like(own, i + 1), own & w, theirs & w) for i, w in enumerate(_WINGS)]
    return (np.concatenate(keys) % np.uint64(HASH_BUCKETS)).astype(np.int64)


def _bucket(token: str) -> int:
    digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") % HASH_BUCKETS


def _buckets(tokens: Tokens) -> np.ndarray:
    if isinstance(tokens, np.ndarray):
        return tokens.astype(np.int64)
    return np.fromiter((_bucket(token) for token in tokens), dtype=np.int64, count=len(tokens))


def _row(tokens: Tokens) -> sparse.csr_matrix:
    """Tokens as one row of hashed bucket counts: what a stored profile keeps."""
    buckets, counts = np.unique(_buckets(tokens), return_counts=True)
    return sparse.csr_matrix(
        (counts.astype(np.float32), buckets, [0, len(buckets)]),
        shape=(1, HASH_BUCKETS),
        dtype=np.float32,
    )


def _unit_weights(counts: sparse.csr_matrix, idf_of_entries: np.ndarray) -> np.ndarray:
    """The rows' TF-IDF weights (sublinear tf), each row scaled to unit length."""
    weights = (1.0 + np.log(counts.data)) * idf_of_entries
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=weights**2, minlength=counts.shape[0]))
    return (weights / np.maximum(norms, 1e-12)[rows]).astype(np.float32)


class Repertoires:
    """Per-player opening counts (row = task id; an empty row is a player without one)."""

    def __init__(self, counts: sparse.csr_matrix) -> None:
        self.counts = sparse.csr_matrix(counts, dtype=np.float32)
        self._unit_rows: tuple[sparse.csr_matrix, np.ndarray, int] | None = None

    @classmethod
    def empty(cls, players: int) -> Repertoires:
        return cls(sparse.csr_matrix((players, HASH_BUCKETS), dtype=np.float32))

    @classmethod
    def from_tokens(cls, profiles: Sequence[Tokens]) -> Repertoires:
        rows = [_row(tokens) for tokens in profiles]
        return cls(sparse.vstack(rows, format="csr") if rows else cls.empty(0).counts)

    def __len__(self) -> int:
        return self.counts.shape[0]

    @property
    def known(self) -> np.ndarray:
        """Players with a profile."""
        return np.diff(self.counts.indptr) > 0

    def set_row(self, row: int, tokens: Tokens | None) -> None:
        """Give player `row` the profile of `tokens` (None or empty: none); grows the table."""
        if row >= len(self):
            padding = sparse.csr_matrix((row + 1 - len(self), HASH_BUCKETS), dtype=np.float32)
            self.counts = sparse.vstack([self.counts, padding], format="csr")
        self.set_rows({row: [] if tokens is None else tokens})

    def set_rows(self, profiles: dict[int, Tokens]) -> None:
        """Set many players' profiles at once; rows not named keep theirs."""
        rows = [
            _row(profiles[row]) if row in profiles else self.counts[row] for row in range(len(self))
        ]
        self.counts = sparse.vstack(rows, format="csr", dtype=np.float32)
        self._unit_rows = None

    def scores(self, tokens: Tokens) -> np.ndarray:
        """Cosine of the query's TF-IDF vector with every player's (0 for players without a
        profile, and for everyone when the query has no opening moves)."""
        if len(tokens) == 0 or not self.known.any():
            return np.zeros(len(self), dtype=np.float32)
        if self._unit_rows is None:
            players = int(self.known.sum())
            df = np.bincount(self.counts.indices, minlength=HASH_BUCKETS)
            idf = np.log((1.0 + players) / (1.0 + df[self.counts.indices])) + 1.0
            unit = sparse.csr_matrix(
                (_unit_weights(self.counts, idf), self.counts.indices, self.counts.indptr),
                shape=self.counts.shape,
            )
            self._unit_rows = (unit, df, players)
        unit, df, players = self._unit_rows
        query = _row(tokens)
        idf = np.log((1.0 + players) / (1.0 + df[query.indices])) + 1.0
        dense = np.zeros(HASH_BUCKETS, dtype=np.float32)
        dense[query.indices] = _unit_weights(query, idf)
        return np.asarray(unit @ dense, dtype=np.float32)

    def tensors(self, prefix: str = "") -> dict[str, torch.Tensor]:
        """The table as tensors for safetensors, their names starting with `prefix`: 3 bytes a
        count, which keeps the demo model under its size budget. A bucket is stored as its
        uint16 distance from the row's previous one (a longer jump is bridged by entries with
        count 0); counts are clipped to 255, which the logarithm of the TF weight barely feels."""
        counts = self.counts.sorted_indices()
        indptr, buckets = counts.indptr.astype(np.int64), counts.indices.astype(np.int64)
        previous = np.concatenate([[0], buckets[:-1]])
        previous[indptr[:-1][np.diff(indptr) > 0]] = 0  # a row's first gap counts from 0
        gaps = buckets - previous
        bridges = np.maximum(gaps - 1, 0) // _MAX_GAP
        bridges_before = np.concatenate([[0], np.cumsum(bridges)])
        slots = np.arange(len(gaps)) + bridges_before[1:]
        stored_gaps = np.full(len(gaps) + int(bridges.sum()), _MAX_GAP, dtype=np.uint16)
        stored_counts = np.zeros(len(stored_gaps), dtype=np.uint8)
        stored_gaps[slots] = gaps - bridges * _MAX_GAP
        stored_counts[slots] = np.clip(counts.data, 1, 255)
        return {
            f"{prefix}indptr": torch.from_numpy(indptr + bridges_before[indptr]),
            f"{prefix}gaps": torch.from_numpy(stored_gaps.astype(np.int16)),
            f"{prefix}counts": torch.from_numpy(stored_counts),
        }

    @classmethod
    def from_tensors(cls, stored: dict[str, torch.Tensor], prefix: str = "") -> Repertoires:
        """The table saved by `tensors(prefix)`; an empty one when it is not there."""
        if f"{prefix}indptr" not in stored:
            return cls.empty(0)
        indptr = stored[f"{prefix}indptr"].numpy()
        counts = stored[f"{prefix}counts"].numpy().astype(np.float32)
        if f"{prefix}buckets" in stored:  # the first layout: int32 buckets, uint16 counts
            buckets = stored[f"{prefix}buckets"].numpy()
            return cls(
                sparse.csr_matrix((counts, buckets, indptr), (len(indptr) - 1, HASH_BUCKETS))
            )
        lengths = np.diff(indptr)
        jumps = np.cumsum(stored[f"{prefix}gaps"].numpy().view(np.uint16).astype(np.int64))
        row_starts = np.concatenate([[0], jumps])[indptr[:-1]]
        buckets = jumps - np.repeat(row_starts, lengths)
        rows = np.repeat(np.arange(len(lengths)), lengths)
        real = counts > 0  # bridges carry no count
        matrix = sparse.csr_matrix(
            (counts[real], (rows[real], buckets[real])),
            shape=(len(lengths), HASH_BUCKETS),
            dtype=np.float32,
        )
        return cls(matrix)


class OpeningProfiles:
    """The baseline: named players' repertoires; `rank` orders them for a query's tokens."""

    def __init__(self, profiles: dict[str, list[str]]) -> None:
        self.players = list(profiles)
        self.repertoires = Repertoires.from_tokens([profiles[p] for p in self.players])

    def rank(self, tokens: list[str]) -> list[tuple[str, float]]:
        """Players by cosine similarity to the query; nobody for an empty query."""
        if not tokens:
            return []
        scores = self.repertoires.scores(tokens)
        order = np.argsort(-scores, kind="stable")
        return [(self.players[i], float(scores[i])) for i in order]
