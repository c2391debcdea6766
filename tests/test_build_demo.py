"""`build-demo` goes from a game store to a self-contained artifact, and resumes step by step."""

from __future__ import annotations

import json
import shutil

from stylespace.build_demo import RERUN_AFTER_NEW_REFERENCES
from stylespace.cli import main
from stylespace.store import GameStore
from stylespace.style_model import StyleModel
from stylespace.table_splits import table_splits


def test_build_demo_makes_an_artifact_that_needs_no_store(tiny_demo, capsys):
    out, record = tiny_demo["out"], tiny_demo["record"]
    assert list(record) == [
        "train",
        "properties",
        "copy",
        "repertoires",
        "game_embedding",
        "references",
        "eval",
        "stylometry",
        "enrol_unseen",
        "player_facts",
        "steering",
        "interpolation",
        "map",
        "graph",
        "speed",
        "confidence",
        "tables_every_split",
        "card",
    ]
    card = (out / "MODEL_CARD.md").read_text()
    assert "## Stylometry" in card and "opening baseline" in card and "style alone" in card
    for name in (
        "config.json",
        "base.safetensors",
        "players.json",
        "map.json",
        "steering.json",
        "fingerprint_graph.onnx",  # identify runs without torch on it
    ):
        assert (out / name).exists(), name
    assert not list(out.glob("*.pt")) and not (out / "shards").exists()
    probe = json.loads((out / "probe_games.json").read_text())
    assert probe["generated_by"] == "base model" and len(probe["games"]) == 24

    model = StyleModel.load(out)
    players = {p["name"]: p for p in model.players}
    assert players["Unseen, Uma"]["enrolled"] is True
    assert record["references"]["result"]["refreshed"] == 0  # training read as many already
    assert model.repertoires.known.all()  # trained players' and the enrolled one's openings
    assert model.game_embedding.known.all()  # and their games' place in the game embedding
    assert (
        players["King Pawn 0"]["games"] == 60
        and players["King Pawn 0"]["properties"]["e4_share"] == 1.0
    )
    assert set(json.loads((out / "map.json").read_text())["players"]) == set(players) - {
        "Unseen, Uma"
    }
    assert record["stylometry"]["result"]["from_ply_0"]["unseen_enrolled"] == 1
    calibrated = record["confidence"]["result"]
    assert calibrated["known_queries"] > 0 and (out / "confidence.json").exists()
    assert "## How sure is a first place" in card
    skipped = record["interpolation"]["result"]["skipped"]  # the planted games carry no Elo
    assert "no two trained players have a mean Elo" in skipped

    capsys.readouterr()
    assert main(tiny_demo["args"]) == 0  # a rerun finds every step done
    assert capsys.readouterr().err.count("done earlier") == len(record) - 1  # but the card


def test_a_build_whose_references_predate_their_cap_recomputes_them_and_measures_again(
    tiny_demo, tmp_path, capsys
):
    out = tmp_path / "demo"
    shutil.copytree(tiny_demo["out"], out)
    players = json.loads((out / "players.json").read_text())
    for player in players:
        player.pop("reference", None)  # as `models/demo` was built before references had a cap
    (out / "players.json").write_text(json.dumps(players))
    record = json.loads((out / "build.json").read_text())
    del record["references"]
    (out / "build.json").write_text(json.dumps(record))
    args = list(tiny_demo["args"])
    args[args.index("--out") + 1] = str(out)
    args[args.index("--work") + 1] = str(tmp_path / "work")
    capsys.readouterr()

    assert main(args) == 0
    steps = capsys.readouterr().err
    rebuilt = json.loads((out / "build.json").read_text())
    assert rebuilt["references"]["result"]["refreshed"] == len(players) - 1  # not the enrolled
    for step in RERUN_AFTER_NEW_REFERENCES:
        assert f"{step}: " in steps and f"{step}: done earlier" not in steps  # ran again
    assert "eval: done earlier" in steps
    model = StyleModel.load(out)
    assert all(p.get("reference") for p in model.players)
    # The benchmarks ran again on train-only tables; then the other splits went back in.
    assert "back to train games only, to measure" in steps
    assert "tables_every_split: " in steps and table_splits(out) == ("train", "val", "test")


def test_a_rebuild_keeps_the_maps_stored_reading_for_the_players_it_has_now(
    tiny_demo, tmp_path, capsys
):
    from stylespace.explore import Atlas

    out = tmp_path / "demo"
    shutil.copytree(tiny_demo["out"], out)
    assert Atlas.load(out).map_reading_stored
    stored = json.loads((out / "map_reading.json").read_text())
    stored["key"] = "0" * 64  # as after an enrolment rerun since the map moved a player
    (out / "map_reading.json").write_text(json.dumps(stored))
    assert not Atlas.load(out).map_reading_stored  # the app's first page would measure it
    args = list(tiny_demo["args"])
    args[args.index("--out") + 1] = str(out)
    args[args.index("--work") + 1] = str(tmp_path / "work")

    capsys.readouterr()
    assert main(args) == 0
    assert "map reading refreshed" in capsys.readouterr().err
    assert Atlas.load(out).map_reading_stored
    assert main(args) == 0
    assert "map reading refreshed" not in capsys.readouterr().err  # fresh: left as it is


def test_a_step_that_fails_on_train_only_tables_leaves_them_to_be_put_back(
    tiny_demo, tmp_path, capsys
):
    out, db = tmp_path / "demo", tmp_path / "store.duckdb"
    shutil.copytree(tiny_demo["out"], out)
    shutil.copy(tiny_demo["args"][1], db)
    record = json.loads((out / "build.json").read_text())
    del record["player_facts"]
    (out / "build.json").write_text(json.dumps(record))
    with GameStore(db) as store:  # as a store re-ingested since the properties step ran
        store.connection.execute("DELETE FROM player_properties")
    args = list(tiny_demo["args"])
    args[1], args[args.index("--out") + 1] = str(db), str(out)
    args[args.index("--work") + 1] = str(tmp_path / "work")

    assert main(args) != 0  # the facts step needs the store's properties
    assert "holds no player properties" in capsys.readouterr().err
    assert table_splits(out) == ("train",)
    assert "tables_every_split" not in json.loads((out / "build.json").read_text())


def test_the_shipped_tables_hold_every_split_and_measurements_on_them_refuse(
    tiny_demo, tmp_path, capsys
):
    out, db = tiny_demo["out"], tiny_demo["args"][1]
    added = tiny_demo["record"]["tables_every_split"]["result"]
    assert table_splits(out) == ("train", "val", "test") and added["games_beyond_train"] > 0
    assert "validation and test games" in (out / "MODEL_CARD.md").read_text()
    for command in (
        ["eval", "--model", str(out), "--split", "test"],
        ["bench", "stylometry", "--model", str(out)],
        ["calibrate", "--model", str(out)],
    ):
        capsys.readouterr()
        assert main(["--db", db, *command]) == 2, command
        error = capsys.readouterr().err
        assert "hold them" in error and "stylespace repertoires --model" in error
        assert "Traceback" not in error

    copy = tmp_path / "demo"
    shutil.copytree(out, copy)
    assert main(["--db", db, "repertoires", "--model", str(copy)]) == 0
    assert table_splits(copy) == ("train",)
    held = StyleModel.load(out).repertoires.counts.sum()
    assert StyleModel.load(copy).repertoires.counts.sum() < held  # fewer games behind them


def test_a_store_without_properties_stops_the_build_instead_of_shipping_none(tmp_path, capsys):
    from planted import planted_pgn

    from stylespace.build_demo import STEPS

    (tmp_path / "games.pgn").write_text(planted_pgn(games_each=3))
    db = tmp_path / "store.duckdb"
    assert main(["--db", str(db), "ingest", str(tmp_path / "games.pgn")]) == 0
    out = tmp_path / "demo"
    out.mkdir()
    (out / "players.json").write_text(json.dumps([{"name": "Lefty, Lea", "task_id": 0}]))
    before = [name for name, _ in STEPS][: [name for name, _ in STEPS].index("player_facts")]
    (out / "build.json").write_text(json.dumps({n: {"seconds": 0, "result": {}} for n in before}))
    capsys.readouterr()

    assert main(["--db", str(db), "build-demo", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "holds no player properties" in error and "Traceback" not in error
    assert json.loads((out / "players.json").read_text()) == [{"name": "Lefty, Lea", "task_id": 0}]
