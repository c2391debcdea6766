"""`enroll --every-player`: everyone with enough games in a file is enrolled, each saved in turn,
and a rerun after a stop goes on where it was."""

from __future__ import annotations

import json
import shutil

import pytest
from planted import PLANTED, planted_pgn

from stylespace.cli import main
from stylespace.style_model import StyleModel

NEWCOMERS = {"Corner, Cora": ["a2a3", "h2h3"], "Centre, Cid": ["e2e3", "d2d3"]}


def _enrol(capsys, *args: str) -> tuple[int, dict | str]:
    capsys.readouterr()
    code = main(["enroll", *args])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code == 0 and "--json" in args else captured.err


def test_every_player_with_enough_games_is_enrolled_and_a_rerun_skips_them(
    planted_model, tmp_path, capsys
):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    games = tmp_path / "club.pgn"
    games.write_text(
        planted_pgn(games_each=12, seed=41, players=NEWCOMERS)
        + planted_pgn(games_each=12, seed=42, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    every = ["--model", str(model_dir), "--games", str(games), "--every-player", "--json"]

    code, result = _enrol(capsys, *every, "--min-games", "10")
    assert code == 0
    assert sorted(r["player"] for r in result["enrolled"]) == sorted(NEWCOMERS)
    assert all(r["games"] == 12 for r in result["enrolled"])
    assert result["trained"] == ["Lefty, Lea"]  # known from far more games: left as trained
    assert result["too_few_games"] == 36  # each opponent plays one game
    model = StyleModel.load(model_dir)
    for name in NEWCOMERS:  # measured from their games, as the store measures trained players
        player = model.players[model.task_id(name)]
        assert player["enrolled"] and player["first_year"] == player["last_year"] == "2020"
        assert player["properties"] == {}  # 12 games: too few to rank anyone by (20 and more)

    code, again = _enrol(capsys, *every, "--min-games", "10")  # as after a stop: goes on
    assert code == 0 and again["enrolled"] == []
    assert sorted(again["already_enrolled"]) == sorted(NEWCOMERS)


def test_every_player_leaves_out_the_opted_out_without_naming_them(planted_model, tmp_path, capsys):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    games = tmp_path / "club.pgn"
    games.write_text(planted_pgn(games_each=12, seed=43, players=NEWCOMERS))
    opt_out = tmp_path / "opt-out.txt"
    opt_out.write_text("corner, cora\n")
    every = ["--model", str(model_dir), "--games", str(games), "--every-player"]

    code, result = _enrol(capsys, *every, "--min-games", "10", "--opt-out", str(opt_out), "--json")
    assert code == 0
    assert [r["player"] for r in result["enrolled"]] == ["Centre, Cid"]
    assert result["opted_out"] == 1 and "Corner" not in json.dumps(result)
    assert "Corner, Cora" not in StyleModel.load(model_dir).player_names()


def test_every_player_explains_when_nobody_qualifies_and_refuses_a_label(
    planted_model, tmp_path, capsys
):
    games = tmp_path / "club.pgn"
    games.write_text(planted_pgn(games_each=12, seed=44, players=NEWCOMERS))
    every = ["--model", str(planted_model), "--games", str(games), "--every-player"]

    code, message = _enrol(capsys, *every)  # 12 games each, 50 by default
    assert code == 2
    assert "nobody in these games is enrolled; left out: 26 with fewer than 50 games" in message
    code, message = _enrol(capsys, *every, "--label", "Club")
    assert code == 2 and "--label names one player" in message
    with pytest.raises(SystemExit) as stopped:  # argparse: one or the other
        main(["enroll", "--model", str(planted_model), "--games", str(games)])
    assert stopped.value.code == 2
    assert "one of the arguments --as --every-player is required" in capsys.readouterr().err


def test_a_stopped_run_keeps_the_players_saved_before_the_stop(planted_model, tmp_path):
    from stylespace.batch_enrolment import enrol_every_player, plan_enrolment
    from stylespace.game_files import read_game_file

    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    games = tmp_path / "club.pgn"
    games.write_text(planted_pgn(games_each=12, seed=45, players=NEWCOMERS))
    found = read_game_file(str(games)).games
    model = StyleModel.load(model_dir)
    plan = plan_enrolment(model, found, min_games=10)

    def stop_after_the_first(result: dict) -> None:
        raise KeyboardInterrupt  # as if the machine went away

    with pytest.raises(KeyboardInterrupt):
        enrol_every_player(
            model, model_dir, found, plan, on_enrolled=stop_after_the_first, save_every_seconds=0
        )
    (first, _), (second, games_of_second) = plan.to_enrol
    saved = StyleModel.load(model_dir)
    assert first in saved.player_names() and second not in saved.player_names()
    rerun = plan_enrolment(saved, found, min_games=10)  # goes on with the one left
    assert rerun.already_enrolled == [first] and rerun.to_enrol == [(second, games_of_second)]
