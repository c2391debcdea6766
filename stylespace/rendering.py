"""Boards with the predicted moves drawn as arrows whose width and opacity grow with probability.

python-chess draws arrows of one fixed width, and cairosvg ignores 8-digit hex colours, so the
arrows are our own SVG (opacity as `fill-opacity`/`stroke-opacity`) laid over `chess.svg.board`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import chess
import chess.svg

SQUARE = chess.svg.SQUARE_SIZE
OFFSET = 15  # chess.svg's coordinate margin
ARROW_COLOUR = "#15781b"


def _centre(square: int, flipped: bool) -> tuple[float, float]:
    file, rank = chess.square_file(square), chess.square_rank(square)
    if flipped:
        file, rank = 7 - file, 7 - rank
    return OFFSET + (file + 0.5) * SQUARE, OFFSET + (7 - rank + 0.5) * SQUARE


def _arrow(
    move: chess.Move, probability: float, strongest: float, flipped: bool, colour: str
) -> str:
    (x0, y0), (x1, y1) = _centre(move.from_square, flipped), _centre(move.to_square, flipped)
    width = 3 + 15 * math.sqrt(probability)
    opacity = 0.3 + 0.6 * probability / max(strongest, 1e-9)
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    head = width * 2.2
    bx, by = x1 - ux * head, y1 - uy * head  # base of the head
    px, py = -uy * head * 0.6, ux * head * 0.6
    return (
        f'<g class="predicted-move" data-move="{move.uci()}" data-probability="{probability:.4f}">'
        f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{bx:.1f}" y2="{by:.1f}" stroke="{colour}" '
        f'stroke-width="{width:.1f}" stroke-linecap="round" stroke-opacity="{opacity:.2f}"/>'
        f'<polygon points="{x1:.1f},{y1:.1f} {bx + px:.1f},{by + py:.1f} '
        f'{bx - px:.1f},{by - py:.1f}" fill="{colour}" fill-opacity="{opacity:.2f}"/></g>'
    )


def board_svg(
    board: chess.Board,
    moves: Sequence[tuple[str, float]] = (),
    size: int = 400,
    flipped: bool = False,
    colour: str = ARROW_COLOUR,
) -> str:
    """The board (last move highlighted) with one arrow per (UCI move, probability)."""
    last = board.peek() if board.move_stack else None
    svg = chess.svg.board(board, size=size, flipped=flipped, lastmove=last)
    strongest = max((p for _, p in moves), default=0.0)
    ordered = sorted(moves, key=lambda item: item[1])  # strongest drawn last, on top
    arrows = "".join(
        _arrow(chess.Move.from_uci(uci), p, strongest, flipped, colour) for uci, p in ordered
    )
    return svg.replace("</svg>", arrows + "</svg>")


def board_png(
    board: chess.Board,
    moves: Sequence[tuple[str, float]] = (),
    size: int = 400,
    flipped: bool = False,
    colour: str = ARROW_COLOUR,
) -> bytes:
    """The same picture as PNG (for screenshots, downloads and places that need an image)."""
    import cairosvg

    svg = board_svg(board, moves, size=size, flipped=flipped, colour=colour)
    return cairosvg.svg2png(bytestring=svg.encode(), output_width=size, output_height=size)
