"""A model says when it is shown games it was built from: `identify` and `eval --games` count
them, since a model's tables already hold such games and its results on them flatter it."""

from __future__ import annotations

import json
import shutil

from planted import PLANTED, planted_pgn

from stylespace.cli import main
from stylespace.game_files import read_game_file
from stylespace.known_games import MIN_PLIES, KnownGames, moves_hash


def _games(tmp_path, name: str, seed: int, plies: int = 40):
    path = tmp_path / name
    path.write_text(planted_pgn(games_each=6, seed=seed, players=PLANTED, plies=plies))
    return path, read_game_file(str(path)).games


def test_the_known_games_survive_saving_and_only_long_games_count(tmp_path):
    _, built_from = _games(tmp_path, "built.pgn", seed=1)
    _, new = _games(tmp_path, "new.pgn", seed=2)
    _, short = _games(tmp_path, "short.pgn", seed=1, plies=MIN_PLIES - 2)
    known = KnownGames.of_move_lists(g.moves for g in built_from)
    known.save(tmp_path)
    loaded = KnownGames.load(tmp_path)
    assert loaded is not None and list(loaded.hashes) == sorted(
        {moves_hash(g.moves) for g in built_from}
    )
    assert loaded.count_known(built_from) == len(built_from) == 12
    assert loaded.count_known(new) == 0
    assert loaded.count_known(built_from[:3] + new) == 3
    assert KnownGames.of_move_lists(g.moves for g in short).count_known(short) == 0  # too short
    assert KnownGames.load(tmp_path / "elsewhere") is None  # a model from before


def test_identify_and_eval_say_how_many_games_the_model_was_built_from(
    planted_model, tmp_path, capsys
):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    built_path, built_from = _games(tmp_path, "built.pgn", seed=3)
    new_path, _ = _games(tmp_path, "new.pgn", seed=4)
    KnownGames.of_move_lists(g.moves for g in built_from).save(model_dir)
    identify = ["identify", "--model", str(model_dir), "--as", "Lefty, Lea", "--json", "--games"]

    capsys.readouterr()
    assert main([*identify, str(built_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["known_games"] == 12  # both players' games: the file holds them all
    assert result["known_games_note"].startswith("all games are among those this model was built")

    assert main([*identify, str(new_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["known_games"] == 0 and result["known_games_note"] is None

    evaluate = ["eval", "--model", str(model_dir), "--games", str(built_path)]
    assert main(evaluate) == 0
    assert "known games: all games are among those this model was built from" in (
        capsys.readouterr().out
    )
