"""Each game of a query against the player it was attributed to: the odd game out shows."""

from __future__ import annotations

import io
import json
import threading
import time
from contextlib import redirect_stdout

import numpy as np
from planted import PLANTED, planted_pgn

from stylespace.cli import main
from stylespace.game_files import read_game_file
from stylespace.game_fit import game_fits, opening_text
from stylespace.openings import OPENING_PLIES, StructureVisits, game_repertoires
from stylespace.player_table import PlayerTable


def test_a_game_by_somebody_else_fits_the_attributed_player_least(planted_model, tmp_path):
    lea_games = planted_pgn(games_each=10, seed=31, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    robs_game = planted_pgn(games_each=1, seed=32, players={"Lefty, Lea": PLANTED["Righty, Rob"]})
    games = tmp_path / "mixed.pgn"
    games.write_text(lea_games + robs_game)  # the last game opens as Rob does, under Lea's name
    out = io.StringIO()
    with redirect_stdout(out):
        assert (
            main(["identify", "--model", str(planted_model), "--games", str(games), "--json"]) == 0
        )
    result = json.loads(out.getvalue())
    assert result["candidates"][0]["player"] == "Lefty, Lea"
    fits = result["game_fits"]
    assert [fit["game"] for fit in fits] == list(range(1, 12))
    least = max(fits, key=lambda fit: (fit["rank"], -fit["fit"]))
    assert least["game"] == 11 and least["opening"].startswith("1.h4")
    assert least["fit"] < min(fit["fit"] for fit in fits[:10])
    assert all(fit["evidence"] == "openings" and fit["players"] == 2 for fit in fits)


def test_the_text_output_names_the_games_least_like_the_first_candidate(planted_model, tmp_path):
    games = tmp_path / "lea.pgn"
    games.write_text(
        planted_pgn(games_each=5, seed=33, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["identify", "--model", str(planted_model), "--games", str(games)]) == 0
    text = out.getvalue()
    assert "games least like Lefty, Lea, each game alone:" in text
    assert text.count("1.a4") == 3  # three games listed, each with its opening


def test_an_opening_is_shown_in_numbered_san():
    assert (
        opening_text(["e2e4", "c7c5", "g1f3", "d7d6", "d2d4"], full_moves=2) == "1.e4 c5 2.Nf3 d6"
    )
    assert opening_text([]) == ""


def test_games_with_openings_never_read_the_structures_table(planted_model, tmp_path):
    """The structures are the largest table (1 GB and 1.4 s to unpack for the demo): a query
    whose every game has openings must not read it; one whose openings are hidden must."""
    table = PlayerTable.load(planted_model)
    reads: list[str] = []

    def unpack_structures() -> StructureVisits:
        reads.append("structures")
        return StructureVisits.empty(len(table.players))

    table._unread_tables["structures"] = unpack_structures
    path = tmp_path / "lea.pgn"
    path.write_text(
        planted_pgn(games_each=3, seed=34, players={"Lefty, Lea": PLANTED["Lefty, Lea"]}, plies=40)
    )
    games = read_game_file(str(path)).games
    eligible = np.ones(len(table.players), dtype=bool)
    openings = game_repertoires(games, "Lefty, Lea")
    with_openings = game_fits(table, games, "Lefty, Lea", openings, 0, eligible)
    assert [fit.evidence for fit in with_openings] == ["openings"] * 3 and reads == []
    hidden = game_repertoires(games, "Lefty, Lea", from_ply=OPENING_PLIES)
    game_fits(table, games, "Lefty, Lea", hidden, 0, eligible)
    assert reads == ["structures"]


def test_threads_that_ask_for_a_table_while_it_is_unpacked_wait_for_it(planted_model):
    """The app's sessions share one model: a session must not read the empty placeholder while
    another unpacks the table, and the table is unpacked once."""
    table = PlayerTable.load(planted_model)
    unpacked = StructureVisits.empty(len(table.players))
    reads: list[str] = []

    def slow_unpack() -> StructureVisits:
        reads.append("structures")
        time.sleep(0.3)
        return unpacked

    table._unread_tables["structures"] = slow_unpack
    seen: list[StructureVisits] = []
    readers = [threading.Thread(target=lambda: seen.append(table.structures)) for _ in range(3)]
    for reader in readers:
        reader.start()
        time.sleep(0.05)
    for reader in readers:
        reader.join()
    assert reads == ["structures"] and all(found is unpacked for found in seen)
