"""Steering moves a planted property in the intended direction, and the benchmark says so."""

from __future__ import annotations

import json

import chess
import pytest
import torch
from planted import planted_pgn, train_tiny

from stylespace.cli import main
from stylespace.steering import interpolate, load_directions, steer
from stylespace.style_model import StyleModel

OPENERS = {
    **{f"King Pawn {i}": ["e2e4", "g1f3"] for i in range(5)},
    **{f"Queen Pawn {i}": ["d2d4", "c2c4"] for i in range(5)},
}


@pytest.fixture(scope="module")
def steering_model(tmp_path_factory):
    root = tmp_path_factory.mktemp("steer")
    (root / "games.pgn").write_text(planted_pgn(games_each=60, seed=8, players=OPENERS))
    db = root / "store.duckdb"
    assert main(["--db", str(db), "ingest", str(root / "games.pgn")]) == 0
    out = root / "model"
    assert train_tiny(db, out, "--base-steps", "300", "--style-steps", "400", min_games=30) == 0
    assert (
        main(["--db", str(db), "properties", "--compute", "--min-games", "30", "--workers", "1"])
        == 0
    )
    return db, out


def _p_e4(model: StyleModel, vector: torch.Tensor) -> float:
    return next(
        m.probability
        for m in model.predict(chess.Board(), style=vector, top_k=20)
        if m.uci == "e2e4"
    )


def test_the_benchmark_measures_every_property_and_saves_the_passing_directions(
    steering_model, capsys
):
    db, out = steering_model
    capsys.readouterr()
    code = main(
        [
            "--db",
            str(db),
            "bench",
            "steering",
            "--model",
            str(out),
            "--players",
            "4",
            "--positions",
            "64",
            "--save",
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    e4 = report["properties"]["e4_share"]
    assert e4["strengths"] == [-1.0, -0.5, 0.0, 0.5, 1.0] and len(e4["per_player"]) == 4
    assert set(load_directions(out)) == set(report["passed"])
    saved = json.loads((out / "steering.json").read_text())
    assert {prop for prop, row in saved.items() if row["passes"]} == set(report["passed"])


def test_steering_a_queen_pawn_player_toward_e4_raises_e4_step_by_step(steering_model, capsys):
    db, out = steering_model
    bench = ["--db", str(db), "bench", "steering", "--model", str(out), "--players", "4"]
    assert main([*bench, "--positions", "64", "--save"]) == 0
    model = StyleModel.load(out)
    directions = load_directions(out, passing_only=False)
    player = model.style_vector("Queen Pawn 0")
    chances = [_p_e4(model, steer(player, {"e4_share": s}, directions)) for s in (0.0, 1.0, 2.0)]
    assert chances == sorted(chances) and chances[-1] > chances[0] + 0.3
    with pytest.raises(KeyError):
        steer(player, {"no_such_property": 1.0}, directions)

    passing = sorted(load_directions(out))
    assert passing, "some planted property must steer"
    capsys.readouterr()
    steer_cli = ["steer", "--model", str(out), "--player", "Queen Pawn 0", "--set"]
    assert main([*steer_cli, f"{passing[0]}=1", "--json"]) == 0
    steered = json.loads(capsys.readouterr().out)
    assert steered["strengths"] == {passing[0]: 1.0} and len(steered["moves"]) == 5
    assert main([*steer_cli, "nonsense=1"]) == 2
    assert "no steering direction for 'nonsense'" in capsys.readouterr().err


def test_a_mix_of_two_players_plays_in_between(steering_model):
    _, out = steering_model
    model = StyleModel.load(out)
    king, queen = model.style_vector("King Pawn 0"), model.style_vector("Queen Pawn 0")
    chances = [_p_e4(model, interpolate(queen, king, w)) for w in (0.0, 0.5, 1.0)]
    assert chances[0] < chances[1] < chances[2]


def test_the_interpolation_benchmark_shows_a_mix_leaning_step_by_step_toward_its_second_player(
    steering_model, capsys
):
    db, out = steering_model
    capsys.readouterr()
    bench = ["--db", str(db), "bench", "interpolation", "--model", str(out)]
    pair = ["--pair", "Queen Pawn 0", "King Pawn 0", "--positions", "300", "--json"]
    assert main([*bench, *pair]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["weights"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    (row,) = report["pairs"]
    assert (row["first"]["player"], row["second"]["player"]) == ("Queen Pawn 0", "King Pawn 0")
    queen_moves, king_moves = row["first"]["log_likelihood"], row["second"]["log_likelihood"]
    assert queen_moves == sorted(queen_moves, reverse=True) and king_moves == sorted(king_moves)
    assert row["in_between"] and report["passes"]

    assert main([*bench, "--pair", "Queen Pawn 0", "Nobody"]) == 2
    assert "'Nobody' is not a player of this model" in capsys.readouterr().err
    assert main(bench) == 2  # the planted players have no Elo to pair them by
    assert "no two trained players have a mean Elo" in capsys.readouterr().err
