"""Names: a placeholder such as "NN" is many people (never modelled, offered, shown or an
author); one master may be spelt two ways."""

from __future__ import annotations

import pytest

from stylespace.aliases import spelling_pairs
from stylespace.authors import StylometryError, resolve_author
from stylespace.fused import eligible_players
from stylespace.name_search import names_like, the_one_named
from stylespace.placeholders import is_placeholder_name, may_be_named
from stylespace.positions import PlayedGame, players_by_games
from stylespace.projection import players_like
from stylespace.style_model import StyleModel
from stylespace.training import modelled_players


def test_placeholder_names_are_told_from_people():
    for name in ("NN", "N.N.", "n n", "?", "", "Unknown", " anonymous "):
        assert is_placeholder_name(name), name
    for name in ("Nunn, John", "N. Short", "So,W", "Nakamura,Hi", "Anand"):
        assert not is_placeholder_name(name), name
    assert may_be_named("Tal, Mihail", frozenset()) and not may_be_named("NN", frozenset())
    assert not may_be_named("Tal, Mihail", frozenset({"tal, mihail"}))  # opted out


def test_only_people_with_enough_games_get_a_style_vector():
    train_games = {
        "Tal, Mihail": 300,
        "NN": 146,
        "Few, Games": 3,
        "Gone, Away": 500,
        "Out, Lo": 200,
    }
    chosen = modelled_players(train_games, 100, frozenset({"gone, away"}), {"out, lo"})
    assert chosen == ["Tal, Mihail"]


def test_nn_in_every_game_is_not_the_author_and_cannot_be_asked_for():
    games = [
        PlayedGame(["e2e4"], "Lasker, Emanuel", "NN"),
        PlayedGame(["d2d4"], "NN", "Lasker, Emanuel"),
    ]
    assert resolve_author(games, None) == "Lasker, Emanuel"
    assert players_by_games(games) == [("Lasker, Emanuel", 2)]  # whom the Identify page offers
    with pytest.raises(StylometryError, match="not one person"):
        resolve_author(games, "N.N.")


def test_a_model_that_holds_nn_never_offers_it_as_a_candidate_or_a_neighbour(planted_model):
    model = StyleModel.load(planted_model)
    lefty = model.task_id("Lefty, Lea")
    # A model trained before placeholders were left out: "NN" is Lea's double.
    model.set_player("NN", model.style_vectors[lefty], model.fingerprints[lefty], enrolled=True)
    eligible = eligible_players(model, frozenset())
    assert not eligible[model.task_id("NN")] and eligible[lefty]
    assert "NN" not in [name for name, _ in players_like(model, "Righty, Rob")]
    assert "Lefty, Lea" in [name for name, _ in players_like(model, "Righty, Rob")]


def test_one_master_spelt_two_ways_is_told_from_two_people_of_one_surname():
    names = [
        "Kamsky, Gata",
        "Kamsky,G",
        "Polgar, Judit",
        "Polgar, Sofia",
        "Nakamura,H",
        "Nakamura,Hi",
        "Wang Hao",
        "Wang Yue",
        "Anand",
        "Anand,V",
    ]
    assert spelling_pairs(names) == [("Kamsky, Gata", "Kamsky,G"), ("Nakamura,H", "Nakamura,Hi")]


def test_a_ranking_that_shows_one_person_under_two_spellings_says_so(
    planted_model, tmp_path, capsys
):
    import json
    import shutil

    from planted import PLANTED, planted_pgn

    from stylespace.cli import main

    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    lea = {"Lefty, L": PLANTED["Lefty, Lea"]}  # Lea again, as another game file spells her
    (tmp_path / "other.pgn").write_text(planted_pgn(games_each=30, seed=41, players=lea))
    enrol = ["enroll", "--model", str(model_dir), "--games", str(tmp_path / "other.pgn")]
    assert main([*enrol, "--as", "Lefty, L"]) == 0
    query = {"Lefty, Lea": PLANTED["Lefty, Lea"]}
    (tmp_path / "query.pgn").write_text(planted_pgn(games_each=20, seed=42, players=query))
    capsys.readouterr()
    identify = ["identify", "--model", str(model_dir), "--games", str(tmp_path / "query.pgn")]
    assert main([*identify, "--top", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    shown = [c["player"] for c in result["candidates"]]
    assert set(shown[:2]) == {"Lefty, Lea", "Lefty, L"}
    assert result["same_person"] == [shown[:2]]
    assert main([*identify, "--top", "3"]) == 0
    said = f'names: "{shown[0]}" and "{shown[1]}" are likely one person under two spellings'
    assert said in capsys.readouterr().out
    assert main([*identify, "--top", "1", "--json"]) == 0  # only one of them shown: nothing said
    assert json.loads(capsys.readouterr().out)["same_person"] == []


def test_one_author_spelt_with_other_spacing_or_case_is_still_the_author():
    games = [
        PlayedGame(["e2e4"], "Tal, Mihail", "Smyslov, Vasily"),
        PlayedGame(["d2d4"], "Botvinnik, Mikhail", "tal,  mihail"),
    ]
    assert resolve_author(games, None) == "Tal, Mihail"


def test_without_an_author_in_every_game_the_error_names_who_plays_in_most():
    games = [PlayedGame(["e2e4"], "Tal, Mihail", f"Opponent {i}") for i in range(9)]
    games.append(PlayedGame(["e2e4"], "Somebody, Else", "Opponent 0"))
    assert players_by_games(games)[:2] == [("Tal, Mihail", 9), ("Opponent 0", 2)]
    with pytest.raises(StylometryError, match=r"pass --as NAME .*'Tal, Mihail' in 9"):
        resolve_author(games, None)


@pytest.mark.parametrize("asked", ["tal", "Tal Mihail", "Tall, Mihail"])
def test_a_name_not_in_the_games_is_answered_with_the_names_it_may_mean(asked):
    games = [PlayedGame(["e2e4"], "Tal, Mihail", f"Opponent {i}") for i in range(3)]
    with pytest.raises(StylometryError, match=r"plays in none .*did you mean 'Tal, Mihail'\?$"):
        resolve_author(games, asked)


def test_a_name_like_none_in_the_games_gets_no_guess():
    games = [PlayedGame(["e2e4"], "Tal, Mihail", "Smyslov, Vasily")]
    with pytest.raises(StylometryError, match="plays in none") as error:
        resolve_author(games, "Zed")
    assert "did you mean" not in str(error.value)


def test_names_are_found_as_people_type_them():
    names = ["Nguyen Ngoc Truong Son", "Polgar, Sofia", "So,W", "Karpov, Anatoly", "NN"]
    assert names_like("karpov", names) == ["Karpov, Anatoly"]
    assert names_like("Karpow", names) == ["Karpov, Anatoly"]  # one letter off
    assert names_like("anatoly karpov", names) == ["Karpov, Anatoly"]  # any order
    assert names_like("so", names) == ["So,W", "Nguyen Ngoc Truong Son", "Polgar, Sofia"]
    assert names_like("nn", names) == []  # a placeholder is never offered, nor a part of a word
    assert names_like("Zed", names) == names_like("", names) == []


def test_a_typed_name_is_taken_only_when_it_plainly_means_one_player():
    names = ["Polgar, Judit", "Polgar, Sofia", "Tal, Mihail", "Talbot, Ann", "Carlsen,M", "NN"]
    assert the_one_named("carlsen", names) == "Carlsen,M"
    assert the_one_named("Tal", names) == "Tal, Mihail"  # a whole word before a word's start
    assert the_one_named("Talb", names) == "Talbot, Ann"
    assert the_one_named("judit polgar", names) == "Polgar, Judit"
    assert the_one_named("Polgar", names) is None  # two people: the caller offers both
    assert the_one_named("Karlsen", names) is None  # alike is a guess, never taken
    assert the_one_named("nn", names) is None and the_one_named("", names) is None
