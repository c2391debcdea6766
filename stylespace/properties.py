"""Style properties: what a player's games look like, measured the same way for real games and
for games the model generates, so that steering can be checked against the same yardstick.

Every property is a mean over the player's games of a per-game measure taken from the player's
side of the board (`side_measures`), except Elo and era, which come from the game records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import chess
import numpy as np

if TYPE_CHECKING:  # measuring a player's games needs no database
    from stylespace.store import GameStore

# name -> (label for people, what it means)
PROPERTIES: dict[str, tuple[str, str]] = {
    "e4_share": ("1.e4 as White", "share of White games opened with 1.e4"),
    "d4_share": ("1.d4 as White", "share of White games opened with 1.d4"),
    "castling_rate": ("castles", "share of games in which the player castles"),
    "castling_move": ("castling move", "move number of castling, when the player castles"),
    "queenside_castling": ("castles long", "share of castlings that are queenside"),
    "captures_per_game": ("captures / game", "captures made per game"),
    "checks_per_game": ("checks / game", "checks given per game"),
    "game_length": ("game length", "moves per game (full moves)"),
    "draw_rate": ("draws", "share of decided-or-drawn games that are draws"),
    "early_queen": ("early queen", "share of games with a queen move in the first 10 moves"),
    "pawn_storm": ("pawn storms", "pawn advances toward the opponent's castled king, per game"),
    "bishop_pair": ("keeps bishop pair", "share of moves 10-40 with both bishops kept"),
    "king_danger": ("king danger", "checks received per game (a proxy for an exposed king)"),
    "early_trades": ("early trades", "piece (non-pawn) captures by either side before move 20"),
}
# the first move's shares: what a player's vector says most (steering holds them, `steering.py`)
FIRST_MOVE = ("e4_share", "d4_share")
RECORD_PROPERTIES = {"mean_elo": ("Elo", "mean Elo in rated games"), "era": ("era", "median year")}


def format_value(prop: str, value: float) -> str:
    """A property's value as people read it: shares in percent, years and Elo whole, counts
    and move numbers to one decimal."""
    if PROPERTIES.get(prop, ("", ""))[1].startswith("share of"):
        return f"{value:.0%}"
    if prop in RECORD_PROPERTIES:
        return f"{value:.0f}"
    return f"{value:.1f}"


@dataclass(frozen=True, slots=True)
class SideGame:
    """One game from one player's side: what `side_measures` needs."""

    moves: list[str]
    white: bool  # the player had White
    result: str | None  # "1-0", "0-1", "1/2-1/2" or None when unknown


def side_measures(game: SideGame) -> dict[str, float]:
    """Per-game measures for the player's side; a measure that does not apply is left out."""
    board = chess.Board()
    side = chess.WHITE if game.white else chess.BLACK
    measures: dict[str, float] = {}
    if game.white and game.moves:
        measures["e4_share"] = float(game.moves[0] == "e2e4")
        measures["d4_share"] = float(game.moves[0] == "d2d4")
    captures = checks = checks_received = storm = early_trades = 0
    early_queen = False
    castled_at: int | None = None
    castled_long = False
    pair_moves = pair_kept = 0
    opponent_castled_side: int | None = None  # file group of the opponent king after castling
    for uci in game.moves:
        move = chess.Move.from_uci(uci)
        mover = board.turn
        number = board.fullmove_number
        capture = board.is_capture(move)
        piece = board.piece_type_at(move.from_square)
        if capture and number < 20:
            captured = board.piece_type_at(move.to_square)
            early_trades += captured not in (None, chess.PAWN)
        if mover == side:
            captures += capture
            if piece == chess.QUEEN and number <= 10:
                early_queen = True
            if board.is_castling(move) and castled_at is None:
                castled_at = number
                castled_long = board.is_queenside_castling(move)
            if piece == chess.PAWN and opponent_castled_side is not None:
                on_flank = (chess.square_file(move.from_square) >= 5) == (
                    opponent_castled_side == 1
                )
                storm += on_flank
            if 10 <= number <= 40:
                pair_moves += 1
                pair_kept += len(board.pieces(chess.BISHOP, side)) == 2
        elif board.is_castling(move):
            opponent_castled_side = 0 if board.is_queenside_castling(move) else 1
        board.push(move)
        if board.is_check():
            checks += mover == side
            checks_received += mover != side
    measures.update(
        castling_rate=float(castled_at is not None),
        captures_per_game=float(captures),
        checks_per_game=float(checks),
        game_length=len(game.moves) / 2,
        early_queen=float(early_queen),
        pawn_storm=float(storm),
        king_danger=float(checks_received),
        early_trades=float(early_trades),
    )
    if castled_at is not None:
        measures["castling_move"] = float(castled_at)
        measures["queenside_castling"] = float(castled_long)
    if pair_moves:
        measures["bishop_pair"] = pair_kept / pair_moves
    if game.result in ("1-0", "0-1", "1/2-1/2"):
        measures["draw_rate"] = float(game.result == "1/2-1/2")
    return measures


def _measure_many(games: list[tuple[str, SideGame]]) -> list[tuple[str, dict[str, float]]]:
    return [(player, side_measures(game)) for player, game in games]


def player_properties(
    games: Iterable[tuple[str, SideGame]], workers: int = 1, chunk: int = 2_000
) -> dict[str, dict[str, float]]:
    """Mean of each per-game measure per player, with `games` counted per property."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    items = list(games)
    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = [r for part in pool.map(_measure_many, chunks) for r in part]
    else:
        results = [r for part in map(_measure_many, chunks) for r in part]
    for player, measures in results:
        for name, value in measures.items():
            sums[player][name] += value
            counts[player][name] += 1
    return {
        player: {name: total / counts[player][name] for name, total in values.items()}
        for player, values in sums.items()
    }


def percentile_ranks(values: dict[str, float]) -> dict[str, float]:
    """Each player's percentile (0-100) within the population, for the style card."""
    names = list(values)
    array = np.array([values[n] for n in names], dtype=float)
    order = array.argsort().argsort()
    return {
        name: float(100 * rank / max(len(names) - 1, 1))
        for name, rank in zip(names, order, strict=True)
    }


def compute_store_properties(store: GameStore, min_games: int, workers: int = 2) -> int:
    """Measure every player with `min_games` games in the store and save the properties there."""
    sides = [
        (name, SideGame(moves.split(), is_white, result))
        for name, moves, is_white, result in store.player_side_games(min_games)
    ]
    measured = player_properties(sides, workers=workers)
    for name, values in store.record_properties(min_games).items():
        measured.setdefault(name, {}).update(values)
    store.save_properties(measured)
    return len(measured)
