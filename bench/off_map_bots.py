"""Players of a very different kind for `bench/off_map_pilot.py`: bots with planted habits.

Each bot plays 200 games against random opponents (`Opponent 0-39`), alternating colours;
80% of its moves follow its habit when it can (random: any legal move; captures: captures and
checks; pawns: pawn moves; queen: queen and king moves; knights: knight moves), the rest are
random. Two families: `bots` ("Bot Random" ... "Bot Knights") open at random like the rest of
their moves; `london` ("London Captures", "London Pawns", "London Knights", "London Queen")
all play one shared setup first (the London System as White, a King's Indian as Black, each
setup move while it is legal and not yet played), then their habit: players who share their
openings and differ in the rest. Written to OUT_DIR as HABIT-enrol.pgn (the first 100 games),
HABIT-q100.pgn (the other 100) and query sets of 20 and 5 games from them (HABIT-q20-K.pgn,
HABIT-q5-K.pgn, K = 0-4):

    .venv/bin/python bench/off_map_bots.py OUT_DIR [bots|london]
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

import chess
import chess.pgn

HABITS = ("random", "captures", "pawns", "queen", "knights")
SETUPS = {
    chess.WHITE: ("d2d4", "c1f4", "e2e3", "g1f3", "c2c3", "f1d3", "b1d2"),  # London System
    chess.BLACK: ("g7g6", "f8g7", "d7d6", "g8f6", "e8g8", "b8d7", "e7e5"),  # King's Indian
}


@dataclass(frozen=True)
class Family:
    """How one family of bots is named and seeded, and whether they open with `SETUPS`."""

    prefix: str
    habits: tuple[str, ...]
    seed: int
    setup: bool
    elo: tuple[str, str]


FAMILIES = {
    "bots": Family("Bot", HABITS, 7, False, ("1200", "1300")),
    "london": Family(
        "London", ("captures", "pawns", "knights", "queen"), 5, True, ("1500", "1500")
    ),
}


HABIT_SHARE = 0.8  # how often a bot follows its habit when a move of that kind is legal
PIECES_OF_HABIT = {
    "pawns": (chess.PAWN,),
    "queen": (chess.QUEEN, chess.KING),
    "knights": (chess.KNIGHT,),
}


def habitual(board: chess.Board, move: chess.Move, habit: str) -> bool:
    if habit == "captures":
        return board.is_capture(move) or board.gives_check(move)
    return board.piece_type_at(move.from_square) in PIECES_OF_HABIT[habit]


def pick(board: chess.Board, habit: str, rng: random.Random) -> chess.Move:
    """The bot's move: one of its habit's (at HABIT_SHARE), else any legal move."""
    moves = list(board.legal_moves)
    if habit == "random":
        return rng.choice(moves)
    liked = [move for move in moves if habitual(board, move, habit)]
    return rng.choice(liked if liked and rng.random() < HABIT_SHARE else moves)


def setup_move(board: chess.Board, setup: tuple[str, ...]) -> chess.Move | None:
    """The setup's first move that is legal here and not yet played in the game."""
    played = {move.uci() for move in board.move_stack}
    for uci in setup:
        move = chess.Move.from_uci(uci)
        if move in board.legal_moves and uci not in played:
            return move
    return None


def game(name: str, habit: str, index: int, rng: random.Random, family: Family) -> chess.pgn.Game:
    """One game of the bot (White in even games) against a random mover, 50-119 plies long."""
    board = chess.Board()
    white = index % 2 == 0
    opponent = f"Opponent {rng.randrange(40)}"
    played = chess.pgn.Game()
    played.headers.update(
        Event=family.prefix.lower() if family.setup else "bots",
        Site="here",
        Date="2024.01.01" if family.setup else f"2024.01.{1 + index % 28:02d}",
        Round=str(index),
        White=name if white else opponent,
        Black=opponent if white else name,
        WhiteElo=family.elo[0],
        BlackElo=family.elo[1],
    )
    node = played
    own_moves = 0
    for _ in range(rng.randrange(50, 120)):
        if board.is_game_over():
            break
        if (board.turn == chess.WHITE) == white:
            setup = SETUPS[board.turn] if family.setup else ()
            move = setup_move(board, setup) if own_moves < len(setup) else None
            move = move or pick(board, habit, rng)
            own_moves += 1
        else:
            move = pick(board, "random", rng)
        board.push(move)
        node = node.add_variation(move)
    over = board.is_game_over()
    played.headers["Result"] = board.result(claim_draw=True) if over else "1/2-1/2"
    return played


def write_pgn(path: Path, games: list[chess.pgn.Game]) -> None:
    path.write_text("".join(f"{game}\n\n" for game in games))


def write_bots(out: Path, family: Family) -> None:
    rng = random.Random(family.seed)
    out.mkdir(parents=True, exist_ok=True)
    for habit in family.habits:
        name = f"{family.prefix} {habit.title()}"
        games = [game(name, habit, i, rng, family) for i in range(200)]
        write_pgn(out / f"{habit}-enrol.pgn", games[:100])
        write_pgn(out / f"{habit}-q100.pgn", games[100:])
        for k in range(5):
            write_pgn(out / f"{habit}-q20-{k}.pgn", games[100 + 20 * k : 120 + 20 * k])
            write_pgn(out / f"{habit}-q5-{k}.pgn", games[100 + 5 * k : 105 + 5 * k])


if __name__ == "__main__":
    write_bots(Path(sys.argv[1]), FAMILIES[sys.argv[2] if len(sys.argv) > 2 else "bots"])
