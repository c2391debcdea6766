"""Identify speed: the whole `stylespace identify` command, model loading included, as a user
runs it, on query sets of 100 and 20 games; median of several runs, with a stage breakdown."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import chess
import chess.pgn

from stylespace.positions import PlayedGame
from stylespace.store import GameStore


def _write_pgn(games: list[PlayedGame], path: Path) -> None:
    with path.open("w") as out:
        for game in games:
            record = chess.pgn.Game()
            record.headers.update({"White": game.white, "Black": game.black, "Result": "*"})
            node = record
            for uci in game.moves:
                node = node.add_variation(chess.Move.from_uci(uci))
            out.write(str(record) + "\n\n")


def _author_with_games(
    store: GameStore, names: set[str], count: int
) -> tuple[str, list[PlayedGame]]:
    by_player = store.games_by_player(["val", "test"], names)
    name, games = max(by_player.items(), key=lambda item: len(item[1]))
    if len(games) < count:
        raise ValueError(f"no player of the model has {count} held-out games (most: {len(games)})")
    return name, games[:count]


# What each path of `identify` imports: the torch-free one (a model with its fingerprint
# graph, `quick_identify.py`) and the one through the loaded model.
IMPORTS = {
    "onnxruntime": "import stylespace.fused, stylespace.graph_fingerprints, onnxruntime",
    "torch": "import stylespace.style_model",
}


def _import_times(statement: str, repeats: int) -> list[float]:
    """Seconds to run an import statement in a fresh process, `repeats` times after one untimed
    run: the commands are timed with a warm file cache too, and a first import from a cold one
    can outlast a whole command."""
    import_library = [sys.executable, "-c", statement]
    subprocess.run(import_library, check=True)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(import_library, check=True)
        times.append(time.perf_counter() - started)
    return times


def _query_label(size: int, from_ply: int) -> str:
    """A timed query's key in the report (and in `build.json`): '100', '100 from ply 30'."""
    return f"{size} from ply {from_ply}" if from_ply else str(size)


def query_name(label: str) -> str:
    """A report key as words: '100' -> '100 games', '100 from ply 30' -> '100 games from ply
    30' (the summary's and the model card's)."""
    size, _, rest = label.partition(" ")
    return f"{size} games {rest}".strip()


def bench_identify(
    model_dir: Path,
    db: Path,
    sizes: tuple[int, ...] = (100, 20),
    repeats: int = 3,
    hidden_openings: tuple[int, ...] = (100,),
    hidden_from_ply: int = 30,
) -> dict:
    """Median wall seconds of the identify command per query size, and where the time goes;
    for the `hidden_openings` sizes also from `hidden_from_ply` (the stylometry goals' 30),
    where the pawn structures, the largest table, are read instead of the openings.

    Where the model has its fingerprint graph, the command runs as a user runs it (without
    torch) and, alternating with it in the same run, forced onto torch (`--engine torch`), so
    that the two compare on one machine at one time."""
    from stylespace.game_files import read_game_file
    from stylespace.graph_fingerprints import GraphFingerprinter
    from stylespace.style_model import StyleModel
    from stylespace.stylometry import identify

    model = StyleModel.load(model_dir)
    with GameStore(db, read_only=True) as store:
        author, games = _author_with_games(
            store, set(model.player_names()), max((*sizes, *hidden_openings))
        )
    report: dict = {"model": str(model_dir), "author": author, "repeats": repeats}
    report["import_seconds"] = {
        engine: round(statistics.median(_import_times(statement, repeats)), 2)
        for engine, statement in IMPORTS.items()
    }
    engines = ["onnxruntime", "torch"] if GraphFingerprinter.available(model_dir) else ["torch"]
    queries = [(size, 0) for size in sizes] + [(size, hidden_from_ply) for size in hidden_openings]
    with tempfile.TemporaryDirectory() as scratch:
        for size, from_ply in queries:
            path = Path(scratch) / f"query{size}.pgn"  # the same games with or without from_ply
            _write_pgn(games[:size], path)
            command = [
                sys.executable,
                "-m",
                "stylespace",
                "identify",
                "--model",
                str(model_dir),
                "--games",
                str(path),
                "--as",
                author,
                "--from-ply",
                str(from_ply),
                "--json",
            ]
            walls: dict[str, list[float]] = {engine: [] for engine in engines}
            for _ in range(repeats):
                for engine in engines:
                    started = time.perf_counter()
                    subprocess.run([*command, "--engine", engine], check=True, capture_output=True)
                    walls[engine].append(time.perf_counter() - started)
            started = time.perf_counter()
            found = read_game_file(str(path))
            parse = time.perf_counter() - started
            result = identify(model, found.games, author=author, from_ply=from_ply)
            report[_query_label(size, from_ply)] = {
                "median_wall_seconds": round(statistics.median(walls[engines[0]]), 2),
                "engine": engines[0],
                "median_wall_seconds_by_engine": {
                    engine: round(statistics.median(times), 2) for engine, times in walls.items()
                },
                "positions": result["positions"],
                "fingerprint_positions": result["fingerprint_positions"],
                "parse_seconds": round(parse, 2),
                "identify_seconds": result["seconds"],
                "fit_steps": result["fit_steps"],
            }
    lines = [f"identify on {author}'s held-out games ({repeats} runs, whole command):"]
    for size, from_ply in queries:
        row = report[_query_label(size, from_ply)]
        by_engine = ", ".join(
            f"{seconds} s with {engine}"
            for engine, seconds in row["median_wall_seconds_by_engine"].items()
        )
        lines.append(
            f"  {query_name(_query_label(size, from_ply))}: median {by_engine} ({row['positions']} "
            f"moves, the fingerprint read {row['fingerprint_positions']}; identify in-process "
            f"with torch {row['identify_seconds']} s)"
        )
    imports = report["import_seconds"]
    lines.append(
        f"  importing what each path needs: {imports['onnxruntime']} s without torch, "
        f"{imports['torch']} s with it"
    )
    report["summary"] = "\n".join(lines)
    return report
