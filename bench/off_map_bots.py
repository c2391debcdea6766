"""Players of a very different kind for `bench/off_map_pilot.py`: five bots with planted habits.

Each bot plays 200 games against random opponents (`Opponent 0-39`), alternating colours;
80% of its moves follow its habit when it can (random: any legal move; captures: captures and
checks; pawns: pawn moves; queen: queen and king moves; knights: knight moves), the rest are
random. Written to OUT_DIR as HABIT-enrol.pgn (the first 100 games), HABIT-q100.pgn (the other
100) and query sets of 20 and 5 games from them (HABIT-q20-K.pgn, HABIT-q5-K.pgn, K = 0-4):

    .venv/bin/python bench/off_map_bots.py OUT_DIR
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import chess
import chess.pgn

HABITS = ("random", "captures", "pawns", "queen", "knights")


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


def game(name: str, habit: str, index: int, rng: random.Random) -> chess.pgn.Game:
    """One game of the bot (White in even games) against a random mover, 50-119 plies long."""
    board = chess.Board()
    white = index % 2 == 0
    opponent = f"Opponent {rng.randrange(40)}"
    played = chess.pgn.Game()
    played.headers.update(
        Event="bots",
        Site="here",
        Date=f"2024.01.{1 + index % 28:02d}",
        Round=str(index),
        White=name if white else opponent,
        Black=opponent if white else name,
        WhiteElo="1200",
        BlackElo="1300",
    )
    node = played
    for _ in range(rng.randrange(50, 120)):
        if board.is_game_over():
            break
        bots_turn = (board.turn == chess.WHITE) == white
        move = pick(board, habit if bots_turn else "random", rng)
        board.push(move)
        node = node.add_variation(move)
    over = board.is_game_over()
    played.headers["Result"] = board.result(claim_draw=True) if over else "1/2-1/2"
    return played


def write_pgn(path: Path, games: list[chess.pgn.Game]) -> None:
    path.write_text("".join(f"{game}\n\n" for game in games))


def write_bots(out: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for habit in HABITS:
        name = f"Bot {habit.title()}"
        games = [game(name, habit, i, rng) for i in range(200)]
        write_pgn(out / f"{habit}-enrol.pgn", games[:100])
        write_pgn(out / f"{habit}-q100.pgn", games[100:])
        for k in range(5):
            write_pgn(out / f"{habit}-q20-{k}.pgn", games[100 + 20 * k : 120 + 20 * k])
            write_pgn(out / f"{habit}-q5-{k}.pgn", games[100 + 5 * k : 105 + 5 * k])


if __name__ == "__main__":
    write_bots(Path(sys.argv[1]))
