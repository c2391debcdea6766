"""Small, real PGN games written by the tests themselves (random legal play with python-chess)."""

from __future__ import annotations

import random

import chess
import chess.pgn


def random_game_pgn(
    seed: int,
    white: str = "Alpha, Ann",
    black: str = "Beta, Bob",
    plies: int = 40,
    date: str = "2001.02.03",
    white_elo: int | None = 2400,
    black_elo: int | None = 2350,
) -> str:
    """A legal game of random moves, exported as PGN with a proper result."""
    rng = random.Random(seed)
    board = chess.Board()
    game = chess.pgn.Game()
    game.headers.update(
        {
            "Event": f"Test {seed}",
            "Site": "Here",
            "Date": date,
            "Round": "1",
            "White": white,
            "Black": black,
            "ECO": "A00",
        }
    )
    if white_elo is not None:
        game.headers["WhiteElo"] = str(white_elo)
    if black_elo is not None:
        game.headers["BlackElo"] = str(black_elo)
    node = game
    for _ in range(plies):
        moves = list(board.legal_moves)
        if not moves:
            break
        move = rng.choice(moves)
        board.push(move)
        node = node.add_variation(move)
    result = (
        board.result(claim_draw=False)
        if board.is_game_over()
        else rng.choice(["1-0", "0-1", "1/2-1/2"])
    )
    game.headers["Result"] = result
    return str(game) + "\n\n"


def uci_moves(pgn: str) -> list[str]:
    import io

    game = chess.pgn.read_game(io.StringIO(pgn))
    assert game is not None
    return [move.uci() for move in game.mainline_moves()]


def many_games(count: int, start_seed: int = 0, **kwargs) -> list[str]:
    players = ["Alpha, Ann", "Beta, Bob", "Gamma, Gus", "Delta, Dora", "Epsilon, Eve"]
    games = []
    for i in range(count):
        seed = start_seed + i
        white, black = players[seed % 5], players[(seed + 1 + seed // 5) % 5]
        if white == black:
            black = players[(seed + 2) % 5]
        games.append(random_game_pgn(seed, white=white, black=black, **kwargs))
    return games
