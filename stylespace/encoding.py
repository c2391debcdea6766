"""Boards and moves as tensors, always from the side to move's point of view.

A position is 64 square tokens (python-chess square order, a1 = 0) after mirroring the board for
Black, so one network serves both colours. Castling rights and the en-passant square are folded
into the tokens (a rook that may still castle and an en-passant target have tokens of their own),
the previous move is two squares, and the mover's Elo is a bucket (0 = unknown).

Moves are indices into a fixed vocabulary of 1,858 from-to moves in the mover's frame: every queen
line and knight jump, plus knight/bishop/rook under-promotions. Queen promotion is the plain pawn
move to the last rank. Illegal moves are masked at inference with `legal_move_mask`.

`GameEncoder` replays UCI moves on a mailbox board without python-chess, because encoding the
master games (~23M positions) must take minutes, not an hour; tests check it against python-chess.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import chess
import numpy as np

# Square tokens, in the mover's frame.
EMPTY = 0
OWN = {
    chess.PAWN: 1,
    chess.KNIGHT: 2,
    chess.BISHOP: 3,
    chess.ROOK: 4,
    chess.QUEEN: 5,
    chess.KING: 6,
}
THEIRS = {piece: token + 6 for piece, token in OWN.items()}
OWN_CASTLING_ROOK = 13
THEIR_CASTLING_ROOK = 14
EN_PASSANT_TARGET = 15
N_SQUARE_TOKENS = 16
NO_SQUARE = 64  # "no previous move"

ELO_BUCKET_WIDTH = 100
ELO_BUCKET_MIN = 1000
N_ELO_BUCKETS = 23  # 0 unknown, 1 below 1100, ..., 22 for 3000 and above


def elo_bucket(elo: int | None) -> int:
    """0 when unknown, else 1..22 in steps of 100 Elo from 1000 to 3000."""
    if elo is None or elo <= 0:
        return 0
    return int(min(max((elo - ELO_BUCKET_MIN) // ELO_BUCKET_WIDTH + 1, 1), N_ELO_BUCKETS - 1))


def trained_elo_buckets(positions_per_bucket: Sequence[int], minimum: int) -> list[int]:
    """The Elo buckets with at least `minimum` training positions, and 0 ("unknown") always.

    An embedding seen on a few hundred positions is noise that moves every prediction: on the
    masters, bucket 5 (1400-1499, ~1,400 training positions) cut the base model's move matching
    by 2.8 points against the players' true buckets (`bench/elo_levels.py`)."""
    counts = list(positions_per_bucket)
    return sorted({0, *(b for b in range(1, len(counts)) if counts[b] >= minimum)})


@cache
def elo_level_table(known_buckets: tuple[int, ...]) -> tuple[int, ...]:
    """For every Elo bucket, the bucket the model reads it as: itself when trained, else the
    nearest trained level (a 1200 player reads as the weakest level the model knows, not as an
    untrained embedding); everything reads as unknown when no level was trained. Cached: the
    model reads it on every forward pass."""
    levels = sorted(b for b in known_buckets if b != 0)
    if not levels:
        return (0,) * N_ELO_BUCKETS
    return (
        0,
        *(min(levels, key=lambda level: (abs(level - b), level)) for b in range(1, N_ELO_BUCKETS)),
    )


def mirror_square(square: int) -> int:
    """The same square seen from the other side of the board (a1 <-> a8)."""
    return square ^ 56


def _build_vocabulary() -> tuple[
    list[tuple[int, int, int | None]], dict[tuple[int, int, int | None], int]
]:
    moves: list[tuple[int, int, int | None]] = []
    for origin in range(64):
        for target in range(64):
            if origin == target:
                continue
            file_delta = chess.square_file(target) - chess.square_file(origin)
            rank_delta = chess.square_rank(target) - chess.square_rank(origin)
            queen_line = file_delta == 0 or rank_delta == 0 or abs(file_delta) == abs(rank_delta)
            knight = sorted((abs(file_delta), abs(rank_delta))) == [1, 2]
            if queen_line or knight:
                moves.append((origin, target, None))
    for origin in range(48, 56):
        for file_delta in (-1, 0, 1):
            target = origin + 8 + file_delta
            if (
                chess.square_rank(target) != 7
                or abs(chess.square_file(target) - chess.square_file(origin)) > 1
            ):
                continue
            for piece in (chess.KNIGHT, chess.BISHOP, chess.ROOK):
                moves.append((origin, target, piece))
    return moves, {move: index for index, move in enumerate(moves)}


VOCABULARY, _INDEX = _build_vocabulary()
N_MOVES = len(VOCABULARY)
# For the policy head: the from*64+to cell each vocabulary entry reads its logit from.
VOCABULARY_CELLS = np.array(
    [origin * 64 + target for origin, target, _ in VOCABULARY], dtype=np.int64
)
VOCABULARY_PROMOTION = np.array(
    [0 if piece is None else piece - 1 for _, _, piece in VOCABULARY], dtype=np.int64
)  # 0 none/queen, 1 knight, 2 bishop, 3 rook


def move_index(move: chess.Move, turn: chess.Color) -> int:
    """Vocabulary index of a move made by `turn` (mirrored into the mover's frame for Black)."""
    origin, target = move.from_square, move.to_square
    if turn == chess.BLACK:
        origin, target = mirror_square(origin), mirror_square(target)
    promotion = None if move.promotion in (None, chess.QUEEN) else move.promotion
    return _INDEX[(origin, target, promotion)]


def index_to_move(index: int, board: chess.Board) -> chess.Move:
    """The move on `board` that a vocabulary index stands for (queen promotion made explicit)."""
    origin, target, promotion = VOCABULARY[index]
    if board.turn == chess.BLACK:
        origin, target = mirror_square(origin), mirror_square(target)
    if (
        promotion is None
        and board.piece_type_at(origin) == chess.PAWN
        and chess.square_rank(target) in (0, 7)
    ):
        promotion = chess.QUEEN
    return chess.Move(origin, target, promotion)


def index_to_uci(index: int, white_to_move: bool) -> str:
    """A vocabulary index as UCI without a board, for replaying stored move indices.

    Every move into the last rank is written as a queen promotion unless it is an
    under-promotion: replay (`GameEncoder`) promotes only pawns, so the suffix is harmless on
    other pieces, and it encodes back to the same index.
    """
    origin, target, promotion = VOCABULARY[index]
    suffix = "" if target < 56 else "q" if promotion is None else chess.piece_symbol(promotion)
    if not white_to_move:
        origin, target = mirror_square(origin), mirror_square(target)
    return chess.square_name(origin) + chess.square_name(target) + suffix


def legal_move_mask(board: chess.Board) -> np.ndarray:
    """Boolean mask over the vocabulary: True where the move is legal here."""
    mask = np.zeros(N_MOVES, dtype=bool)
    for move in board.legal_moves:
        mask[move_index(move, board.turn)] = True
    return mask


@dataclass(frozen=True, slots=True)
class EncodedPosition:
    squares: np.ndarray  # (64,) uint8 square tokens, mover's frame
    last_move: np.ndarray  # (2,) uint8 from/to of the previous move in the mover's frame, 64 = none
    elo: int  # mover's Elo bucket


def encode_board(
    board: chess.Board, elo: int | None = None, last_move: chess.Move | None = None
) -> EncodedPosition:
    """Encode a python-chess board (the reference path, used at inference and in tests)."""
    mover = board.turn
    squares = np.full(64, EMPTY, dtype=np.uint8)
    for square, piece in board.piece_map().items():
        frame = square if mover == chess.WHITE else mirror_square(square)
        squares[frame] = (OWN if piece.color == mover else THEIRS)[piece.piece_type]
    for color, rook_squares in (
        (chess.WHITE, (chess.H1, chess.A1)),
        (chess.BLACK, (chess.H8, chess.A8)),
    ):
        for rook_square, side in zip(rook_squares, ("k", "q"), strict=True):
            has_right = (
                board.has_kingside_castling_rights(color)
                if side == "k"
                else board.has_queenside_castling_rights(color)
            )
            if has_right:
                frame = rook_square if mover == chess.WHITE else mirror_square(rook_square)
                squares[frame] = OWN_CASTLING_ROOK if color == mover else THEIR_CASTLING_ROOK
    ep = _pseudo_en_passant_square(board)
    if ep is not None:
        squares[ep if mover == chess.WHITE else mirror_square(ep)] = EN_PASSANT_TARGET
    if last_move is None and board.move_stack:
        last_move = board.peek()
    last = np.full(2, NO_SQUARE, dtype=np.uint8)
    if last_move is not None:
        origin, target = last_move.from_square, last_move.to_square
        if mover == chess.BLACK:
            origin, target = mirror_square(origin), mirror_square(target)
        last[:] = (origin, target)
    return EncodedPosition(squares, last, elo_bucket(elo))


def _pseudo_en_passant_square(board: chess.Board) -> int | None:
    """The square behind a pawn that just advanced two squares, whether or not it can be taken."""
    if not board.move_stack:
        return board.ep_square
    move = board.peek()
    piece = board.piece_type_at(move.to_square)
    if piece == chess.PAWN and abs(move.to_square - move.from_square) == 16:
        return (move.to_square + move.from_square) // 2
    return None


# --- fast replay of UCI games -------------------------------------------------------------

_PIECE_CODE = {
    "P": 1,
    "N": 2,
    "B": 3,
    "R": 4,
    "Q": 5,
    "K": 6,
    "p": 7,
    "n": 8,
    "b": 9,
    "r": 10,
    "q": 11,
    "k": 12,
}
_SWAP_TABLE = np.array([0, *range(7, 13), *range(1, 7), 14, 13, 15] + [0] * 240, dtype=np.uint8)
_START = chess.Board()
_FILES = "abcdefgh"


def _square(name: str) -> int:
    return _FILES.index(name[0]) + 8 * (int(name[1]) - 1)


_UCI_SQUARES = {f"{f}{r}": _square(f"{f}{r}") for f in _FILES for r in range(1, 9)}
_PROMOTION_CODE = {"n": 2, "b": 3, "r": 4, "q": 5}
_CASTLING_ROOKS = {6: (7, 5), 2: (0, 3), 62: (63, 61), 58: (56, 59)}  # king target -> rook from, to
_RIGHT_SQUARES = {0: 1, 7: 0, 56: 3, 63: 2, 4: (0, 1), 60: (2, 3)}  # square -> rights it cancels
_RIGHT_ROOK = (7, 0, 63, 56)  # K, Q, k, q rook squares


@dataclass(frozen=True, slots=True)
class EncodedGame:
    """All positions of one game: tokens, previous moves and the move played from each."""

    squares: np.ndarray  # (plies, 64) uint8
    last_move: np.ndarray  # (plies, 2) uint8
    moves: np.ndarray  # (plies,) uint16 vocabulary indices
    white_to_move: np.ndarray  # (plies,) bool


class GameEncoder:
    """Replays a game given as UCI moves from the standard start and encodes every position."""

    def encode(self, uci_moves: list[str]) -> EncodedGame:
        """The loop only plays the moves on a mailbox board and notes each position's board,
        castling rights and en-passant square; the mover's frame (Black's board mirrored, its
        colours swapped) and the special tokens are applied to all positions at once."""
        board = bytearray(64)
        for square, piece in _START.piece_map().items():
            board[square] = _PIECE_CODE[piece.symbol()]
        rights = [True, True, True, True]
        ep: int | None = None
        plies = len(uci_moves)
        boards = np.empty((plies, 64), dtype=np.uint8)
        rights_at = np.empty((plies, 4), dtype=bool)
        ep_at = np.full(plies, -1, dtype=np.int64)
        played = np.empty((plies, 2), dtype=np.int64)
        moves = np.empty(plies, dtype=np.uint16)
        for ply, uci in enumerate(uci_moves):
            is_white = ply % 2 == 0
            origin, target = _UCI_SQUARES[uci[:2]], _UCI_SQUARES[uci[2:4]]
            boards[ply] = np.frombuffer(board, dtype=np.uint8)
            rights_at[ply] = rights
            if ep is not None:
                ep_at[ply] = ep
            played[ply] = origin, target
            frame_origin, frame_target = (
                (origin, target) if is_white else (origin ^ 56, target ^ 56)
            )
            promotion = uci[4:5]
            under = None if promotion in ("", "q") else chess.PIECE_SYMBOLS.index(promotion)
            moves[ply] = _INDEX[(frame_origin, frame_target, under)]
            # Play the move on the mailbox board.
            piece = board[origin]
            new_ep = None
            if piece in (1, 7):
                if target == ep:
                    board[target - 8 if is_white else target + 8] = 0
                elif abs(target - origin) == 16:
                    new_ep = (origin + target) // 2
                if promotion:
                    piece = _PROMOTION_CODE[promotion] + (0 if is_white else 6)
            elif piece in (6, 12) and abs(target - origin) == 2:
                rook_from, rook_to = _CASTLING_ROOKS[target]
                board[rook_to], board[rook_from] = board[rook_from], 0
            for square in (origin, target):
                cancelled = _RIGHT_SQUARES.get(square)
                if cancelled is None:
                    continue
                if isinstance(cancelled, tuple):  # a king square: only the king leaving it counts
                    if square == origin:
                        for right in cancelled:
                            rights[right] = False
                else:
                    rights[cancelled] = False
            board[target], board[origin] = piece, 0
            ep = new_ep
        white = np.arange(plies) % 2 == 0
        return EncodedGame(
            _in_movers_frame(boards, rights_at, ep_at, white),
            _previous_moves(played, white),
            moves,
            white,
        )


def _in_movers_frame(
    boards: np.ndarray, rights: np.ndarray, ep: np.ndarray, white: np.ndarray
) -> np.ndarray:
    """(plies, 64) tokens from White's-view boards: Black's positions mirrored with colours
    swapped; then the rooks that may still castle (own K, Q side, theirs) and the en-passant
    target, in the mover's frame."""
    squares = boards.copy()
    black = ~white
    mirrored = boards[black].reshape(-1, 8, 8)[:, ::-1].reshape(-1, 64)
    squares[black] = _SWAP_TABLE[mirrored]
    own = np.where(white[:, None], rights[:, :2], rights[:, 2:])
    theirs = np.where(white[:, None], rights[:, 2:], rights[:, :2])
    squares[own[:, 0], 7] = OWN_CASTLING_ROOK
    squares[own[:, 1], 0] = OWN_CASTLING_ROOK
    squares[theirs[:, 0], 63] = THEIR_CASTLING_ROOK
    squares[theirs[:, 1], 56] = THEIR_CASTLING_ROOK
    has_ep = np.flatnonzero(ep >= 0)
    frame = np.where(white[has_ep], ep[has_ep], ep[has_ep] ^ 56)
    squares[has_ep, frame] = EN_PASSANT_TARGET
    return squares


def _previous_moves(played: np.ndarray, white: np.ndarray) -> np.ndarray:
    """(plies, 2) from/to of the move before each position, in the mover's frame (64: none)."""
    last = np.full((len(played), 2), NO_SQUARE, dtype=np.uint8)
    if len(played) > 1:
        before = played[:-1]
        last[1:] = np.where(white[1:, None], before, before ^ 56)
    return last


def iter_positions(uci_moves: list[str]) -> Iterator[tuple[chess.Board, chess.Move]]:
    """Reference replay with python-chess: (board before the move, move) for every ply."""
    board = chess.Board()
    for uci in uci_moves:
        move = chess.Move.from_uci(uci)
        yield board.copy(stack=True), move
        board.push(move)
