"""`stylespace build-demo`: the whole chain from the game store to `models/demo`, resumable.

Each step writes its result and its duration to `<out>/build.json`; a rerun skips finished steps
(training itself resumes from its checkpoint), so an interrupted build costs little.

Steps: train (in a work directory, with the unseen players left out) -> player properties in the
store -> copy the artifact -> the trained players' opening repertoires -> the game embedding ->
reference fingerprints (a no-op unless the artifact predates their cap; when it runs, the
stylometry, enrolment and confidence steps run again) -> move matching on the test split ->
stylometry benchmark (seen and unseen players, from ply 0 and 30, beside the opening baseline)
-> enrol the unseen players from their games -> player facts and properties into the player
table -> steering benchmark and directions -> does a mix of a weaker and a stronger player play in
between (`bench_interpolation.py`) -> style map -> the fingerprint graph that lets `identify` run
without torch (`fingerprint_graph.py`) -> identify speed -> what a ranking's
gap means (`confidence.py`) -> the player tables (openings, deep lines, structures) take in the
trained players' validation and test games, now that everything is measured
(`table_splits.py`; a rerun of a measuring step makes them train-only again first) ->
MODEL_CARD.md (rewritten on every run, from the recorded results). No game record is copied
into the artifact.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stylespace.careers import career_span
from stylespace.player_facts import PROPERTY_MIN_GAMES
from stylespace.store import GameStore
from stylespace.table_splits import TRAIN_ONLY, table_splits

EVERY_SPLIT = ("train", "val", "test")

ARTIFACT_FILES = (
    "config.json",
    "base.safetensors",
    "skills.safetensors",
    "style_vectors.safetensors",
    "players.json",
    "metrics.json",
    "command.txt",
)


@dataclass
class DemoRequest:
    db: Path
    work: Path = Path("runs") / "demo"
    out: Path = Path("models") / "demo"
    preset: str = "demo"
    unseen_file: Path = Path("bench") / "demo-unseen-players.txt"
    min_games: int | None = None
    property_min_games: int = PROPERTY_MIN_GAMES
    stylometry_players: int = 60
    eval_positions: int = 200_000
    device: str = "cpu"


def _unseen(request: DemoRequest) -> list[str]:
    lines = request.unseen_file.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _step_train(request: DemoRequest) -> dict:
    from stylespace.training import TrainRequest, train

    metrics = train(
        TrainRequest(
            out=request.work,
            preset=request.preset,
            db=request.db,
            min_games=request.min_games,
            device=request.device,
            resume=(request.work / "checkpoint.pt").exists(),
            exclude_players=_unseen(request),
            command=f"stylespace build-demo (train --preset {request.preset} --exclude-players "
            f"@{request.unseen_file})",
        )
    )
    return {k: v for k, v in metrics.items() if k != "log"}


def _step_properties(request: DemoRequest) -> dict:
    from stylespace.properties import compute_store_properties

    with GameStore(request.db) as store:
        return {"players": compute_store_properties(store, request.property_min_games)}


def _step_copy(request: DemoRequest) -> dict:
    request.out.mkdir(parents=True, exist_ok=True)
    for name in ARTIFACT_FILES:
        shutil.copy2(request.work / name, request.out / name)
    return {"files": list(ARTIFACT_FILES)}


def _step_repertoires(request: DemoRequest) -> dict:
    from stylespace.training import add_repertoires

    return add_repertoires(request.out, request.db)


def _step_game_embedding(request: DemoRequest) -> dict:
    from stylespace.game_embedding import EmbeddingSettings
    from stylespace.training import PRESETS, add_game_embedding

    settings = EmbeddingSettings(steps=PRESETS[request.preset].embedding_steps)
    return add_game_embedding(request.out, request.db, settings)


def _step_references(request: DemoRequest) -> dict:
    """A no-op after training here (it reads as many positions); it upgrades a model built
    when references read fewer, and then the steps that rank by them run again."""
    from stylespace.references import refresh_references

    return refresh_references(request.out, request.db, request.work / "references")


def _step_eval(request: DemoRequest) -> dict:
    from stylespace.evaluation import move_matching
    from stylespace.style_model import StyleModel

    model = StyleModel.load(request.out)
    with GameStore(request.db, read_only=True) as store:
        games = store.played_games(["test"])
    trained = [p["name"] for p in model.players if not p.get("enrolled")]  # enrolled: all games
    result = move_matching(model, games, max_positions=request.eval_positions, players=trained)
    result.pop("per_player")
    return result


# Disjoint query sets per player and size: a cell of 60 queries knows its top-1 only within
# +-12 points (`intervals.py`), and small queries are cheap, so they get more draws.
STYLOMETRY_QUERIES = {100: 1, 20: 3, 5: 5}


def _step_stylometry(request: DemoRequest) -> dict:
    from stylespace.bench_stylometry import bench_stylometry

    report = bench_stylometry(
        request.out,
        request.db,
        sizes=(100, 20, 5),
        unseen=_unseen(request),
        queries=STYLOMETRY_QUERIES,
        max_players=request.stylometry_players,
        later_plies={30: (100,)},
    )
    later = report.pop("from_ply_30")
    for part in (report, later):
        part.pop("summary")
    return {"from_ply_0": report, "from_ply_30": later}


def _step_enrol(request: DemoRequest) -> dict:
    from stylespace.style_model import StyleModel
    from stylespace.stylometry import enroll

    model = StyleModel.load(request.out)
    unseen = _unseen(request)
    with GameStore(request.db, read_only=True) as store:
        by_player = store.games_by_player(["train", "val", "test"], unseen)
    enrolled = {}
    for name in unseen:  # the list's order, so task ids do not depend on set iteration
        games = by_player.get(name, [])
        if games:
            enrolled[name] = enroll(model, games, name)["games"]
    model.save_player_table(request.out)
    return {"enrolled": enrolled}


def _step_facts(request: DemoRequest) -> dict:
    """Games, years (`careers.career_span`: stray games at either end left out), Elo and
    properties per player, so the app needs no games database."""
    players = json.loads((request.out / "players.json").read_text())
    names = [p["name"] for p in players]
    with GameStore(request.db, read_only=True) as store:
        facts = {row.name: row for row in store.players(min_games=1) if row.name in set(names)}
        years = store.games_per_year(names)
        properties = store.properties(names)
    if not properties:  # e.g. the store was rebuilt after the properties step ran
        raise ValueError(
            f"{request.db} holds no player properties: run `stylespace properties --compute` "
            "(or drop the `properties` record from build.json) and build again"
        )
    for player in players:
        row = facts.get(player["name"])
        if row is not None:
            span = career_span(years.get(player["name"], {}))
            player.update(
                games=row.games,
                first_year=None if span.first_year is None else str(span.first_year),
                last_year=None if span.last_year is None else str(span.last_year),
                stray_games=span.stray_games,
                mean_elo=row.mean_elo,
            )
        player["properties"] = properties.get(player["name"], {})
    (request.out / "players.json").write_text(json.dumps(players, indent=1, ensure_ascii=False))
    return {"players": len(players)}


def _step_steering(request: DemoRequest) -> dict:
    from stylespace.steering import (
        generate_probe_games,
        save_directions,
        save_probe_games,
        steering_benchmark,
    )
    from stylespace.style_model import StyleModel

    model = StyleModel.load(request.out)
    with GameStore(request.db, read_only=True) as store:
        report, directions = steering_benchmark(model, store)
    save_directions(request.out, directions, report)
    save_probe_games(request.out, generate_probe_games(model))
    return {prop: {"passes": row["passes"], "mean": row["mean"]} for prop, row in report.items()}


def _step_interpolation(request: DemoRequest) -> dict:
    from stylespace.bench_interpolation import interpolation_benchmark
    from stylespace.style_model import StyleModel

    model = StyleModel.load(request.out)
    try:
        with GameStore(request.db, read_only=True) as store:
            report = interpolation_benchmark(model, store)
    except ValueError as error:  # a store without Elo has no weaker and stronger players
        return {"skipped": str(error)}
    report.pop("summary")
    return report


def _step_map(request: DemoRequest) -> dict:
    from stylespace.explore import Atlas
    from stylespace.projection import build_map
    from stylespace.style_model import StyleModel

    model = StyleModel.load(request.out)
    style_map, method, stability = build_map(model)
    style_map.save(request.out, method, stability)
    Atlas.load(request.out).save_map_reading()  # the app's first page reads it, not sklearn
    return {"players": len(style_map.names), "method": method, **stability}


def _step_graph(request: DemoRequest) -> dict:
    from stylespace.fingerprint_graph import write_graph

    return write_graph(request.out)


def _step_speed(request: DemoRequest) -> dict:
    from stylespace.bench_identify import bench_identify

    try:
        report = bench_identify(request.out, request.db, sizes=(100, 20), repeats=3)
    except ValueError as error:  # a small store has no player with 100 held-out games
        return {"skipped": str(error)}
    report.pop("summary")
    return report


def _step_confidence(request: DemoRequest) -> dict:
    from stylespace.confidence import calibrate_from_store, verdict_summary

    calibration = calibrate_from_store(request.out, request.db, players=request.stylometry_players)
    return {**calibration.counts(), "verdicts": verdict_summary(calibration)}


def _step_tables_every_split(request: DemoRequest) -> dict:
    """After every measurement, the player tables (openings, deep lines, structures) take in the
    trained players' validation and test games too: a shipped model meets new games, and
    identification and the opening books gain from every game behind them (`table_splits.py`)."""
    from stylespace.training import add_repertoires

    return add_repertoires(request.out, request.db, EVERY_SPLIT)


def _restore_train_only_tables(
    request: DemoRequest, record: dict, report: Callable[[str], None]
) -> None:
    """A measuring step to run again on a model whose tables hold every split: make them
    train-only first, and the last step will add the other splits back."""
    from stylespace.training import add_repertoires

    if (request.out / "config.json").exists() and table_splits(request.out) != TRAIN_ONLY:
        report("player tables back to train games only, to measure")
        add_repertoires(request.out, request.db)
        record.pop("tables_every_split", None)


def _refresh_map_reading(request: DemoRequest, report: Callable[[str], None]) -> None:
    """Keep the map's stored reading for the players, places and properties the model has now:
    a step run again after `map` (an enrolment, the facts) may have moved what it reads, and
    the app's first page would then measure it anew on every start."""
    from stylespace.explore import Atlas
    from stylespace.projection import MAP_FILE

    if not (request.out / MAP_FILE).exists():
        return
    atlas = Atlas.load(request.out)
    if not atlas.map_reading_stored:
        atlas.save_map_reading()
        report("map reading refreshed: a step since the map changed what it reads")


def _step_card(request: DemoRequest) -> dict:
    from stylespace.model_card import write_model_card
    from stylespace.training import PRESETS

    path = write_model_card(request.out, PRESETS[request.preset].batch_size)
    return {"card": str(path)}


STEPS: list[tuple[str, Callable[[DemoRequest], dict]]] = [
    ("train", _step_train),
    ("properties", _step_properties),
    ("copy", _step_copy),
    ("repertoires", _step_repertoires),
    ("game_embedding", _step_game_embedding),
    ("references", _step_references),
    ("eval", _step_eval),
    ("stylometry", _step_stylometry),
    ("enrol_unseen", _step_enrol),
    ("player_facts", _step_facts),
    ("steering", _step_steering),
    ("interpolation", _step_interpolation),
    ("map", _step_map),
    ("graph", _step_graph),
    ("speed", _step_speed),
    ("confidence", _step_confidence),
    ("tables_every_split", _step_tables_every_split),
    ("card", _step_card),
]

# Steps measured with the reference fingerprints: run again when `references` changed them
# (enrolment too, for its players' references).
RERUN_AFTER_NEW_REFERENCES = ("stylometry", "enrol_unseen", "confidence")


def build_demo(request: DemoRequest, report: Callable[[str], None] = print) -> dict:
    """Run every unfinished step; returns the build record (also in `<out>/build.json`)."""
    record_path = request.out / "build.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    for name, step in STEPS:
        if name == "card":
            _refresh_map_reading(request, report)
            record.pop("card", None)  # always rewritten: it reports every other step
        if name in record:
            report(f"{name}: done earlier ({record[name]['seconds']} s)")
            continue
        if name not in ("tables_every_split", "card"):
            _restore_train_only_tables(request, record, report)
            if record_path.exists():  # so that a step failing now still finds the tables out
                record_path.write_text(json.dumps(record, indent=1, ensure_ascii=False))
        started = time.perf_counter()
        result = step(request)
        record[name] = {"seconds": round(time.perf_counter() - started, 1), "result": result}
        if name == "references" and result["refreshed"]:
            for stale in RERUN_AFTER_NEW_REFERENCES:
                record.pop(stale, None)
        request.out.mkdir(parents=True, exist_ok=True)
        record_path.write_text(json.dumps(record, indent=1, ensure_ascii=False))
        report(f"{name}: {record[name]['seconds']} s")
    return record
