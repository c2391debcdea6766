"""Moves as people type or paste them: SAN or UCI, with move numbers, a result, annotation
glyphs, comments, variations and even a whole PGN with its tags (as Lichess exports it)."""

from __future__ import annotations

import re

import chess

from stylespace.pgn_decode import RESULTS

NOISE = (
    re.compile(r"\[[^\]]*\]"),  # tag pairs
    re.compile(r"\{[^}]*\}"),  # comments
    re.compile(r";[^\n]*"),  # rest-of-line comments
    re.compile(r"\$\d+"),  # numeric annotation glyphs
)
VARIATION = re.compile(r"\([^()]*\)")  # innermost first: variations nest
SET_UP = re.compile(r"\[\s*FEN\s", re.IGNORECASE)


def main_line(text: str) -> str:
    """The text's main line alone: tags, comments, glyphs and variations taken out."""
    for pattern in NOISE:
        text = pattern.sub(" ", text)
    while (shorter := VARIATION.sub(" ", text)) != text:
        text = shorter
    return text


def line_from_text(text: str) -> list[chess.Move]:
    """The moves of a typed or pasted game from the start position; raises ValueError naming
    the first move that is not legal, or saying why the text is not a game from the start."""
    if SET_UP.search(text):
        raise ValueError(
            "this game starts from a set-up position (its FEN tag): enter that FEN instead"
        )
    board = chess.Board()
    moves = []
    for token in main_line(text).replace(".", ". ").split():
        token = token.rstrip("!?")
        if not token.strip(".") or token.rstrip(".").isdigit() or token in RESULTS:
            continue
        move = _parse(board, token)
        if move is None:
            raise ValueError(f"{token!r} is not a legal move after {len(moves)} plies")
        board.push(move)
        moves.append(move)
    return moves


def _parse(board: chess.Board, token: str) -> chess.Move | None:
    """A legal move written in SAN or UCI; None for anything else, a null move ('--') too."""
    for parse in (board.parse_san, board.parse_uci):
        try:
            move = parse(token)
        except ValueError:
            continue
        return move if move and board.is_legal(move) else None
    return None
