"""Opening books: in the first 20 moves, predictions follow the moves chosen before in the same
position (everybody's for the base model, the player's own on top), the network elsewhere."""

from __future__ import annotations

import chess
import numpy as np

from stylespace.book import with_books
from stylespace.encoding import encode_board, legal_move_mask, move_index
from stylespace.openings import OPENING_PLIES, MoveChoices, repertoire_tokens
from stylespace.positions import PlayedGame
from stylespace.style_model import StyleModel

FIRST_MOVES = {"Ann": ["a2a4"] * 9 + ["b2b3"], "Bob": ["h2h4"] * 3}


def _table() -> MoveChoices:
    profiles = []
    for name, firsts in FIRST_MOVES.items():
        games = [PlayedGame([move, "e7e5"], name, "Someone") for move in firsts]
        profiles.append(repertoire_tokens(games, name).openings)
    return MoveChoices.from_tokens(profiles)


def _book(board: chess.Board, network: np.ndarray, players=None) -> np.ndarray:
    encoded = encode_board(board)
    return with_books(
        network[None],
        encoded.squares[None],
        np.array([board.ply()]),
        legal_move_mask(board)[None],
        [(_table(), 0, OPENING_PLIES)],
        None if players is None else np.array(players),
    )[0]


def _network(board: chess.Board, favourite: str) -> np.ndarray:
    """A network that is sure of one move and spreads a little over the other legal ones."""
    legal = legal_move_mask(board)
    probabilities = np.where(legal, 0.01, 0.0)
    probabilities[move_index(chess.Move.from_uci(favourite), board.turn)] = 1.0
    return (probabilities / probabilities.sum()).astype(np.float32)


def _best(board: chess.Board, probabilities: np.ndarray) -> str:
    ranked = [m.uci() for m in board.legal_moves]
    return max(
        ranked, key=lambda uci: probabilities[move_index(chess.Move.from_uci(uci), board.turn)]
    )


def test_a_players_own_choices_decide_where_they_have_played_before():
    start, network = chess.Board(), _network(chess.Board(), "e2e4")
    assert _best(start, _book(start, network, players=[0])) == "a2a4"  # Ann: 9 of 10 games
    assert _best(start, _book(start, network, players=[1])) == "h2h4"  # Bob: 3 of 3


def test_the_base_follows_everybodys_choices_and_a_player_without_a_book_too():
    start, network = chess.Board(), _network(chess.Board(), "e2e4")
    everybody = _book(start, network)
    assert _best(start, everybody) == "a2a4"  # 9 games of a4 against 3 of h4 and 1 of b3
    assert np.allclose(_book(start, network, players=[-1]), everybody)
    assert abs(everybody.sum() - 1.0) < 1e-5 and (everybody[~legal_move_mask(start)] == 0).all()


def test_the_network_decides_where_the_book_is_silent_or_the_opening_is_over():
    unknown = chess.Board()
    unknown.push_uci("g2g3")  # nobody in the book played this
    network = _network(unknown, "d7d5")
    assert np.allclose(_book(unknown, network, players=[0]), network)
    late = chess.Board()
    late.fullmove_number = 13  # ply 24: past the table's plies
    assert np.allclose(_book(late, _network(late, "e2e4"), players=[0]), _network(late, "e2e4"))


def test_a_planted_players_predicted_opening_is_their_own(planted_model):
    model = StyleModel.load(planted_model)
    board = chess.Board()
    for name, first in (("Lefty, Lea", "a2a4"), ("Righty, Rob", "h2h4")):
        booked = model.predict(board, style=name, top_k=1)[0]
        assert booked.uci == first and booked.probability > 0.9, name
    vector = model.style_vectors[model.task_id("Lefty, Lea")]
    alone = model.predict(board, style=vector, top_k=3)
    assert alone == model.predict(board, style=vector, top_k=3, books=False)  # no games behind it
