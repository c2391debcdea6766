"""Reading the style map out in words: islands, and the properties neighbours share."""

from __future__ import annotations

import json
import shutil

import numpy as np

from stylespace.map_reading import (
    island_text,
    island_title,
    islands_text,
    neighbour_r2,
    place_text,
    read_map,
    sorted_by_text,
)


def _two_islands(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """60 players around (0, 0) who open 1.e4 70% of the time, 40 around (10, 10) at 10%;
    draws are noise, the same on both."""
    coordinates = np.vstack([rng.normal(0, 1, (60, 2)), rng.normal(10, 1, (40, 2))])
    e4 = np.concatenate([rng.normal(0.7, 0.01, 60), rng.normal(0.1, 0.01, 40)])
    return coordinates, {"e4_share": e4, "draw_rate": rng.uniform(0.2, 0.6, 100)}


def test_two_islands_are_found_and_described_by_what_sets_them_apart():
    coordinates, properties = _two_islands(np.random.default_rng(0))
    reading = read_map(coordinates, properties)
    assert [island.players for island in reading.islands] == [60, 40]
    big, small = reading.islands
    assert [d.prop for d in big.differences] == ["e4_share"]  # draws differ by chance only
    assert big.differences[0].effect > 0 > small.differences[0].effect
    assert abs(big.differences[0].inside - 0.7) < 0.03
    assert island_title(big) == "1.e4 as White 70%"
    assert island_text(small) == "40 players: 1.e4 as White 10% (70% elsewhere)"
    assert big.top == coordinates[:60, 1].max()


def test_islands_are_labelled_above_their_players_on_the_map_figure():
    from stylespace.figures import map_figure

    coordinates, properties = _two_islands(np.random.default_rng(0))
    rows = [{"name": str(i), "x": x, "y": y} for i, (x, y) in enumerate(coordinates)]
    islands = read_map(coordinates, properties).islands
    figure = map_figure(rows, labels=[(island_title(i), i.centre[0], i.top) for i in islands])
    assert [a.text for a in figure.layout.annotations] == ["1.e4 as White 70%", "1.e4 as White 10%"]
    assert [a.y for a in figure.layout.annotations] == [i.top for i in islands]


def test_a_point_is_placed_in_the_island_of_nearest_centre():
    coordinates, properties = _two_islands(np.random.default_rng(0))
    reading = read_map(coordinates, properties)
    assert reading.island_at(9.0, 11.0).players == 40
    assert place_text(reading, 0.5, -0.5) == (
        "On the map: in an island of 60 players whose means are 1.e4 as White 70% (10% elsewhere)"
    )
    rng = np.random.default_rng(1)
    cloud = read_map(rng.normal(size=(300, 2)), {"draw_rate": rng.uniform(size=300)})
    assert cloud.island_at(0.0, 0.0) is None and place_text(cloud, 0.0, 0.0) is None


def test_one_round_cloud_is_no_islands_and_says_so():
    rng = np.random.default_rng(1)
    reading = read_map(rng.normal(size=(300, 2)), {"draw_rate": rng.uniform(size=300)})
    assert reading.islands == []
    assert reading.separation < 0.5
    assert islands_text(reading).startswith("The players form no separate islands")


def test_a_property_laid_out_along_the_map_is_followed_and_noise_is_not():
    rng = np.random.default_rng(2)
    coordinates = rng.uniform(0, 10, (400, 2))
    gradient = coordinates[:, 0] / 10 + rng.normal(0, 0.02, 400)
    noise = rng.uniform(size=400)
    assert neighbour_r2(coordinates, gradient) > 0.9
    assert neighbour_r2(coordinates, noise) < 0.05
    reading = read_map(coordinates, {"draw_rate": noise, "era": 1950 + 70 * gradient})
    assert [a.prop for a in reading.sorted_by] == ["era", "draw_rate"]
    text = sorted_by_text(reading)
    assert text.startswith("The layout follows era (R² 0.9")
    assert "hardly draws (R² under 0.05)" in text


def test_players_without_a_value_are_left_out_of_its_reading():
    rng = np.random.default_rng(3)
    coordinates = rng.uniform(0, 10, (200, 2))
    values = coordinates[:, 1].copy()
    values[::3] = np.nan
    assert neighbour_r2(coordinates, values) > 0.9


def test_the_cli_reads_the_map_of_a_model(tiny_demo, capsys):
    from stylespace.cli import main

    assert main(["map-reading", "--model", str(tiny_demo["out"]), "--json"]) == 0
    reading = json.loads(capsys.readouterr().out)
    assert {a["prop"] for a in reading["sorted_by"]} >= {"e4_share", "d4_share"}
    assert (reading["players"], reading["neighbours"]) == (11, 2)  # a quarter of a small map
    assert main(["map-reading", "--model", str(tiny_demo["out"])]) == 0
    assert "The layout follows" in capsys.readouterr().out


def test_a_models_stored_reading_is_read_only_for_the_players_it_read(tiny_demo, tmp_path):
    from stylespace.explore import Atlas
    from stylespace.map_reading import READING_FILE

    model = tmp_path / "model"
    shutil.copytree(tiny_demo["out"], model)
    assert (model / READING_FILE).exists()  # build-demo's map step keeps it
    fresh = Atlas.load(model, opt_out=tmp_path / "none.txt").map_reading
    stored = json.loads((model / READING_FILE).read_text())
    stored["reading"]["separation"] = 0.123  # a mark: only the stored file says this
    (model / READING_FILE).write_text(json.dumps(stored))
    assert Atlas.load(model, opt_out=tmp_path / "none.txt").map_reading.separation == 0.123

    (tmp_path / "opt-out.txt").write_text("king pawn 2\n")  # other players: measured again
    hidden = Atlas.load(model, opt_out=tmp_path / "opt-out.txt").map_reading
    assert (hidden.players, fresh.players) == (10, 11) and hidden.separation != 0.123
