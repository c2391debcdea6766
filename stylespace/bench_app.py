"""App speed, server side: the page scripts run through Streamlit's AppTest (no browser), and
the work behind a steering slider timed call by call. Medians of several runs."""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"

COLD_START = """
import json, sys, time
started = time.perf_counter()
from streamlit.testing.v1 import AppTest
test = AppTest.from_file(sys.argv[1], default_timeout=120)
test.run()
assert not test.exception, test.exception
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def _median_seconds(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def bench_app(model_dir: Path, repeats: int = 5, synthetic_players: int = 50_000) -> dict:
    import chess
    from streamlit.testing.v1 import AppTest

    from stylespace.explore import Atlas, synthetic_atlas_rows
    from stylespace.figures import map_figure
    from stylespace.rendering import board_png

    env = {**os.environ, "STYLESPACE_MODEL": str(model_dir)}
    cold = []
    for _ in range(max(1, repeats // 2)):
        out = subprocess.run(
            [sys.executable, "-c", COLD_START, str(APP)],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        cold.append(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])

    os.environ["STYLESPACE_MODEL"] = str(model_dir)
    test = AppTest.from_file(str(APP), default_timeout=120)
    test.switch_page("pages/player.py")
    test.run()  # warm the shared cache

    def player_page() -> None:
        test.run()
        assert not test.exception

    atlas = Atlas.load(model_dir)
    name = atlas.names()[0]
    start = atlas.model.style_vector(name)
    board = chess.Board()
    moves_made = itertools.count(1)

    def slider_move() -> None:
        # a new setting each time, as a slider moves: nothing measured before is reused but
        # the player's own vector, which the page measures once per player
        setting = 0.5 + 0.01 * next(moves_made)
        strengths = {prop: setting for prop in atlas.steerable()}
        vector = atlas.steered(name, strengths) if strengths else atlas.mixed(name, name, setting)
        moves = atlas.predictions(board, vector)
        board_png(board, [(m.uci, m.probability) for m in moves], size=340)
        atlas.place(vector)
        atlas.proxy_shift(start, vector)

    rows = synthetic_atlas_rows(synthetic_players)
    report = {
        "model": str(model_dir),
        "players": len(atlas.names()),
        "first_page_cold_seconds": round(statistics.median(cold), 3),
        "player_page_seconds": _median_seconds(player_page, repeats),
        "slider_update_seconds": _median_seconds(slider_move, repeats),
        "map_figure_seconds_50k": _median_seconds(
            lambda: map_figure(rows, "mean_elo").to_json(), repeats
        ),
        "map_payload_megabytes_50k": round(len(map_figure(rows, "mean_elo").to_json()) / 2**20, 2),
    }
    report["summary"] = (
        f"first page (cold, model load included) {report['first_page_cold_seconds']} s; "
        f"player page {report['player_page_seconds']} s; slider update "
        f"{report['slider_update_seconds'] * 1000:.0f} ms; map of {synthetic_players:,} players "
        f"built in {report['map_figure_seconds_50k']} s ({report['map_payload_megabytes_50k']} MB)"
    )
    return report
