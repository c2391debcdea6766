"""Opening repertoires: which (position, move) pairs a player chooses in their first 12 moves.

Two uses, one implementation. Alone, it is the trivial stylometry baseline the style model must
beat (masters are identified by their repertoire; it is blind once the openings are hidden).
Stored per player in the model (`Repertoires`, hashed counts: no game record), it is the opening
half of the `fused` identification method (see `stylometry.py`), with a second table of each
player's deep lines (moves 13 to 20, `DEEP_LINE_PLIES`) for queries whose openings are hidden.

Scoring is TF-IDF with sublinear term frequency and smoothed IDF over the known players, cosine
between L2-normalised rows: the same as scikit-learn's `TfidfVectorizer(sublinear_tf=True)`,
on tokens hashed to 2^24 buckets so a profile can be saved as numbers.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch
from scipy import sparse

from stylespace.encoding import GameEncoder
from stylespace.optout import normalise_name
from stylespace.positions import PlayedGame

OPENING_PLIES = 24
DEEP_LINE_PLIES = 40  # prepared lines run past move 12; positions after move 20 rarely repeat
HASH_BUCKETS = 1 << 24


class RepertoireTokens(NamedTuple):
    """A player's tokens for the two stored tables."""

    openings: list[str]  # the first 12 moves
    deep_lines: list[str]  # moves 13 to 20


def _tokens_by_ply(
    games: Sequence[PlayedGame], player: str, from_ply: int, until_ply: int
) -> list[tuple[int, str]]:
    wanted = normalise_name(player)
    encoder = GameEncoder()
    tokens = []
    for game in games:
        sides = (normalise_name(game.white) == wanted, normalise_name(game.black) == wanted)
        if not any(sides):
            continue
        opening = game.moves[:until_ply]
        encoded = encoder.encode(opening)
        for ply in range(from_ply, len(opening)):
            if sides[ply % 2]:
                token = f"{ply % 2}:{encoded.squares[ply].tobytes().hex()}:{encoded.moves[ply]}"
                tokens.append((ply, token))
    return tokens


def opening_tokens(
    games: Sequence[PlayedGame], player: str, from_ply: int = 0, until_ply: int = OPENING_PLIES
) -> list[str]:
    """(position, move) pairs of `player`'s moves from ply `from_ply` up to `until_ply` (by
    default the first 12 moves)."""
    return [token for _, token in _tokens_by_ply(games, player, from_ply, until_ply)]


def repertoire_tokens(
    games: Sequence[PlayedGame], player: str, from_ply: int = 0
) -> RepertoireTokens:
    """`player`'s opening and deep-line tokens (from `from_ply` on), one encoding per game."""
    tokens = _tokens_by_ply(games, player, from_ply, DEEP_LINE_PLIES)
    return RepertoireTokens(
        [token for ply, token in tokens if ply < OPENING_PLIES],
        [token for ply, token in tokens if ply >= OPENING_PLIES],
    )


def _bucket(token: str) -> int:
    digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") % HASH_BUCKETS


def token_counts(tokens: Sequence[str]) -> Counter[int]:
    """Tokens as hashed bucket counts: what a stored profile keeps."""
    return Counter(_bucket(token) for token in tokens)


def _row(counts: Counter[int]) -> sparse.csr_matrix:
    buckets = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
    values = np.array([counts[b] for b in buckets], dtype=np.float32)
    return sparse.csr_matrix(
        (values, buckets, [0, len(buckets)]), shape=(1, HASH_BUCKETS), dtype=np.float32
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
    def from_tokens(cls, profiles: Sequence[Sequence[str]]) -> Repertoires:
        rows = [_row(token_counts(tokens)) for tokens in profiles]
        return cls(sparse.vstack(rows, format="csr") if rows else cls.empty(0).counts)

    def __len__(self) -> int:
        return self.counts.shape[0]

    @property
    def known(self) -> np.ndarray:
        """Players with a profile."""
        return np.diff(self.counts.indptr) > 0

    def set_row(self, row: int, tokens: Sequence[str] | None) -> None:
        """Give player `row` the profile of `tokens` (None or empty: none); grows the table."""
        if row >= len(self):
            padding = sparse.csr_matrix((row + 1 - len(self), HASH_BUCKETS), dtype=np.float32)
            self.counts = sparse.vstack([self.counts, padding], format="csr")
        self.set_rows({row: tokens or []})

    def set_rows(self, profiles: dict[int, Sequence[str]]) -> None:
        """Set many players' profiles at once; rows not named keep theirs."""
        rows = [
            _row(token_counts(profiles[row])) if row in profiles else self.counts[row]
            for row in range(len(self))
        ]
        self.counts = sparse.vstack(rows, format="csr", dtype=np.float32)
        self._unit_rows = None

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Cosine of the query's TF-IDF vector with every player's (0 for players without a
        profile, and for everyone when the query has no opening moves)."""
        if not tokens or not self.known.any():
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
        query = _row(token_counts(tokens))
        idf = np.log((1.0 + players) / (1.0 + df[query.indices])) + 1.0
        dense = np.zeros(HASH_BUCKETS, dtype=np.float32)
        dense[query.indices] = _unit_weights(query, idf)
        return np.asarray(unit @ dense, dtype=np.float32)

    def tensors(self, prefix: str = "") -> dict[str, torch.Tensor]:
        """The table as tensors for safetensors, their names starting with `prefix`."""
        return {
            f"{prefix}indptr": torch.from_numpy(self.counts.indptr.astype(np.int64)),
            f"{prefix}buckets": torch.from_numpy(self.counts.indices.astype(np.int32)),
            # uint16 halves the file; a count past 65,535 changes nothing after the log
            f"{prefix}counts": torch.from_numpy(
                np.minimum(self.counts.data, 65535).astype(np.uint16)
            ),
        }

    @classmethod
    def from_tensors(cls, stored: dict[str, torch.Tensor], prefix: str = "") -> Repertoires:
        """The table saved by `tensors(prefix)`; an empty one when it is not there."""
        if f"{prefix}indptr" not in stored:
            return cls.empty(0)
        indptr = stored[f"{prefix}indptr"].numpy()
        counts = stored[f"{prefix}counts"].numpy().astype(np.float32)
        matrix = sparse.csr_matrix(
            (counts, stored[f"{prefix}buckets"].numpy(), indptr),
            shape=(len(indptr) - 1, HASH_BUCKETS),
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
