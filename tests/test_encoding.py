"""Boards and moves become tensors from the mover's point of view, and back, without loss."""

from __future__ import annotations

import random

import chess
import numpy as np
import pytest

from stylespace.encoding import (
    EN_PASSANT_TARGET,
    N_MOVES,
    OWN,
    OWN_CASTLING_ROOK,
    THEIRS,
    GameEncoder,
    elo_bucket,
    elo_level_table,
    encode_board,
    index_to_move,
    index_to_uci,
    iter_positions,
    legal_move_mask,
    move_index,
    trained_elo_buckets,
)


def _random_games(count: int, seed: int = 0, max_plies: int = 160) -> list[list[str]]:
    rng = random.Random(seed)
    games = []
    for _ in range(count):
        board, moves = chess.Board(), []
        for _ in range(rng.randint(1, max_plies)):
            legal = list(board.legal_moves)
            if not legal:
                break
            # Prefer promotions, castling and en passant so the rare cases come up often.
            special = [
                m for m in legal if m.promotion or board.is_castling(m) or board.is_en_passant(m)
            ]
            move = rng.choice(special if special and rng.random() < 0.7 else legal)
            board.push(move)
            moves.append(move.uci())
        games.append(moves)
    return games


def test_the_vocabulary_covers_every_move_including_under_promotions():
    assert N_MOVES == 1858


def test_every_legal_move_has_one_index_and_maps_back():
    for moves in _random_games(60):
        for board, _ in iter_positions(moves):
            legal = list(board.legal_moves)
            indices = [move_index(m, board.turn) for m in legal]
            assert len(set(indices)) == len(legal)
            assert all(index_to_move(i, board) == m for i, m in zip(indices, legal, strict=True))
            assert legal_move_mask(board).sum() == len(legal)


def test_stored_move_indices_replay_to_the_same_positions_without_a_board():
    games = _random_games(60, seed=3)
    played = [chess.Move.from_uci(u) for moves in games for u in moves]
    assert any(m.promotion == chess.QUEEN for m in played)
    assert any(m.promotion in (chess.KNIGHT, chess.BISHOP, chess.ROOK) for m in played)
    encoder = GameEncoder()
    for moves in games:
        original = encoder.encode(moves)
        uci = [index_to_uci(int(i), ply % 2 == 0) for ply, i in enumerate(original.moves)]
        replayed = encoder.encode(uci)
        assert np.array_equal(replayed.squares, original.squares)
        assert np.array_equal(replayed.last_move, original.last_move)
        assert np.array_equal(replayed.moves, original.moves)


def test_black_sees_the_mirrored_board_with_colours_swapped():
    board = chess.Board()
    board.push_uci("e2e4")
    black_view = encode_board(board)
    white_view = encode_board(chess.Board())
    mirrored = board.mirror()  # white to move in the colour-flipped position
    assert np.array_equal(
        encode_board(mirrored, last_move=None).squares[:16], black_view.squares[:16]
    )
    assert black_view.squares[chess.E1] == OWN[chess.KING]
    assert black_view.squares[chess.E5] == THEIRS[chess.PAWN]  # White's e4 pawn, seen from Black
    assert black_view.squares[chess.A1] == OWN_CASTLING_ROOK
    assert white_view.squares[chess.E1] == OWN[chess.KING]
    # e2e4 for White and e7e5 for Black are the same vocabulary move in the mover's frame.
    assert move_index(chess.Move.from_uci("e7e5"), chess.BLACK) == move_index(
        chess.Move.from_uci("e2e4"), chess.WHITE
    )


def test_en_passant_target_and_castling_rights_are_in_the_tokens():
    board = chess.Board("rnbqkbnr/ppp1pppp/8/8/3pP3/8/PPPP1PPP/RNBQKBNR w KQkq - 0 3")
    board.push_uci("c2c4")
    encoded = encode_board(board)  # Black to move; the target c3 is c6 in Black's frame
    assert encoded.squares[chess.C6] == EN_PASSANT_TARGET
    no_rights = encode_board(chess.Board("r3k2r/8/8/8/8/8/8/R3K2R w - - 0 1"))
    assert no_rights.squares[chess.A1] == OWN[chess.ROOK]


def test_fast_replay_matches_python_chess_on_every_position():
    for moves in _random_games(150, seed=1):
        encoded = GameEncoder().encode(moves)
        for ply, (board, move) in enumerate(iter_positions(moves)):
            reference = encode_board(board)
            assert np.array_equal(encoded.squares[ply], reference.squares), moves[: ply + 1]
            assert np.array_equal(encoded.last_move[ply], reference.last_move)
            assert encoded.moves[ply] == move_index(move, board.turn)
            assert encoded.white_to_move[ply] == (board.turn == chess.WHITE)


@pytest.mark.parametrize(
    ("elo", "bucket"), [(None, 0), (0, 0), (950, 1), (1000, 1), (2450, 15), (3400, 22)]
)
def test_elo_buckets(elo, bucket):
    assert elo_bucket(elo) == bucket


def test_only_elo_levels_with_enough_training_positions_count_as_trained():
    counts = [500, 3, 0, 0, 0, 0, 9_000, 0, 0, 10_000, 50_000, 80_000] + [0] * 11
    assert trained_elo_buckets(counts, minimum=10_000) == [0, 9, 10, 11]  # unknown always


def test_an_untrained_elo_reads_as_the_nearest_trained_level():
    table = elo_level_table((0, 9, 10, 11, 15))
    assert table[0] == 0  # unknown stays unknown
    assert table[1] == table[5] == 9  # a 1000-1500 player: the weakest level the model knows
    assert table[10] == 10 and table[15] == 15  # trained levels are themselves
    assert table[13] == 11 and table[14] == 15  # a gap: the nearer side
    assert table[22] == 15  # above the strongest level
    assert elo_level_table((0,)) == (0,) * len(table)  # no Elo in training: all unknown
