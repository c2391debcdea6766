"""The app as a visitor meets it, in a real browser: a fresh `streamlit run app.py`, Debian's
Chromium opening its address, and the seconds until the style map is drawn, then until the
Player page (reached from the menu `look` seconds after the map settled) shows its style card
and board. Medians over fresh servers.

    .venv/bin/python bench/app_browser_timing.py models/demo 5 1.5

`stylespace bench app` times the pages' scripts without a browser; this adds what a visitor
waits for on top (the server's start is not counted: the clock starts at the address).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(model: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
            "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=ROOT, env={**os.environ, "STYLESPACE_MODEL": model},
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not start: {log.read_text()[-2000:]}")


def _settled(tab) -> None:
    tab.wait_for_timeout(100)
    tab.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def one_visit(browser, model: str, scratch: Path, look: float) -> dict[str, float]:
    process, url = _start_server(model, scratch / "streamlit.log")
    try:
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.set_default_timeout(120_000)
        started = time.perf_counter()
        tab.goto(url)
        tab.locator(".js-plotly-plot").first.wait_for()
        map_seconds = time.perf_counter() - started
        _settled(tab)
        tab.wait_for_timeout(look * 1000)  # a visitor looks at the map before choosing a player
        started = time.perf_counter()
        tab.locator('[data-testid="stSidebarNav"]').get_by_text("Player", exact=True).click()
        tab.get_by_text("Style card").wait_for()
        tab.locator('[data-testid="stImage"]').first.wait_for()
        _settled(tab)
        player_seconds = time.perf_counter() - started
        tab.close()
        return {"map": map_seconds, "player_after_map": player_seconds}
    finally:
        process.terminate()
        process.wait(timeout=30)


def main(model: str, visits: int, look: float) -> dict:
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as scratch:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        runs = [one_visit(browser, model, Path(scratch), look) for _ in range(visits)]
        browser.close()
    report = {
        key: {"median": round(statistics.median(r[key] for r in runs), 2),
              "runs": [round(r[key], 2) for r in runs]}
        for key in runs[0]
    }  # fmt: skip
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="models/demo")
    parser.add_argument("visits", nargs="?", type=int, default=5)
    parser.add_argument("look", nargs="?", type=float, default=1.5, help="seconds on the map")
    arguments = parser.parse_args()
    main(arguments.model, arguments.visits, arguments.look)
