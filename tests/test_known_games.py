"""A model says when it is shown games it was built from: `identify` and `eval --games` count
them, since a model's tables already hold such games and its results on them flatter it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from pgn_factory import uci_moves
from planted import PLANTED, planted_pgn

from stylespace.cli import main
from stylespace.game_files import read_game_file
from stylespace.known_games import (
    ENROLLED_FROM,
    ENROLLED_FROM_PLY,
    MIN_PLIES,
    NOBODY,
    KnownGames,
    enrolment_record,
    moves_hash,
)
from stylespace.openings import repertoire_tokens
from stylespace.store import GameStore


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


def test_each_known_game_keeps_which_trained_players_tables_hold_its_sides(tmp_path):
    _, played = _games(tmp_path, "built.pgn", seed=5)  # Lea and Rob as White, strangers as Black
    lea, rob = played[0].white, played[1].white
    task = {lea: 0, rob: 1}
    KnownGames.of_sides((g.moves, task[g.white], NOBODY) for g in played).save(tmp_path)
    known = KnownGames.load(tmp_path)
    assert known is not None and sorted(known.holders[:, 0]) == [0] * 6 + [1] * 6
    assert (known.holders[:, 1] == NOBODY).all()

    query = played[:5]  # Lea's three and Rob's two, of which Lea's are the author's
    left_out = known.left_out(query, lea)
    assert left_out.games == 3 and list(left_out.tokens) == [0]
    lea_games = [g for g in query if g.white == lea]
    expected = repertoire_tokens(lea_games, lea)
    for kind in ("openings", "deep_lines", "structures"):
        assert np.array_equal(np.sort(left_out.of(kind)[0]), np.sort(getattr(expected, kind)))
    assert known.left_out(query, played[0].black).games == 0  # a stranger's side: no table's

    KnownGames.of_move_lists(g.moves for g in played).save(tmp_path)  # hashes only, as before
    before = KnownGames.load(tmp_path)
    assert not before.keeps_holders and before.left_out(query, lea).games == 0


def test_an_enrolment_record_keeps_the_authors_long_games_by_the_side_they_played(tmp_path):
    _, played = _games(tmp_path, "built.pgn", seed=6)
    lea = played[0].white
    own = [g for g in played if g.white == lea]  # six, as White
    _, short = _games(tmp_path, "short.pgn", seed=6, plies=MIN_PLIES - 2)
    record = {"task_id": 7, **enrolment_record(own + short, lea)}
    nothing_trained = KnownGames(np.zeros(0, np.uint32), np.zeros((0, 2), np.int16))
    assert nothing_trained.count_known(own + short, [record]) == 6
    left_out = nothing_trained.left_out(own[:2], lea, [record])
    assert left_out.games == 2 and list(left_out.tokens) == [7]
    opponent = own[0].black  # the same games, the other side: not what the record counted
    assert nothing_trained.left_out(own[:1], opponent, [record]).games == 0
    assert nothing_trained.left_out(own[:2], lea, []).games == 0


def _one_text_a_game(pgn: str) -> list[str]:
    return [f"[Event {game}" for game in pgn.split("[Event ")[1:]]


def _store_of(tmp_path, name: str, games: list[str]):
    path = tmp_path / f"{name}.pgn"
    path.write_text("".join(games))
    db = tmp_path / f"{name}.duckdb"
    assert main(["--db", str(db), "ingest", str(path)]) == 0
    return db


def test_identify_and_eval_read_games_the_tables_counted_as_if_they_had_never_seen_them(
    planted_model, tmp_path, capsys
):
    games = _one_text_a_game(planted_pgn(games_each=40, seed=7, plies=40))
    lea = "Lefty, Lea"
    with GameStore(_store_of(tmp_path, "all", games), read_only=True) as store:
        train = {" ".join(g.moves) for g in store.games_by_player(["train"], [lea])[lea]}
    query = [g for g in games if " ".join(uci_moves(g)) in train][:8]
    assert len(query) == 8
    (tmp_path / "query.pgn").write_text("".join(query))
    unseen = _store_of(tmp_path, "without", [g for g in games if g not in query])

    def model_from(db, name: str):
        directory = tmp_path / name
        shutil.copytree(planted_model, directory)
        assert main(["--db", str(db), "repertoires", "--model", str(directory)]) == 0
        return directory

    counted, never = model_from(tmp_path / "all.duckdb", "counted"), model_from(unseen, "never")

    def ranking(directory) -> dict:
        capsys.readouterr()
        identify = ["identify", "--model", str(directory), "--games", str(tmp_path / "query.pgn")]
        assert main([*identify, "--as", lea, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    def evaluation(directory) -> dict:
        capsys.readouterr()
        evaluate = ["eval", "--model", str(directory), "--games", str(tmp_path / "query.pgn")]
        assert main([*evaluate, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    as_new, new = ranking(counted), ranking(never)
    moves_as_new, new_moves = evaluation(counted), evaluation(never)
    assert moves_as_new["known_games_scored_as_new"] == 8
    for figure in ("base_top1", "style_top1", "base_top3", "style_top3"):
        assert moves_as_new[figure] == new_moves[figure]
    assert as_new["known_games"] == as_new["known_games_scored_as_new"] == 8
    assert as_new["known_games_note"].startswith("all games are among those this model was built")
    assert "scored them as new games" in as_new["known_games_note"]
    assert new["known_games"] == 0 and new["known_games_note"] is None
    assert [fit["known"] for fit in as_new["game_fits"]] == [True] * 8  # marked game by game
    assert not any(fit["known"] for fit in new["game_fits"])
    for left, right in zip(as_new["candidates"], new["candidates"], strict=True):
        assert left["player"] == right["player"]
        assert left["evidence"] == pytest.approx(right["evidence"], abs=1e-4)

    asked = read_game_file(str(tmp_path / "query.pgn")).games
    KnownGames.of_move_lists(g.moves for g in asked).save(counted)  # no holders: counted as is
    flattered = ranking(counted)
    assert flattered["known_games_scored_as_new"] is None  # a file from before: it cannot tell
    assert "its tables already count these very games" in flattered["known_games_note"]
    mine = {c["player"]: c["evidence"]["openings"] for c in flattered["candidates"]}
    before = {c["player"]: c["evidence"]["openings"] for c in new["candidates"]}
    assert mine[lea] > before[lea]
    assert evaluation(counted)["style_top1"] > new_moves["style_top1"]  # the books knew them


def test_games_a_player_was_enrolled_from_are_scored_as_new_when_shown_again(
    planted_model, tmp_path, capsys
):
    nia = "Newcomer, Nia"
    games = _one_text_a_game(
        planted_pgn(games_each=12, seed=9, players={nia: ["c2c4", "b1c3"]}, plies=40)
    )
    (tmp_path / "all.pgn").write_text("".join(games))
    (tmp_path / "shown.pgn").write_text("".join(games[:6]))
    (tmp_path / "rest.pgn").write_text("".join(games[6:]))

    def enrolled_from(pgn: str, name: str):
        directory = tmp_path / name
        shutil.copytree(planted_model, directory)
        enroll = ["enroll", "--model", str(directory), "--as", nia, "--games"]
        assert main([*enroll, str(tmp_path / pgn)]) == 0
        return directory

    counted, never = enrolled_from("all.pgn", "counted"), enrolled_from("rest.pgn", "never")
    record = next(p for p in json.loads((counted / "players.json").read_text()) if p["name"] == nia)
    assert set(record[ENROLLED_FROM]) == {"white", "black"}
    assert record[ENROLLED_FROM_PLY] == 0

    def openings(directory) -> tuple[dict, dict]:
        capsys.readouterr()
        identify = ["identify", "--model", str(directory), "--json", "--games"]
        assert main([*identify, str(tmp_path / "shown.pgn")]) == 0
        found = json.loads(capsys.readouterr().out)
        return found, {c["player"]: c["evidence"]["openings"] for c in found["candidates"]}

    (as_new, scored), (new, fresh) = openings(counted), openings(never)
    assert as_new["known_games"] == as_new["known_games_scored_as_new"] == 6
    assert new["known_games"] == 0
    assert scored == pytest.approx(fresh, abs=1e-4)  # as if enrolled from the other six alone


def test_a_trained_player_enrolled_anew_is_read_by_the_games_of_the_enrolment_alone(
    planted_model, tmp_path, capsys
):
    lea = "Lefty, Lea"
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    players = json.loads((model_dir / "players.json").read_text())
    task = next(p["task_id"] for p in players if p["name"] == lea)
    trained = _one_text_a_game(planted_pgn(games_each=8, seed=11, plies=40))
    (tmp_path / "trained.pgn").write_text("".join(trained))
    played = read_game_file(str(tmp_path / "trained.pgn")).games
    sides = [(g.moves, task if g.white == lea else NOBODY, NOBODY) for g in played]
    KnownGames.of_sides(sides).save(model_dir)
    identify = ["identify", "--model", str(model_dir), "--as", lea, "--json", "--games"]

    def scored_as_new() -> int:
        capsys.readouterr()
        assert main([*identify, str(tmp_path / "trained.pgn")]) == 0
        return json.loads(capsys.readouterr().out)["known_games_scored_as_new"]

    assert scored_as_new() == 8  # the training's tables held Lea's side of her eight
    (tmp_path / "anew.pgn").write_text(planted_pgn(games_each=6, seed=12, plies=40))
    enroll = ["enroll", "--model", str(model_dir), "--as", lea, "--games"]
    assert main([*enroll, str(tmp_path / "anew.pgn")]) == 0
    assert scored_as_new() == 0  # her row now holds the six of the enrolment only
