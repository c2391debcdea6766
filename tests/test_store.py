"""Splits, opt-out and the players query: the store's promises to training and the app."""

from __future__ import annotations

from pathlib import Path

from pgn_factory import many_games, random_game_pgn

from stylespace.store import SPLITS, split_of


def _ingest(cli, tmp_path: Path, games: list[str], *extra: str) -> dict:
    path = tmp_path / "games.pgn"
    path.write_text("".join(games))
    return cli("ingest", str(path), "--json", *extra)[1]


def test_every_game_has_a_split_that_depends_only_on_its_content(tmp_path, cli, query, db):
    _ingest(cli, tmp_path, many_games(400))
    rows = query("SELECT hash, split FROM games")
    assert all(split == split_of(game_hash) for game_hash, split in rows)
    assert {split for _, split in rows} == set(SPLITS)
    train = sum(split == "train" for _, split in rows) / len(rows)
    assert 0.72 < train < 0.88  # 80/10/10 by hash

    # Same games, another store, another order: same assignment.
    other = tmp_path / "other"
    other.mkdir()
    from stylespace.cli import main

    (other / "g.pgn").write_text("".join(reversed(many_games(400))))
    main(["--db", str(other / "s.duckdb"), "ingest", str(other / "g.pgn"), "--json"])
    import duckdb

    with duckdb.connect(str(other / "s.duckdb"), read_only=True) as con:
        assert sorted(con.execute("SELECT hash, split FROM games").fetchall()) == sorted(rows)


def test_split_of_is_stable():
    assert split_of("00000000" + "0" * 24) == "train"
    assert split_of("00000008" + "0" * 24) == "val"
    assert split_of("00000009" + "0" * 24) == "test"


def test_opted_out_players_are_skipped_and_counted(tmp_path, cli, query):
    opt_out = tmp_path / "opt-out.txt"
    opt_out.write_text("# people who asked\n  gamma,   GUS \n\n")
    summary = _ingest(cli, tmp_path, many_games(50), "--opt-out", str(opt_out))
    skipped = query("SELECT count(*) FROM games")[0][0]
    assert summary["opted_out"] > 0
    assert summary["added"] + summary["opted_out"] == 50
    assert skipped == summary["added"]
    assert query("SELECT count(*) FROM players WHERE name = 'Gamma, Gus'") == [(0,)]


def test_opting_out_later_removes_games_already_stored(tmp_path, cli, query, monkeypatch):
    _ingest(cli, tmp_path, many_games(50))
    assert query("SELECT count(*) FROM players WHERE name = 'Gamma, Gus'") == [(1,)]
    opt_out = tmp_path / "opt-out.txt"
    opt_out.write_text("Gamma, Gus\n")
    monkeypatch.setenv("STYLESPACE_OPT_OUT", str(opt_out))
    summary = _ingest(cli, tmp_path, many_games(50))
    assert summary["purged"] > 0
    assert query(
        "SELECT count(*) FROM games WHERE white = 'Gamma, Gus' OR black = 'Gamma, Gus'"
    ) == [(0,)]
    assert query("SELECT count(*) FROM players WHERE name = 'Gamma, Gus'") == [(0,)]


def test_players_lists_counts_and_filters(tmp_path, cli):
    games = [
        random_game_pgn(
            i,
            white="Tal, Mihail",
            black=f"Opponent {i}",
            date=f"19{60 + i}.01.01",
            white_elo=2600 + i,
        )
        for i in range(5)
    ]
    games += [
        random_game_pgn(
            10, white="Petrosian, Tigran", black="Tal, Mihail", white_elo=None, black_elo=2700
        )
    ]
    _ingest(cli, tmp_path, games)
    code, rows = cli("players", "--min-games", "2", "--json")
    assert code == 0
    assert rows == [
        {
            "name": "Tal, Mihail",
            "games": 6,
            "as_white": 5,
            "as_black": 1,
            "first_date": "1960.01.01",
            "last_date": "2001.02.03",
            "mean_elo": 2618.3,
        }
    ]
    _, found = cli("players", "--search", "petro", "--json")
    assert [row["name"] for row in found] == ["Petrosian, Tigran"]
    assert found[0]["mean_elo"] is None
    _, text = cli("players", "--min-games", "2")
    assert "Tal, Mihail" in text and "1 players with >= 2 games" in text


def test_players_without_a_store_says_what_to_do(tmp_path, capsys):
    from stylespace.cli import main

    assert main(["--db", str(tmp_path / "none.duckdb"), "players"]) == 2
    assert "run `stylespace ingest FILE` first" in capsys.readouterr().err
