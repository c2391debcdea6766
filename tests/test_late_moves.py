"""The late-move embedding: tokens only from the author's moves after the first 15, and an
embedding of them that names a player whose openings are hidden by how they play later."""

from __future__ import annotations

import random
from dataclasses import replace

import chess
import chess.pgn
import numpy as np

from stylespace.game_embedding import (
    LATE_SETTINGS,
    GameEmbedding,
    player_bags,
    train_token_vectors,
)
from stylespace.game_files import read_game_file
from stylespace.late_moves import LATE_BUCKETS, LATE_FROM_PLY, late_bags
from stylespace.style_model import StyleModel
from stylespace.stylometry import evidence_weights, fused_evidence

HABITS = {"Kingwalker, Kai": chess.KING, "Pawnpusher, Pia": chess.PAWN}


def _late_pgn(tmp_path, seed: int, games_each: int = 12, plies: int = 44):
    """Games whose first 15 moves are random for everybody; from then on each planted player
    (White) moves the piece of their habit whenever they can."""
    rng = random.Random(seed)
    out = []
    for index in range(games_each * len(HABITS)):
        name = list(HABITS)[index % len(HABITS)]
        board, game = chess.Board(), chess.pgn.Game()
        game.headers.update({"White": name, "Black": f"Opponent {seed}-{index}", "Result": "*"})
        node = game
        while board.ply() < plies and not board.is_game_over():
            moves = list(board.legal_moves)
            habit = [m for m in moves if board.piece_type_at(m.from_square) == HABITS[name]]
            late_and_white = board.ply() >= LATE_FROM_PLY and board.turn == chess.WHITE
            move = rng.choice(habit if late_and_white and habit else moves)
            board.push(move)
            node = node.add_variation(move)
        out.append(str(game) + "\n\n")
    path = tmp_path / f"late-{seed}.pgn"
    path.write_text("".join(out))
    return read_game_file(str(path)).games


def test_tokens_come_only_from_the_authors_moves_after_move_15(tmp_path):
    games = _late_pgn(tmp_path, seed=1, games_each=3)
    bags = late_bags(games, "Kingwalker, Kai")
    assert len(bags) == 3 and all(len(bag) for bag in bags)
    assert all(((bag >= 0) & (bag < LATE_BUCKETS)).all() for bag in bags)
    later = late_bags(games, "Kingwalker, Kai", from_ply=40)
    assert all(0 < len(short) < len(bag) for short, bag in zip(later, bags, strict=True))
    short_games = [g for g in games if g.white == "Kingwalker, Kai"]
    truncated = [replace(g, moves=g.moves[:LATE_FROM_PLY]) for g in short_games]
    assert [len(bag) for bag in late_bags(truncated, "Kingwalker, Kai")] == [0, 0, 0]


def test_the_late_embedding_names_the_author_when_the_openings_are_hidden(planted_model, tmp_path):
    model = StyleModel.load(planted_model)
    train_games = _late_pgn(tmp_path, seed=2)
    per_player = [player_bags("late", train_games, name) for name in HABITS]
    tokens = train_token_vectors(per_player, replace(LATE_SETTINGS, steps=60, players_per_batch=8))
    # The planted model's two players stand in for the two habits' owners.
    tasks = dict(
        zip(HABITS, (model.task_id("Lefty, Lea"), model.task_id("Righty, Rob")), strict=True)
    )
    profiles = np.full((len(model.players), tokens.shape[1]), np.nan, np.float32)
    model.embeddings["late"] = GameEmbedding(tokens, profiles)
    for name, bags in zip(HABITS, per_player, strict=True):
        model.embeddings["late"].set_row(tasks[name], bags)

    query_games = _late_pgn(tmp_path, seed=3)
    for author, other in (tuple(HABITS), tuple(reversed(HABITS))):
        query = {"late": late_bags(query_games, author)}
        evidence = fused_evidence(model, model.fingerprint_centre, bags=query)
        assert evidence["late"][tasks[author]] > evidence["late"][tasks[other]]
        assert evidence_weights(evidence)["late"] > evidence_weights(evidence)["structures"]
