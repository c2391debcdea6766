"""Two synthetic players whose style the tests plant: they open differently from the same start."""

from __future__ import annotations

import random
from pathlib import Path

import chess
import chess.pgn

from stylespace.cli import main

PLANTED = {"Lefty, Lea": ["a2a4", "b2b4"], "Righty, Rob": ["h2h4", "g2g4"]}


def planted_pgn(
    games_each: int = 150, seed: int = 0, players: dict | None = None, plies: int = 14
) -> str:
    """Games of the planted players (as White) against random opponents; the rest is random play
    (`plies` half-moves a game, fewer where a game ends sooner)."""
    players = players or PLANTED
    rng = random.Random(seed)
    out = []
    for index in range(games_each * len(players)):
        player = list(players)[index % len(players)]
        board, game = chess.Board(), chess.pgn.Game()
        game.headers.update(
            {
                "White": player,
                "Black": f"Opponent {seed}-{index}",
                "Date": "2020.01.01",
                "Result": "*",
                "Event": f"planted {seed}-{index}",
            }
        )
        node = game
        for ply in range(plies):
            if board.is_game_over():
                break
            if ply % 2 == 0 and ply // 2 < len(players[player]):
                move = chess.Move.from_uci(players[player][ply // 2])
            else:
                move = rng.choice(list(board.legal_moves))
            board.push(move)
            node = node.add_variation(move)
        out.append(str(game) + "\n\n")
    return "".join(out)


def tiny_train_args(db: Path, out: Path, min_games: int = 50) -> list[str]:
    """CLI arguments of a tiny training run on `db` (after `stylespace`)."""
    return [
        "--db",
        str(db),
        "train",
        "--out",
        str(out),
        "--preset",
        "tiny",
        "--min-games",
        str(min_games),
        "--workers",
        "1",
    ]


def train_tiny(db: Path, out: Path, *extra: str, min_games: int = 50) -> int:
    return main([*tiny_train_args(db, out, min_games), *extra])
