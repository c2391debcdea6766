"""Coarse tokens of a player's late moves, for `late_embedding_pilot.py` (tried, not kept).

Why: from ply 30 on a position almost never repeats, and the exact pawn structures a profile
of 100 games holds rarely come back (`StructureVisits` then found 0% of players enrolled from
100 games). What does come back is how a player handles the middlegame and the endgame: which
piece they move where, in what balance of material, with which pawn files open, where the kings
stand. Each of the author's moves from `LATE_FROM_PLY` on becomes a handful of such tokens
(squares in the mover's frame, `encoding.py`), hashed with a kind id each into `LATE_BUCKETS`;
a learned embedding (`game_embedding.py`) weighs them (`bench/late_embedding_pilot.py`,
`bench/results/late-embedding.md`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from stylespace.encoding import OWN, THEIRS, VOCABULARY
from stylespace.openings import _author_games, _mix, structure_buckets
from stylespace.positions import PlayedGame

LATE_FROM_PLY = 30  # the plies the late profile is built from: after the first 15 moves
LATE_BUCKETS = 1 << 17

_ORIGIN = np.array([origin for origin, _, _ in VOCABULARY], dtype=np.int64)
_TARGET = np.array([target for _, target, _ in VOCABULARY], dtype=np.int64)
_FILE_BITS = np.left_shift(1, np.arange(64) % 8).astype(np.int64)
_ROOK, _CASTLING_ROOK = 4, 13  # a rook that may still castle is a rook here
_MINOR_AND_MAJOR = (2, 3, 4, 5, _CASTLING_ROOK)  # knight, bishop, rook, queen (own)
_THEIR_PIECES = (8, 9, 10, 11, 14)
_PLACEMENT_KIND, _STRUCTURE_KIND = 99, 98


def _counts(squares: np.ndarray, codes: Sequence[int]) -> np.ndarray:
    """Knights, bishops, rooks (castling rooks included) and queens of one side, per row."""
    found = np.stack([(squares == code).sum(axis=1) for code in codes], axis=1).astype(np.int64)
    found[:, 2] += found[:, 4]
    return found[:, :4]


def _files(pawns: np.ndarray) -> np.ndarray:
    """The files that hold a pawn, as an 8-bit mask per row."""
    return np.bitwise_or.reduce(np.where(pawns, _FILE_BITS, 0), axis=1)


def late_tokens(squares: np.ndarray, moves: np.ndarray, plies: np.ndarray) -> np.ndarray:
    """Tokens of the author's moves (`squares` (n, 64) in the mover's frame, vocabulary
    `moves`, `plies`): the move with the piece that made it; piece, target and capture; material
    of both sides with the pawn counts, and with the piece moved; both kings' squares; both
    sides' pawn files, alone and with the piece moved and its target; the game's stage with the
    move; where each own piece stands; the pawn structures (`structure_buckets`)."""
    if not len(plies):
        return np.zeros(0, np.int64)
    moves = moves.astype(np.int64)
    rows = np.arange(len(plies))
    origin, target = _ORIGIN[moves], _TARGET[moves]
    piece = squares[rows, origin].astype(np.int64)
    piece = np.where(piece == _CASTLING_ROOK, _ROOK, piece)
    captured = squares[rows, target].astype(np.int64)
    capture = (captured >= THEIRS[1]) & (captured <= _THEIR_PIECES[-1])
    weights = np.array([1, 4, 16, 64])
    material = _counts(squares, _MINOR_AND_MAJOR) @ weights * 256
    material += _counts(squares, _THEIR_PIECES) @ weights
    own_pawns, their_pawns = squares == OWN[1], squares == THEIRS[1]
    pawns = own_pawns.sum(axis=1) * 16 + their_pawns.sum(axis=1)
    files = _files(own_pawns) * 256 + _files(their_pawns)
    kings = np.argmax(squares == OWN[6], axis=1) * 64 + np.argmax(squares == THEIRS[6], axis=1)
    stage = np.minimum(np.asarray(plies) // 20, 4)
    columns = (
        (moves, piece),
        (piece, target, capture),
        (material, pawns),
        (material, piece),
        (kings,),
        (files,),
        (files, piece, target),
        (stage, moves),
    )
    parts = [
        _mix(np.full(len(plies), kind + 1, np.int64), *column)
        for kind, column in enumerate(columns)
    ]
    placed = np.where(np.isin(squares, _MINOR_AND_MAJOR[:4]), squares, 0)
    row, square = np.nonzero(placed)
    parts.append(_mix(np.full(len(row), _PLACEMENT_KIND), placed[row, square], square))
    structures = structure_buckets(squares)
    parts.append(_mix(np.full(len(structures), _STRUCTURE_KIND), structures))
    return (np.concatenate(parts) % np.uint64(LATE_BUCKETS)).astype(np.int64)


def late_bags(games: Sequence[PlayedGame], player: str, from_ply: int = 0) -> list[np.ndarray]:
    """One bag of `late_tokens` per game `player` played: their moves from ply
    max(`from_ply`, `LATE_FROM_PLY`) on (empty for a game that ends before)."""
    start = max(from_ply, LATE_FROM_PLY)
    bags = []
    for encoded, plies in _author_games(games, player, None):
        chosen = np.array([ply for ply in plies if ply >= start], dtype=np.int64)
        bags.append(late_tokens(encoded.squares[chosen], encoded.moves[chosen], chosen))
    return bags
