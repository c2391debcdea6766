"""Every page of the app, driven through Streamlit's AppTest on a tiny built demo model."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from planted import planted_pgn
from streamlit.testing.v1 import AppTest

from stylespace.app_support import ENTERED
from stylespace.explore import MEASURED_VECTORS, Atlas
from stylespace.properties import format_value
from stylespace.steering import measure_proxies

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def app(tiny_demo, monkeypatch):
    monkeypatch.setenv("STYLESPACE_MODEL", str(tiny_demo["out"]))
    monkeypatch.setenv("STYLESPACE_OPT_OUT", str(tiny_demo["root"] / "no-opt-out.txt"))

    def open_page(page: str | None = None) -> AppTest:
        test = AppTest.from_file(APP, default_timeout=60)
        if page:  # AppTest runs the page itself, as if app.py had let this session in
            test.session_state[ENTERED] = True
            test.switch_page(f"pages/{page}.py")
        test.run()
        assert not test.exception, test.exception
        return test

    return open_page


def _texts(test: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "success", "info", "warning", "error")
        for e in getattr(test, kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_the_map_shows_every_player_and_finds_one_by_name(app):
    test = app()
    assert test.title[0].value == "Style map"
    assert len(test.get("plotly_chart")) == 1
    assert "11 players" in _texts(test)
    assert "Diamonds: 1 enrolled after training" in _texts(test)  # the build's unseen player
    assert "The layout follows 1.e4 as White" in _texts(test)  # the planted openings
    test.text_input(key="map_search").input("queen pawn").run()
    assert not test.exception
    matches = test.selectbox(key="map_found")
    assert all(name.startswith("Queen Pawn") for name in matches.options)
    test.selectbox(key="map_colour").select("e4_share").run()
    assert not test.exception


MAP_WITHOUT_THE_NETWORK = """
import sys
from stylespace.explore import Atlas
from stylespace.figures import map_figure
from stylespace.map_reading import islands_text

atlas = Atlas.load(sys.argv[1])
rows = atlas.table()
colourings = atlas.colourings(rows)
islands_text(atlas.map_reading)
found = atlas.find("queen pawn")[0]
map_figure(rows, "e4_share", colourings["e4_share"], [found, *(n for n, _ in atlas.like(found))])
print(sorted(name for name in sys.modules if name.split(".")[0] in ("torch", "onnxruntime")))
"""


def test_the_style_map_is_drawn_without_loading_the_network(tiny_demo):
    """The app's first page: torch's import alone was half of a cold start."""
    shown = subprocess.run(
        [sys.executable, "-c", MAP_WITHOUT_THE_NETWORK, str(tiny_demo["out"])],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert shown.stdout.strip().splitlines()[-1] == "[]"


def test_the_network_loads_in_the_background_once_the_map_is_drawn(app, tiny_demo):
    from stylespace.app_support import shared_atlas

    app()
    atlas = shared_atlas(str(tiny_demo["out"]))
    deadline = time.monotonic() + 60
    while not atlas.network_loaded and time.monotonic() < deadline:
        time.sleep(0.1)
    assert atlas.network_loaded
    assert atlas.model.player_names() == atlas.roster.player_names()


EXIT_WHILE_LOADING = """
import sys
from stylespace.explore import Atlas

Atlas.load(sys.argv[1]).load_network_in_background(after=float(sys.argv[2]))
"""


@pytest.mark.parametrize("after", [0.0, 30.0])
def test_a_server_stopped_while_the_network_loads_exits_cleanly_and_at_once(tiny_demo, after):
    """A load under way is finished (a thread stopped inside torch aborts the process); one
    not yet begun is given up."""
    started = time.monotonic()
    stopped = subprocess.run(
        [sys.executable, "-c", EXIT_WHILE_LOADING, str(tiny_demo["out"]), str(after)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert stopped.returncode == 0 and "terminate" not in stopped.stderr, stopped.stderr
    assert time.monotonic() - started < 20


def test_a_damaged_network_still_shows_the_map_and_says_why_the_other_pages_cannot(
    app, tiny_demo, tmp_path, monkeypatch
):
    damaged = tmp_path / "damaged"
    shutil.copytree(tiny_demo["out"], damaged)
    (damaged / "base.safetensors").write_bytes(b"not a safetensors file")
    monkeypatch.setenv("STYLESPACE_MODEL", str(damaged))
    assert app().title[0].value == "Style map"
    player = app("player")
    assert "cannot be read" in player.error[0].value and not player.exception


def test_players_like_x_are_the_network_tables_nearest_by_centred_cosine(tiny_demo):
    from stylespace.stylometry import similarity_scores

    atlas = Atlas.load(tiny_demo["out"], opt_out=tiny_demo["root"] / "no-opt-out.txt")
    name = atlas.names()[0]
    scores = similarity_scores(atlas.model, atlas.model.style_vector(name))
    by_network = [
        atlas.model.player_names()[i] for i in scores.argsort(descending=True).tolist()[1:6]
    ]
    assert [other for other, _ in atlas.like(name, top=5)] == by_network


def test_a_player_page_shows_a_card_neighbours_and_predicted_moves(app):
    test = app("player")
    test.selectbox(key="player_pick").select("King Pawn 1").run()
    assert not test.exception
    assert "60 games · 2020" in _texts(test)  # one year: not "2020-2020"
    assert len(test.get("plotly_chart")) == 1  # the style card
    neighbours = test.dataframe[0].value
    assert len(neighbours) == 8 and "King Pawn 1" not in set(neighbours["player"])
    predicted = test.dataframe[1].value
    assert predicted["move"][0] == "e4"  # the planted opening, in this player's style
    test.button(key="play_e2e4").click().run()
    assert not test.exception
    assert test.session_state["extra_moves"] == ["e2e4"]


def test_a_player_page_says_how_many_stray_games_its_years_leave_out(
    app, tiny_demo, tmp_path, monkeypatch
):
    model = tmp_path / "demo"
    shutil.copytree(tiny_demo["out"], model)
    players = json.loads((model / "players.json").read_text())
    next(p for p in players if p["name"] == "King Pawn 1")["stray_games"] = 3
    (model / "players.json").write_text(json.dumps(players))
    monkeypatch.setenv("STYLESPACE_MODEL", str(model))
    test = app("player")
    test.selectbox(key="player_pick").select("King Pawn 1").run()
    assert not test.exception
    assert "The years leave out 3 of the games" in _texts(test)


def test_the_mix_mode_quotes_what_the_interpolation_benchmark_measured(
    app, tiny_demo, tmp_path, monkeypatch, capsys
):
    from stylespace.cli import main
    from stylespace.explore import Atlas

    out = tmp_path / "demo"
    shutil.copytree(tiny_demo["out"], out)
    assert Atlas.load(out).mixing_record() is None  # the planted players have no Elo to pair
    db = str(tiny_demo["root"] / "store.duckdb")
    pair = ["--pair", "Queen Pawn 0", "King Pawn 0", "--positions", "100", "--json"]
    capsys.readouterr()
    assert main(["--db", db, "bench", "interpolation", "--model", str(out), *pair]) == 0
    build = json.loads((out / "build.json").read_text())
    build["interpolation"] = {"seconds": 1.0, "result": json.loads(capsys.readouterr().out)}
    (out / "build.json").write_text(json.dumps(build))

    record = Atlas.load(out).mixing_record()
    assert record is not None and "toward the stronger at every step for 1 of 1 pairs" in record
    assert "a mix plays in between" in record
    monkeypatch.setenv("STYLESPACE_MODEL", str(out))  # in place of the `app` fixture's model
    test = app("steer")
    test.radio(key="steer_mode").set_value("Mix two players").run()
    assert not test.exception
    assert record in _texts(test)


def test_a_typed_position_that_is_not_chess_gets_a_message(app):
    test = app("player")
    test.radio(key="source").set_value("FEN").run()
    test.text_input(key="fen").input("this is not a board").run()
    assert not test.exception
    assert any("Reading the position failed" in e.value for e in test.error)
    test.radio(key="source").set_value("Moves").run()
    test.text_area(key="moves").input("1. e4 e5 2. Ke3").run()
    assert any("'Ke3' is not a legal move" in e.value for e in test.error)


def test_a_game_pasted_as_pgn_is_stepped_through_on_the_player_page(app):
    test = app("player")
    test.radio(key="source").set_value("Moves").run()
    pasted = '[White "me"]\n[Black "you"]\n\n1. d4 { [%clk 0:03:00] } d5 2. c4!? (2. Nf3) e6 *'
    test.text_area(key="moves").input(pasted).run()
    assert not test.exception and not test.error
    assert test.slider(key="ply").max == test.slider(key="ply").value == 4


def test_steering_sliders_move_and_the_shift_is_measured(app):
    test = app("steer")
    sliders = test.slider
    if len(sliders):  # properties that passed the tiny model's steering benchmark
        assert "Over the whole slider the steering benchmark measured" in sliders[0].help
        assert "times the length of the top quarter's offset" in sliders[0].help  # its reach
        sliders[0].set_value(1.0).run()
        assert not test.exception
        assert len(test.dataframe[-1].value) >= 1
    test.radio(key="steer_mode").set_value("Mix two players").run()
    test.slider(key="mix_weight").set_value(0.8).run()
    assert not test.exception
    assert len(test.dataframe[0].value) > 0


def test_a_measured_shift_is_the_probe_positions_measurement_of_both_vectors(tiny_demo):
    """While a slider moves, the player's own vector is measured once, not on every move; what
    is remembered is what a fresh measurement gives, and only so many vectors are kept."""
    atlas = Atlas.load(tiny_demo["out"])
    player = atlas.model.style_vector(atlas.names()[0])
    steered = player + 0.5 * next(iter(atlas.directions.values()))
    fresh = (
        measure_proxies(atlas.model, player, atlas.probe),
        measure_proxies(atlas.model, steered, atlas.probe),
    )
    for _ in range(2):
        shift = atlas.proxy_shift(player, steered)
        assert shift and all(shift[p] == (fresh[0][p], fresh[1][p]) for p in shift)
    for step in range(MEASURED_VECTORS + 3):
        atlas.proxy_shift(player, player + 0.001 * (step + 1))
    assert len(atlas._measured) == MEASURED_VECTORS


def test_properties_the_sliders_barely_move_are_called_weak(app, tiny_demo, tmp_path, monkeypatch):
    from stylespace.explore import WEAK_REACH, Atlas

    model = tmp_path / "model"
    shutil.copytree(tiny_demo["out"], model)
    monkeypatch.setenv("STYLESPACE_MODEL", str(model))
    summary = model / "steering.json"
    measured = json.loads(summary.read_text())
    offered = [prop for prop, row in measured.items() if row["passes"]]
    assert offered, "the tiny demo model offers no steering to check"
    weak, strong = offered[0], offered[1:]
    measured[weak]["mean"] = [0.300, 0.301, 0.302, 0.303, 0.304]  # 0.4 points over the slider
    for prop in strong:
        measured[prop]["mean"] = [0.1, 0.2, 0.3, 0.4, 0.5]
    summary.write_text(json.dumps(measured))
    atlas = Atlas.load(model)
    assert atlas.steering_reach()[weak] == (0.300, 0.304)
    assert WEAK_REACH > 0.004
    label = atlas.steerable()[weak]
    assert atlas.weakly_steerable() == [label]
    texts = _texts(app("steer"))
    assert f"Weak: {label} move by under one point" in texts
    assert "30.0% -> 30.4%" in app("steer").slider(key=f"strength_{weak}").help


def test_a_fused_ranking_is_drawn_as_the_evidence_it_adds_up():
    from stylespace.figures import candidates_figure
    from stylespace.fused import WEIGHTS_OPENINGS_HIDDEN

    candidates = [
        {
            "player": "A",
            "score": 53.0,
            "evidence": {"style": 1.0, "openings": 3.0, "embedding": 1.0},
        },
        {"player": "B", "score": -1.0, "evidence": {"style": -1.0, "openings": None}},
    ]
    style, openings, embedding = candidates_figure(candidates).data
    totals = [sum(parts) for parts in zip(style.x, openings.x, embedding.x, strict=True)]
    assert totals == [53.0, -1.0] and embedding.name == "embedding x 4"
    hidden = [{"player": "A", "score": 17.0, "evidence": {"style": 1.0, "structures": 1.0}}]
    hidden_weights = [WEIGHTS_OPENINGS_HIDDEN[kind] for kind in ("style", "structures")]
    assert [bars.x[0] for bars in candidates_figure(hidden).data] == hidden_weights  # no deep lines
    assert len(candidates_figure([{"player": "A", "score": 0.4}]).data) == 1


def test_uploaded_games_are_identified_and_can_be_enrolled(app):
    test = app("identify")
    games = planted_pgn(games_each=25, seed=77, players={"King Pawn 3": ["e2e4", "g1f3"]})
    test.file_uploader(key="uploads").upload("mine.pgn.gz", gzip.compress(games.encode())).run()
    assert not test.exception
    assert "King Pawn 3" in _texts(test)
    test.button(key="identify").click().run()
    assert not test.exception
    assert len(test.get("plotly_chart")) == 2
    assert "How sure: " in _texts(test)  # the tiny model is calibrated by its build
    evidence, by_game = test.dataframe[-2].value, test.dataframe[-1].value
    assert len(by_game) == 25 and "Game by game" in [h.value for h in test.subheader]
    assert list(by_game.columns) == [
        "game",
        "white",
        "black",
        "opening",
        "rank",
        "fit (nats)",
        "by",
    ]
    assert list(evidence.columns) == [
        "player",
        "score",
        "style evidence",
        "opening evidence",
        "game-embedding evidence",
        "deep-line evidence",
        "structure evidence",
    ]
    assert len(test.get("download_button")) == 1  # the ranking as `identify --json` prints it
    test.text_input(key="enrol_label").input("Me, Myself").run()
    test.button(key="enrol").click().run()
    assert "Me, Myself" in test.session_state["enrolled"]
    test.button(key="identify").click().run()  # the same games again: now their own player
    assert test.session_state["identified"]["candidates"][0]["player"] == "Me, Myself"

    test.session_state["player"] = "Me, Myself"  # their page: facts and a style card as anyone's
    test.switch_page("pages/player.py").run()
    assert not test.exception
    assert "25 games · 2020 · enrolled from uploaded games" in _texts(test)
    assert len(test.get("plotly_chart")) == 1  # the style card, measured from the uploaded games


def test_game_by_game_reads_an_uncertain_first_place_as_fits_to_that_player_only(app):
    test = app("identify")
    games = planted_pgn(games_each=2, seed=81, players={"King Pawn 1": ["e2e4", "g1f3"]})
    test.file_uploader(key="uploads").upload("two.pgn", games.encode()).run()
    test.button(key="identify").click().run()
    assert not test.exception
    assert test.session_state["identified"]["confidence"]["verdict"] == "uncertain"
    assert len(test.dataframe[-1].value) == 2  # both games, each alone
    assert "these are fits to that player only" in _texts(test)


def test_games_whose_openings_nobody_played_leave_the_ranking_to_the_style_and_say_so(app):
    test = app("identify")
    games = planted_pgn(games_each=20, seed=79, players={"Rando, Ray": []})  # random moves
    test.file_uploader(key="uploads").upload("random.pgn", games.encode()).run()
    test.button(key="identify").click().run()
    assert not test.exception
    found = test.session_state["identified"]
    assert found["openings_known"] < 0.1
    assert all(c["evidence"]["openings"] == 0.0 for c in found["candidates"])
    assert "the style model decides" in _texts(test)


def test_the_openings_can_be_left_out_and_the_enrolment_still_reads_whole_games(app):
    test = app("identify")
    games = planted_pgn(games_each=25, seed=78, players={"King Pawn 3": ["e2e4"]}, plies=40)
    test.file_uploader(key="uploads").upload("late.pgn", games.encode()).run()
    test.slider(key="left_out").set_value(15).run()
    test.button(key="identify").click().run()
    assert not test.exception
    assert "moves by King Pawn 3 from move 16 on" in _texts(test)
    found = test.session_state["identified"]
    assert found["from_ply"] == 30 and found["positions"] == 25 * 5  # White's plies 30 to 38
    # the tiny model's players have no late structures to match: the style alone is left
    assert found["candidates"][0]["evidence"].keys() == {"style"}

    test.text_input(key="enrol_label").input("Late, Lou").run()
    test.button(key="enrol").click().run()
    enrolled = test.session_state["enrolled"]["Late, Lou"]
    assert enrolled["from_ply"] == 0 and enrolled["positions"] == 25 * 20  # every White move
    assert len(enrolled["repertoire"].openings) > 0

    test.slider(key="left_out").set_value(0).run()  # a ranking of other moves is not shown
    assert "from move 16 on" not in _texts(test) and not test.dataframe


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pgn", b"", "empty.pgn is empty"),
        ("notes.pgn", b"just some words, no chess here\n", "no readable chess game in notes.pgn"),
        ("broken.pgn.zst", b"\x28\xb5\x2f\xfd garbage", "no readable chess game"),
    ],
)
def test_bad_uploads_are_explained_on_the_page(app, name, content, message):
    test = app("identify")
    test.file_uploader(key="uploads").upload(name, content).run()
    assert not test.exception
    assert any(message in e.value for e in test.error), [e.value for e in test.error]


def test_skipped_games_in_an_upload_are_counted_with_their_reasons(app):
    test = app("identify")
    games = planted_pgn(games_each=3, seed=8, players={"King Pawn 0": ["e2e4", "g1f3"]})
    variant = games.replace("[Date ", '[Variant "Chess960"]\n[Date ', 1)
    test.file_uploader(key="uploads").upload("some.pgn", variant.encode()).run()
    assert not test.exception
    assert "2 games read (1 of 3 games skipped: 1 variant)" in _texts(test)


def test_an_upload_cut_off_part_way_is_read_up_to_the_cut_and_says_so(app):
    test = app("identify")
    games = planted_pgn(games_each=40, seed=9, players={"King Pawn 0": ["e2e4", "g1f3"]})
    packed = gzip.compress(games.encode())
    test.file_uploader(key="uploads").upload("cut.pgn.gz", packed[: len(packed) * 3 // 4]).run()
    assert not test.exception
    warnings = [w.value for w in test.warning]
    assert any("cut.pgn.gz: the compressed data is cut off" in w for w in warnings), warnings
    assert "games read" in _texts(test)


def test_games_the_model_was_built_from_are_called_so_beside_the_ranking(
    app, tiny_demo, tmp_path, monkeypatch
):
    from stylespace.game_files import read_game_file
    from stylespace.known_games import KnownGames

    model_dir = tmp_path / "model"
    shutil.copytree(tiny_demo["out"], model_dir)
    games = planted_pgn(games_each=8, seed=64, players={"King Pawn 2": ["e2e4", "g1f3"]}, plies=40)
    (tmp_path / "known.pgn").write_text(games)
    built_from = read_game_file(str(tmp_path / "known.pgn")).games
    KnownGames.of_move_lists(g.moves for g in built_from[:5]).save(model_dir)
    monkeypatch.setenv("STYLESPACE_MODEL", str(model_dir))
    test = app("identify")
    test.file_uploader(key="uploads").upload("known.pgn", games.encode()).run()
    test.button(key="identify").click().run()
    assert not test.exception
    warnings = [w.value for w in test.warning]
    assert any(w.startswith("Known games: 5 of the 8 games are among those") for w in warnings)
    by_game = test.dataframe[-1].value
    assert sorted(by_game["known"]) == [""] * 3 + ["yes"] * 5  # game by game


def test_games_without_a_common_author_ask_whose_moves_they_are(app):
    test = app("identify")
    first = planted_pgn(games_each=3, seed=5, players={"King Pawn 0": ["e2e4", "g1f3"]})
    second = planted_pgn(games_each=3, seed=6, players={"Queen Pawn 0": ["d2d4", "c2c4"]})
    test.file_uploader(key="uploads").upload("a.pgn", first.encode()).upload(
        "b.pgn", second.encode()
    ).run()
    assert not test.exception
    assert any("No one plays in every game" in w.value for w in test.warning)
    whose = test.selectbox(key="author")
    assert whose.options[:2] == ["King Pawn 0 (3 of 6 games)", "Queen Pawn 0 (3 of 6 games)"]
    assert whose.value == "King Pawn 0"  # the players in most games come first


def test_the_about_page_says_what_the_tool_cannot_tell_and_how_to_opt_out(app):
    test = app("about")
    text = _texts(test)
    assert "What it cannot tell" in text and "opt-out list" in text
    assert "Games the model was built from" in text  # and how it reads them


def test_the_map_of_fifty_thousand_players_is_one_webgl_trace():
    from stylespace.explore import synthetic_atlas_rows
    from stylespace.figures import map_figure

    figure = map_figure(synthetic_atlas_rows(50_000), "mean_elo", "Elo", highlight=["player 7"])
    assert figure.data[0].type == "scattergl" and len(figure.data[0].x) == 50_000
    assert figure.data[1].customdata == ("player 7",)
    assert len(figure.to_json()) < 12 * 2**20  # what the browser receives stays a few MB


def test_players_enrolled_after_training_stand_out_on_the_map():
    from stylespace.figures import map_figure

    rows = [
        {"name": "Trained, T", "x": 0.0, "y": 0.0},
        {"name": "Club, C", "x": 1.0, "y": 1.0, "enrolled": True},
    ]
    dots = map_figure(rows).data[0].marker
    assert tuple(dots.symbol) == ("circle", "diamond") and dots.color[0] != dots.color[1]
    assert map_figure(rows[:1]).data[0].marker.symbol is None  # nobody enrolled: plain dots


def test_bench_app_times_pages_sliders_and_a_large_map(tiny_demo, capsys):
    from stylespace.cli import main

    capsys.readouterr()
    args = ["bench", "app", "--model", str(tiny_demo["out"]), "--repeats", "1"]
    assert main([*args, "--players", "2000", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["players"] == 11
    for key in ("first_page_cold_seconds", "player_page_seconds", "slider_update_seconds"):
        assert 0 < report[key] < 120, key


def test_an_opted_out_player_is_nowhere_in_the_app(tiny_demo, tmp_path):
    from stylespace.explore import Atlas

    (tmp_path / "opt-out.txt").write_text("king pawn 2\n")
    atlas = Atlas.load(tiny_demo["out"], opt_out=tmp_path / "opt-out.txt")
    assert "King Pawn 2" not in atlas.names() and atlas.find("king pawn 2") == []
    assert all(row["name"] != "King Pawn 2" for row in atlas.table())
    assert all(name != "King Pawn 2" for name, _ in atlas.like("King Pawn 1", top=20))
    games = planted_pgn(games_each=20, seed=78, players={"King Pawn 2": ["e2e4", "g1f3"]})
    from stylespace.game_files import read_uploaded_games

    found = atlas.identify(read_uploaded_games([("g.pgn", games.encode())]).games)
    assert all(c["player"] != "King Pawn 2" for c in found["candidates"])
    with pytest.raises(KeyError):
        atlas.player("King Pawn 2")
    for author, label in (("King Pawn 2", "Someone Else"), ("Someone", "king  pawn 2")):
        assert "is on the opt-out list" in atlas.enrolment_refusal(author, label)


def test_an_enrolment_may_not_take_a_players_name_but_may_replace_its_own(tiny_demo):
    from stylespace.explore import Atlas

    atlas = Atlas.load(tiny_demo["out"], opt_out=tiny_demo["root"] / "no-opt-out.txt")
    assert "already a player" in atlas.enrolment_refusal("Me", "King Pawn 1")
    assert "unknown players" in atlas.enrolment_refusal("Me", "NN")
    assert atlas.enrolment_refusal("Me", "Me") is None
    games = planted_pgn(games_each=20, seed=79, players={"Me": ["e2e4", "g1f3"]})
    from stylespace.game_files import read_uploaded_games

    played = read_uploaded_games([("me.pgn", games.encode())]).games
    mine = atlas.with_enrolled({"Me": atlas.enrolment(played, atlas.identify(played))})
    assert mine.enrolment_refusal("Me", "Me") is None  # this session's own: enrolled again


def test_a_misspelt_name_on_the_map_still_finds_the_player(tiny_demo):
    from stylespace.explore import Atlas

    atlas = Atlas.load(tiny_demo["out"], opt_out=tiny_demo["root"] / "no-opt-out.txt")
    assert atlas.find("Quen Pawn 3") == ["Queen Pawn 3"]
    assert atlas.find("Zed") == []


def test_the_identify_page_quotes_what_this_models_benchmark_measured(app, tiny_demo):
    from stylespace.explore import Atlas

    record = Atlas.load(tiny_demo["out"]).identification_record()
    build = json.loads((tiny_demo["out"] / "build.json").read_text())
    seen = build["stylometry"]["result"]["from_ply_0"]["seen"]
    size = next(iter(seen))
    assert record is not None and f"{seen[size]['top1']:.0%}" in record
    assert record in _texts(app("identify"))


def test_property_values_read_as_people_write_them():
    shown = [
        format_value(prop, value)
        for prop, value in [
            ("e4_share", 0.6434),
            ("mean_elo", 2641.97),
            ("era", 2021.0),
            ("captures_per_game", 9.713),
        ]
    ]
    assert shown == ["64%", "2642", "2021", "9.7"]
