"""Style properties are measured from the player's side of each game, and stored per player."""

from __future__ import annotations

import pytest
from pgn_factory import random_game_pgn

from stylespace.properties import SideGame, percentile_ranks, side_measures

# 1.e4 e5 2.Nf3 Nc6 3.Bc4 Bc5 4.O-O Nf6 5.d3 d6 6.Bg5 h6 7.Bxf6 Qxf6 8.Nc3 O-O-O 9.Nd5 Qg6
# 10.Nh4 Qg5
GAME = [
    "e2e4",
    "e7e5",
    "g1f3",
    "b8c6",
    "f1c4",
    "f8c5",
    "e1g1",
    "g8f6",
    "d2d3",
    "d7d6",
    "c1g5",
    "h7h6",
    "g5f6",
    "d8f6",
    "b1c3",
    "e8c8",
    "c3d5",
    "f6g6",
    "f3h4",
    "g6g5",
]


def test_white_side_measures():
    white = side_measures(SideGame(GAME, True, "1-0"))
    assert white["e4_share"] == 1.0 and white["d4_share"] == 0.0
    assert (white["castling_rate"], white["castling_move"], white["queenside_castling"]) == (
        1.0,
        4.0,
        0.0,
    )
    assert white["captures_per_game"] == 1.0  # Bxf6
    assert white["early_trades"] == 2.0  # Bxf6 and Qxf6, both before move 20
    assert white["draw_rate"] == 0.0 and white["game_length"] == 10.0


def test_black_side_measures():
    black = side_measures(SideGame(GAME, False, "1/2-1/2"))
    assert "e4_share" not in black  # an opening-move share only applies to White
    assert (black["castling_move"], black["queenside_castling"]) == (8.0, 1.0)
    assert black["early_queen"] == 1.0  # 7...Qxf6
    assert black["pawn_storm"] == 1.0  # 6...h6 on the side where White castled
    assert black["draw_rate"] == 1.0


def test_percentiles_span_the_population():
    assert percentile_ranks({"a": 1.0, "b": 3.0, "c": 2.0}) == {"a": 0.0, "b": 100.0, "c": 50.0}


def test_properties_are_computed_into_the_store_and_read_back(tmp_path, cli):
    games = [
        random_game_pgn(
            i, white="Tal, Mihail", black=f"Opp {i}", plies=60, date=f"19{60 + i}.01.01"
        )
        for i in range(6)
    ]
    (tmp_path / "g.pgn").write_text("".join(games))
    cli("ingest", str(tmp_path / "g.pgn"))
    code, found = cli("properties", "--compute", "--min-games", "5", "--workers", "1", "--json")
    assert code == 0 and list(found) == ["Tal, Mihail"]
    tal = found["Tal, Mihail"]
    assert tal["era"] == pytest.approx(1962.5) and tal["mean_elo"] == 2400
    assert tal["e4_share"] == pytest.approx(
        sum(g.split("\n1. ")[1].startswith("e4") for g in games) / 6
    )
    code, text = cli("properties", "--player", "Tal, Mihail")
    assert code == 0 and "castles" in text


def test_an_enrolled_players_facts_are_measured_from_their_own_games():
    from stylespace.player_facts import PROPERTY_MIN_GAMES, facts_from_games
    from stylespace.positions import PlayedGame

    def game(year: int, white: str = "Enrolled, Ed", black: str = "Other, O") -> PlayedGame:
        elos = (2500, None) if white == "Enrolled, Ed" else (None, 2400)
        return PlayedGame(["e2e4", "e7e5"], white, black, *elos, "1/2-1/2", year)

    games = [game(1990) for _ in range(59)] + [game(2015)]  # one stray game, 25 years on
    games += [game(1991, white="Somebody, S", black="enrolled,  ed")]  # spelt otherwise, as Black
    games += [game(1991, white="Somebody, S", black="Other, O")]  # not theirs
    facts = facts_from_games(games, "Enrolled, Ed")
    assert (facts["first_year"], facts["last_year"], facts["stray_games"]) == ("1990", "1991", 1)
    assert facts["mean_elo"] == pytest.approx((60 * 2500 + 2400) / 61, abs=0.05)
    props = facts["properties"]
    assert props["e4_share"] == 1.0 and props["draw_rate"] == 1.0 and props["era"] == 1990

    few = facts_from_games(games[: PROPERTY_MIN_GAMES - 1], "Enrolled, Ed")
    assert few["properties"] == {} and few["first_year"] == "1990"
