"""Predicted moves are drawn as arrows that grow with probability; PNGs are real images."""

from __future__ import annotations

import io
import re

import chess
from PIL import Image

from stylespace.rendering import board_png, board_svg

MOVES = [("e2e4", 0.6), ("d2d4", 0.3), ("g1f3", 0.1)]


def _arrows(svg: str) -> dict[str, tuple[float, float]]:
    found = {}
    for move, body in re.findall(r'data-move="(\w+)"[^>]*>(.*?)</g>', svg):
        width = float(re.search(r'stroke-width="([\d.]+)"', body).group(1))
        opacity = float(re.search(r'stroke-opacity="([\d.]+)"', body).group(1))
        found[move] = (width, opacity)
    return found


def test_arrows_grow_with_probability():
    arrows = _arrows(board_svg(chess.Board(), MOVES))
    assert set(arrows) == {"e2e4", "d2d4", "g1f3"}
    assert arrows["e2e4"] > arrows["d2d4"] > arrows["g1f3"]  # both width and opacity
    assert "#15781b80" not in board_svg(chess.Board(), MOVES).lower()  # no 8-digit hex alpha


def test_flipping_mirrors_the_arrows():
    plain = board_svg(chess.Board(), [("e2e4", 1.0)])
    flipped = board_svg(chess.Board(), [("e2e4", 1.0)], flipped=True)
    y_plain = float(re.search(r'<line x1="[\d.]+" y1="([\d.]+)"', plain).group(1))
    y_flipped = float(re.search(r'<line x1="[\d.]+" y1="([\d.]+)"', flipped).group(1))
    assert y_plain > 200 > y_flipped  # e2 is near the bottom for White, near the top flipped


def test_png_is_an_image_of_the_requested_size():
    board = chess.Board()
    board.push_uci("e2e4")
    image = Image.open(io.BytesIO(board_png(board, [("e7e5", 0.5)], size=240)))
    assert image.size == (240, 240)
    assert len(image.convert("RGB").getcolors(maxcolors=100_000)) > 10  # a drawn board, not blank
