"""Steering moves a planted property in the intended direction, and the benchmark says so."""

from __future__ import annotations

import json

import chess
import numpy as np
import pytest
import torch
from planted import planted_pgn, train_tiny

from stylespace.cli import main
from stylespace.steering import (
    PositionSet,
    _farthest_reach,
    clearing_weights,
    holding_first_move,
    interpolate,
    load_directions,
    ridge_directions,
    steer,
    steering_directions,
)
from stylespace.store import GameStore
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


def test_each_direction_is_the_delta_or_the_ridge_probe_at_the_farthest_reach_within_budget(
    steering_model, capsys
):
    db, out = steering_model
    capsys.readouterr()
    bench = ["--db", str(db), "bench", "steering", "--model", str(out), "--players", "4"]
    reaches = ["--positions", "64", "--multipliers", "0.25", "0.5", "1", "--budget", "0.5"]
    assert main([*bench, *reaches, "--save", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["properties"]
    passing = {prop: row for prop, row in rows.items() if row["passes"]}
    assert passing and set(load_directions(out)) == set(passing)
    model = StyleModel.load(out)
    with GameStore(db, read_only=True) as store:
        deltas = steering_directions(model, store.properties())
    for prop, row in passing.items():
        assert row["direction"] in ("delta", "ridge") and row["multiplier"] in (0.25, 0.5, 1)
        assert row["move_change"] <= 0.5 or row["multiplier"] == 0.25
        assert set(row["alternatives"]) == {"delta", "ridge"}
        chosen = row["alternatives"][row["direction"]]
        assert all(
            chosen["reach"] >= other["reach"]
            for other in row["alternatives"].values()
            if other["passes"]
        )
        saved = load_directions(out)[prop]  # both kinds have the delta's length
        assert float(saved.norm()) == pytest.approx(
            row["multiplier"] * float(deltas[prop].norm()), rel=1e-4
        )


def test_the_ridge_probe_points_where_the_property_rises_at_the_deltas_length(steering_model):
    db, out = steering_model
    model = StyleModel.load(out)
    with GameStore(db, read_only=True) as store:
        properties = store.properties()
    deltas = steering_directions(model, properties)
    probe = ridge_directions(model, properties, deltas)["e4_share"]
    assert float(probe.norm()) == pytest.approx(float(deltas["e4_share"].norm()), rel=1e-4)
    assert torch.nn.functional.cosine_similarity(probe, deltas["e4_share"], dim=0) > 0.3
    queen = model.style_vector("Queen Pawn 0")
    assert _p_e4(model, queen + 4 * probe) > _p_e4(model, queen) + 0.1


def test_a_direction_is_cleared_by_the_first_move_directions_that_pull_as_it_does():
    pulls = np.array([[0.30, -0.05], [-0.10, 0.25]])  # the 1.e4 and 1.d4 shares' slopes
    pull = np.array([0.12, 0.02])  # a castling direction's pull on them
    weights = clearing_weights(pulls, pull)
    assert np.allclose(pulls @ weights, pull)  # subtracting the mix leaves no pull, to first order


def test_first_move_directions_that_pull_alike_are_mixed_with_the_smallest_weights():
    # Players who open either 1.e4 or 1.d4 make one direction the other reversed: a singular
    # system, whose exact solution (weights in the millions that cancel) is rounding noise
    first = np.array([-0.0123, 0.0880])
    pull = np.array([0.305, -0.242])
    for tilt in (0.0, 1e-8, -1e-8):  # rounding apart, as two machines' runs differ
        pulls = np.stack([first, -first * (1 + tilt)], axis=1)
        weights = clearing_weights(pulls, pull)
        assert np.abs(weights).max() < 5
        assert np.allclose(weights, clearing_weights(np.stack([first, -first], axis=1), pull))
        residual = pull - pulls @ weights
        assert abs(residual @ first) < 1e-6  # what the two can cancel together is cancelled


def test_holding_the_first_move_keeps_its_own_directions_and_every_length(steering_model):
    db, out = steering_model
    model = StyleModel.load(out)
    with GameStore(db, read_only=True) as store:
        properties = store.properties()
        positions = PositionSet.from_games(store.played_games(["val", "test"]), size=64, seed=0)
    deltas = steering_directions(model, properties)
    players = ["Queen Pawn 0", "King Pawn 0", "Queen Pawn 1", "King Pawn 1"]
    held = holding_first_move(model, positions, deltas, players)
    assert all(torch.equal(held[p], deltas[p]) for p in ("e4_share", "d4_share"))
    for prop, direction in held.items():
        assert torch.isfinite(direction).all()
        assert float(direction.norm()) == pytest.approx(float(deltas[prop].norm()), rel=1e-4)


def _sweep_row(mean_at: dict[float, float], change_at: dict[float, float]) -> dict:
    strengths = sorted(mean_at)
    return {
        "strengths": strengths,
        "mean": [mean_at[s] for s in strengths],
        "per_player": {"A": [mean_at[s] for s in strengths]},
        "move_change": [change_at[s] for s in strengths],
        "side_effects": {"e4_share": [0.5 + 0.001 * s for s in strengths]},
    }


def test_the_reach_stops_where_the_curve_dips_flattens_or_the_moves_change_past_the_budget():
    strengths = (-4.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0)
    rising = {s: 0.5 + 0.01 * s for s in strengths}
    change = {s: 0.001 * abs(s) for s in strengths}
    multipliers = (1.0, 2.0, 4.0)
    assert _farthest_reach(_sweep_row(rising, change), multipliers, 0.01, 0.05)[0] == 4.0
    assert _farthest_reach(_sweep_row(rising, change), multipliers, 0.003, 0.05)[0] == 2.0
    dips = {**rising, 4.0: 0.45}
    multiplier, row = _farthest_reach(_sweep_row(dips, change), multipliers, 0.01, 0.05)
    assert multiplier == 2.0 and row["passes"] and row["strengths"] == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert row["mean"] == [rising[s] for s in (-2.0, -1.0, 0.0, 1.0, 2.0)]
    saturating = {s: 0.5 + 0.01 * max(-2.0, min(2.0, s)) for s in strengths}
    assert _farthest_reach(_sweep_row(saturating, change), multipliers, 0.01, 0.05)[0] == 2.0
    # the first move's share moves 0.004 from -2 to 2 and 0.008 from -4 to 4
    assert _farthest_reach(_sweep_row(rising, change), multipliers, 0.01, 0.05, 0.006)[0] == 2.0
    assert _farthest_reach(_sweep_row(rising, change), multipliers, 0.01, 0.05, None)[0] == 4.0
    falling = {s: 0.5 - 0.01 * s for s in strengths}
    multiplier, row = _farthest_reach(_sweep_row(falling, change), multipliers, 0.01, 0.05)
    assert multiplier == 1.0 and not row["passes"]


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
