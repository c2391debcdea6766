"""The stylometry benchmark: seen and unseen players, beside the opening baseline, in one run."""

from __future__ import annotations

import json
import shutil

import pytest
from planted import PLANTED, planted_pgn, train_tiny

from stylespace.cli import main
from stylespace.openings import OpeningProfiles, opening_tokens
from stylespace.positions import PlayedGame

PLAYERS = {**PLANTED, "Middy, Mo": ["d2d4", "e2e4"]}


@pytest.fixture(scope="module")
def unseen_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("unseen")
    (root / "games.pgn").write_text(planted_pgn(games_each=200, seed=21, players=PLAYERS))
    db = root / "store.duckdb"
    assert main(["--db", str(db), "ingest", str(root / "games.pgn")]) == 0
    out = root / "model"
    code = train_tiny(
        db, out, "--base-steps", "300", "--style-steps", "400", "--exclude-players", "Middy, Mo"
    )
    assert code == 0
    return db, out


@pytest.mark.parametrize("enrolled_before", [False, True])
def test_seen_and_unseen_players_are_identified_and_the_baseline_runs_beside(
    unseen_setup, capsys, tmp_path, enrolled_before
):
    db, model = unseen_setup
    if enrolled_before:  # as in a shipped model: the unseen player is enrolled from all games
        shipped = tmp_path / "shipped"
        shutil.copytree(model, shipped)
        games = tmp_path / "mo.pgn"
        games.write_text(
            planted_pgn(games_each=50, seed=3, players={"Middy, Mo": ["d2d4", "e2e4"]})
        )
        enrol = ["enroll", "--model", str(shipped), "--games", str(games), "--as", "Middy, Mo"]
        assert main(enrol) == 0
        model = shipped
    capsys.readouterr()
    code = main(
        [
            "--db",
            str(db),
            "bench",
            "stylometry",
            "--model",
            str(model),
            "--sizes",
            "20",
            "5",
            "--queries",
            "2",
            "3",
            "--exclude-players",
            "Middy, Mo",
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["players_in_model"] == 3 and report["unseen_enrolled"] == 1
    for group in ("seen", "unseen"):
        row = report[group]["20"]
        assert row["queries"] >= 2
        assert row["top1"] == 1.0, (group, report[group])
        low, high = row["top1_interval"]  # a few queries bound the rate loosely
        assert high == 1.0 and low < 0.75
        assert row["baseline_top1"] == 1.0  # the planted players differ only in their openings
    assert report["seen"]["5"]["queries"] == 3 * report["seen"]["5"]["players"]  # per size
    assert report["unseen"]["5"]["queries"] == 3
    # every query counted once by the games its author's profile came from (enrolled: 100)
    unseen_by_profile = report["unseen"]["5"]["top1_by_profile_games"]
    assert list(unseen_by_profile) == ["<200"] and unseen_by_profile["<200"]["queries"] == 3
    by_profile = report["seen"]["5"]["top1_by_profile_games"].values()
    assert sum(band["queries"] for band in by_profile) == report["seen"]["5"]["queries"]


def test_query_counts_are_one_for_all_sizes_or_one_per_size(capsys):
    bench = ["bench", "stylometry", "--sizes", "20", "5", "--queries", "1", "2", "3"]
    assert main(bench) != 0
    assert "--queries takes one count, or one per size (2), not 3" in capsys.readouterr().err


def test_the_opening_baseline_is_blind_once_the_openings_are_hidden():
    games = {
        name: [PlayedGame([first, "e7e5", second, "d7d6"], name, "Opponent")] * 3
        for name, (first, second) in PLANTED.items()
    }
    profiles = OpeningProfiles({n: opening_tokens(g, n) for n, g in games.items()})
    query = opening_tokens(games["Lefty, Lea"], "Lefty, Lea")
    assert profiles.rank(query)[0][0] == "Lefty, Lea"
    assert opening_tokens(games["Lefty, Lea"], "Lefty, Lea", from_ply=24) == []
    assert profiles.rank([]) == []
