"""`build-demo` goes from a game store to a self-contained artifact, and resumes step by step."""

from __future__ import annotations

import json

from planted import planted_pgn

from stylespace.cli import main
from stylespace.style_model import StyleModel

OPENERS = {
    **{f"King Pawn {i}": ["e2e4", "g1f3"] for i in range(5)},
    **{f"Queen Pawn {i}": ["d2d4", "c2c4"] for i in range(5)},
}
UNSEEN = {"Unseen, Uma": ["c2c4", "b1c3"]}  # enough games to enrol from 100 and query the rest


def test_build_demo_makes_an_artifact_that_needs_no_store(tmp_path, capsys):
    (tmp_path / "games.pgn").write_text(
        planted_pgn(games_each=60, seed=31, players=OPENERS)
        + planted_pgn(games_each=130, seed=32, players=UNSEEN)
    )
    db = str(tmp_path / "store.duckdb")
    assert main(["--db", db, "ingest", str(tmp_path / "games.pgn")]) == 0
    (tmp_path / "unseen.txt").write_text("# left out\nUnseen, Uma\n")
    out = tmp_path / "demo"
    args = [
        "--db",
        db,
        "build-demo",
        "--work",
        str(tmp_path / "work"),
        "--out",
        str(out),
        "--preset",
        "tiny",
        "--unseen",
        str(tmp_path / "unseen.txt"),
        "--min-games",
        "30",
        "--stylometry-players",
        "3",
        "--json",
    ]
    capsys.readouterr()
    assert main(args) == 0
    record = json.loads(capsys.readouterr().out)
    assert list(record) == [
        "train",
        "properties",
        "copy",
        "eval",
        "stylometry",
        "enrol_unseen",
        "player_facts",
        "steering",
        "map",
    ]
    for name in ("config.json", "base.safetensors", "players.json", "map.json", "steering.json"):
        assert (out / name).exists(), name
    assert not list(out.glob("*.pt")) and not (out / "shards").exists()

    model = StyleModel.load(out)
    players = {p["name"]: p for p in model.players}
    assert players["Unseen, Uma"]["enrolled"] is True
    assert (
        players["King Pawn 0"]["games"] == 60
        and players["King Pawn 0"]["properties"]["e4_share"] == 1.0
    )
    assert set(json.loads((out / "map.json").read_text())["players"]) == set(players) - {
        "Unseen, Uma"
    }
    assert record["stylometry"]["result"]["from_ply_0"]["unseen_enrolled"] == 1

    capsys.readouterr()
    assert main(args) == 0  # a rerun finds every step done
    assert capsys.readouterr().err.count("done earlier") == 9
