"""The learned game embedding: trained with the model, it tells planted players apart from games
it never saw, profiles new players at enrolment, and a model without it still identifies."""

from __future__ import annotations

import json
import shutil

import numpy as np
from planted import PLANTED, planted_pgn

from stylespace.cli import main
from stylespace.fused import fused_evidence
from stylespace.game_embedding import EmbeddingSettings, game_bags, train_token_vectors
from stylespace.game_files import read_game_file
from stylespace.openings import game_repertoires
from stylespace.style_model import StyleModel
from stylespace.stylometry import enroll


def _games(tmp_path, name: str, like: str, seed: int, games_each: int = 10):
    path = tmp_path / f"{name}-{seed}.pgn"
    path.write_text(planted_pgn(games_each=games_each, seed=seed, players={name: PLANTED[like]}))
    return read_game_file(str(path)).games


def _bags(games, name: str) -> list[np.ndarray]:
    return game_bags(game_repertoires(games, name))


def test_token_vectors_learn_which_tokens_go_together():
    rng = np.random.default_rng(0)
    players = [[rng.choice(np.arange(lo, lo + 50), 20) for _ in range(30)] for lo in (0, 1000)]
    tokens = train_token_vectors(players, EmbeddingSettings(steps=100, players_per_batch=8))
    first, second = (tokens[lo : lo + 50].mean(0) for lo in (0, 1000))
    within = torch_cosine(tokens[0], tokens[1:50].mean(0))
    across = torch_cosine(tokens[0], second)
    assert within > across and torch_cosine(first, second) < 0.5


def torch_cosine(a, b) -> float:
    return float((a @ b) / (a.norm() * b.norm()))


def test_train_profiles_every_player_and_the_embedding_names_the_author(planted_model, tmp_path):
    model = StyleModel.load(planted_model)
    assert model.game_embedding is not None and model.game_embedding.known.all()
    lefty, righty = model.task_id("Lefty, Lea"), model.task_id("Righty, Rob")
    for name, like, author, other in (
        ("Lea", "Lefty, Lea", lefty, righty),
        ("Rob", "Righty, Rob", righty, lefty),
    ):
        games = _games(tmp_path, name, like, seed=5)
        per_game = game_repertoires(games, name)
        evidence = fused_evidence(
            model,
            model.fingerprint_centre,
            np.concatenate([g.openings for g in per_game]),
            games=game_bags(per_game),
        )
        assert evidence["embedding"][author] > evidence["embedding"][other]


def test_enrolment_adds_a_profile_that_survives_saving(planted_model, tmp_path):
    model = StyleModel.load(planted_model)
    enroll(model, _games(tmp_path, "Nia", "Righty, Rob", seed=12), "Nia")
    model.save_player_table(tmp_path)
    for name in ("config.json", "base.safetensors", "skills.safetensors"):
        shutil.copy(planted_model / name, tmp_path)
    shutil.copy(planted_model / "game_embedding.safetensors", tmp_path)
    again = StyleModel.load(tmp_path)
    nia = again.task_id("Nia")
    assert again.game_embedding.known.all() and not again.trained_mask()[nia]
    query = _bags(_games(tmp_path, "Nia", "Righty, Rob", seed=13), "Nia")
    scores = again.game_embedding.scores(query, again.trained_mask())
    assert scores[nia] > scores[again.task_id("Lefty, Lea")]


def test_a_model_without_the_embedding_identifies_from_the_rest(planted_model, tmp_path, capsys):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    (model_dir / "game_embedding.safetensors").unlink()  # a model from before the embedding
    query = tmp_path / "lea.pgn"
    query.write_text(planted_pgn(games_each=10, seed=5, players={"Lea": PLANTED["Lefty, Lea"]}))
    capsys.readouterr()
    args = ["identify", "--model", str(model_dir), "--games", str(query), "--json"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["candidates"][0]["player"] == "Lefty, Lea"
    assert "embedding" not in result["candidates"][0]["evidence"]


def test_the_game_embedding_command_restores_it(planted_model, planted_store, tmp_path, capsys):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    (model_dir / "game_embedding.safetensors").unlink()
    capsys.readouterr()
    args = ["--db", str(planted_store), "game-embedding", "--model", str(model_dir)]
    assert main([*args, "--steps", "50", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["players"] == 2 and result["steps"] == 50 and result["games"] > 0
    restored = StyleModel.load(model_dir).game_embedding
    assert restored is not None and restored.known.all()
