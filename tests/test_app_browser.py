"""The app in a real browser: Debian's Chromium, driven by Playwright, against `streamlit run`.

Visits every page, clicks a player on the map, moves a slider, uploads a PGN, and saves a
screenshot of each page (to `$STYLESPACE_SCREENSHOTS` when set: that is how the README's
pictures are made, with `STYLESPACE_E2E_MODEL=models/demo` and `STYLESPACE_E2E_GAMES` naming a
PGN of one player's games).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from planted import planted_pgn

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _streamlit(model: str, scratch: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free localhost port; yields its URL once it is healthy."""
    port = _free_port()
    env = {**os.environ, "STYLESPACE_MODEL": model, "STYLESPACE_OPT_OUT": str(scratch / "none.txt")}
    log = (scratch / "streamlit.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
            "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("streamlit did not become healthy within 60 s")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def server(tiny_demo, tmp_path_factory):
    model = os.environ.get("STYLESPACE_E2E_MODEL") or str(tiny_demo["out"])
    with _streamlit(model, tmp_path_factory.mktemp("server")) as url:
        yield url


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.set_default_timeout(60_000)
        # Streamlit resolves a page's address once app.py has run in some session: until then
        # /identify shows the default page (a test below holds that), so every test starts warm.
        tab.goto(server)
        tab.get_by_role("heading", name="Style map").wait_for()
        yield tab
        browser.close()


def _settle(tab) -> None:
    """Wait until Streamlit has finished running the page."""
    tab.wait_for_timeout(300)
    tab.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")
    tab.wait_for_timeout(300)


def _shoot(tab, name: str, tmp_path: Path) -> None:
    target = tmp_path / f"{name}.png"
    tab.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    wanted = os.environ.get("STYLESPACE_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        shutil.copy(target, Path(wanted) / target.name)


def _no_exception(tab) -> None:
    assert tab.locator('[data-testid="stException"]').count() == 0


def test_clicking_a_player_on_the_map_opens_their_page(page, server, tmp_path):
    page.goto(server)
    page.get_by_role("heading", name="Style map").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    _settle(page)
    assert page.get_by_text("Deploy", exact=True).count() == 0  # a viewer's app, not a developer's
    _shoot(page, "map", tmp_path)
    x, y, name = page.evaluate(
        """() => {
            const plot = document.querySelector('.js-plotly-plot');
            const xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis;
            const trace = plot._fullData[0], box = plot.getBoundingClientRect();
            return [box.left + xa._offset + xa.l2p(trace.x[0]),
                    box.top + ya._offset + ya.l2p(trace.y[0]), trace.customdata[0]];
        }"""
    )
    page.mouse.click(x, y)
    page.get_by_role("heading", name="Player").wait_for()
    _settle(page)
    _no_exception(page)
    assert page.get_by_text("Style card").count() == 1
    page.get_by_text(name, exact=True).first.wait_for()  # the clicked player's board
    _shoot(page, "player", tmp_path)

    table = page.locator('[data-testid="stDataFrame"]').first  # "Plays most like"
    neighbour = table.locator('[role="gridcell"]').first.inner_text()
    box = table.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the first row's selection box
    _settle(page)
    _no_exception(page)
    boards = page.locator('[data-testid="stMarkdownContainer"]')
    boards.get_by_text(neighbour, exact=True).first.wait_for(timeout=10_000)  # their page now


def test_a_page_opened_by_its_address_on_a_fresh_server_comes_with_the_apps_menu(
    page, tiny_demo, tmp_path
):
    with _streamlit(str(tiny_demo["out"]), tmp_path) as fresh:  # app.py has never run here
        page.goto(f"{fresh}/steer")
        page.get_by_role("heading", name="Style map").wait_for()
        _settle(page)
        _no_exception(page)
        menu = page.locator('[data-testid="stSidebarNav"]')
        assert menu.get_by_text("Style map").count() == 1
        assert menu.get_by_text("app", exact=True).count() == 0  # not the pages/ folder's menu


def test_moving_a_slider_updates_the_steered_moves(page, server, tmp_path):
    page.goto(f"{server}/steer")
    page.get_by_role("heading", name="Steer").wait_for()
    _settle(page)
    page.get_by_text("Mix two players").click()
    _settle(page)
    mix = page.locator('[data-testid="stSlider"]').filter(has_text="Share of")
    value = mix.locator('[data-testid="stSliderThumbValue"]')
    before = value.inner_text()
    mix.get_by_role("slider").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    _settle(page)
    assert value.inner_text() != before, before
    share = f"{float(value.inner_text()):.0%}"
    page.wait_for_function(  # every key press has run: the map's mix marker has the last share
        """(share) => [...document.querySelectorAll('.js-plotly-plot')].some(plot =>
            (plot._fullLayout.annotations || []).some(note =>
                typeof note.text === 'string' && note.text.includes(' + ' + share + ' ')))""",
        arg=share,
    )
    _settle(page)
    _no_exception(page)
    assert page.locator('[data-testid="stImage"]').count() >= 1
    _shoot(page, "steer", tmp_path)


def test_an_uploaded_pgn_is_identified(page, server, tmp_path):
    games = tmp_path / "games.pgn"
    games.write_text(planted_pgn(games_each=20, seed=91, players={"King Pawn 2": ["e2e4", "g1f3"]}))
    if os.environ.get("STYLESPACE_E2E_GAMES"):  # real games for the README's screenshot
        games = Path(os.environ["STYLESPACE_E2E_GAMES"])
    page.goto(f"{server}/identify")
    page.get_by_role("heading", name="Identify").wait_for()
    page.locator('input[type="file"]').set_input_files(str(games))
    page.get_by_text("who plays in every game").wait_for()
    page.get_by_role("button", name="Identify").click()
    page.get_by_text("Most similar style").wait_for()
    _settle(page)
    _no_exception(page)
    _shoot(page, "identify", tmp_path)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download this ranking").click()
    ranking = json.loads(Path(download.value.path()).read_text())
    assert ranking["candidates"] and len(ranking["game_fits"]) == ranking["games"]
    assert "vector" not in ranking and "fingerprint" not in ranking


def test_the_about_page_explains_limits_and_opt_out(page, server, tmp_path):
    page.goto(f"{server}/about")
    page.get_by_text("What it cannot tell").wait_for()
    page.get_by_text("opt-out list").first.wait_for()  # the model card renders before it
    _shoot(page, "about", tmp_path)
