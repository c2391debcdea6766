"""Moves typed or pasted on the Player page: every way people write a game reads the same."""

from __future__ import annotations

import chess
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stylespace.typed_moves import line_from_text

RUY_LOPEZ = ["e2e4", "e7e5", "g1f3", "b8c6", "f1b5"]

LICHESS_EXPORT = """[Event "Rated Blitz game"]
[Site "https://lichess.org/abcdefgh"]
[White "someone"]
[Black "other"]
[Result "*"]

1. e4 { [%eval 0.2] [%clk 0:03:00] } 1... e5 { [%clk 0:03:00] } 2. Nf3?! $6 Nc6!?
(2... d6 3. d4 (3. Bc4 Be7) exd4) 3. Bb5 ; the Spanish
*
"""


@pytest.mark.parametrize(
    "text",
    [
        "1. e4 e5 2. Nf3 Nc6 3. Bb5",
        "e4 e5 Nf3 Nc6 Bb5",
        "1.e4 e5 2.Nf3 Nc6 3.Bb5 *",
        "e2e4 e7e5 g1f3 b8c6 f1b5",
        "1. e4! e5 2. Nf3 Nc6?! 3. Bb5!!",
        LICHESS_EXPORT,
    ],
)
def test_every_way_of_writing_a_game_reads_as_its_main_line(text):
    assert [move.uci() for move in line_from_text(text)] == RUY_LOPEZ


def test_an_illegal_move_is_named_with_where_it_stands():
    with pytest.raises(ValueError, match=r"'Ke3' is not a legal move after 2 plies"):
        line_from_text("1. e4 e5 2. Ke3")


def test_a_game_from_a_set_up_position_asks_for_its_fen():
    with pytest.raises(ValueError, match="set-up position"):
        line_from_text('[SetUp "1"]\n[FEN "8/8/8/8/8/8/8/K6k w - - 0 1"]\n\n1. Kb1 *')


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='[]{}()"$;!?.\n 0123456789-/*abcdefghKQRBNOx+#=', max_size=80))
def test_any_text_gives_legal_moves_or_a_message(text):
    try:
        moves = line_from_text(text)
    except ValueError as error:
        assert str(error)
    else:
        board = chess.Board()
        for move in moves:
            assert move in board.legal_moves
            board.push(move)
