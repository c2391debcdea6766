"""A ranking's first name comes with what its gap meant on held-out queries."""

from __future__ import annotations

import json

from stylespace.confidence import (
    Calibration,
    CalibrationQuery,
    confidence_line,
    verdict_summary,
)


def _queries(games: int = 20, hidden: bool = False) -> list[CalibrationQuery]:
    """Known authors found with gaps 10-29, missed with gaps 0-4; strangers reach 0-5."""
    right = [CalibrationQuery(True, games, hidden, 10.0 + i, True) for i in range(20)]
    wrong = [CalibrationQuery(True, games, hidden, i / 2, False) for i in range(10)]
    strangers = [CalibrationQuery(False, games, hidden, i / 4, False) for i in range(21)]
    return right + wrong + strangers


def _result(
    gap: float,
    games: int = 20,
    hidden: bool = False,
    method: str = "fused",
    openings_known: float | None = 0.75,
) -> dict:
    evidence = {"style": 1.0, ("structures" if hidden else "openings"): 2.0}
    return {
        "method": method,
        "games": games,
        "games_used": games,
        "gap": gap,
        "openings_known": None if hidden else openings_known,
        "candidates": [
            {"player": "A", "score": 30.0, "evidence": evidence},
            {"player": "B", "score": 30.0 - gap, "evidence": evidence},
        ],
    }


def test_a_gap_beyond_every_miss_and_every_stranger_is_clear():
    assessed = Calibration(_queries()).assess(_result(12.0))
    assert assessed["verdict"] == "clear"
    assert (assessed["right"], assessed["known_queries"]) == (18, 18)
    assert (assessed["strangers_reached"], assessed["stranger_queries"]) == (0, 21)


def test_a_gap_that_strangers_reach_is_uncertain():
    assessed = Calibration(_queries()).assess(_result(2.0))
    assert assessed["verdict"] == "uncertain"
    assert assessed["right_share"] < 0.9
    assert assessed["strangers_reached"] == 13  # gaps 2.0 to 5.0 of 0, 0.25, ..., 5.0


def test_a_gap_beyond_every_query_is_read_against_the_clearest_ones():
    assessed = Calibration(_queries()).assess(_result(100.0))
    assert assessed["known_queries"] == 10 and assessed["right"] == 10
    assert "the 10 clearest held-out 20-game queries" in confidence_line(assessed)


def test_shares_are_smoothed_so_a_few_queries_do_not_make_a_certainty():
    few = [CalibrationQuery(True, 20, False, 10.0 + i, True) for i in range(5)]
    assessed = Calibration(few).assess(_result(12.0))
    assert (assessed["right"], assessed["known_queries"]) == (5, 5)
    assert assessed["right_share"] == round(6 / 7, 3) and assessed["verdict"] == "likely"


def test_a_query_is_judged_by_the_largest_calibrated_size_it_reaches_and_its_kind():
    calibration = Calibration(
        _queries(games=5) + [CalibrationQuery(True, 100, False, g, False) for g in range(40)]
    )
    assert calibration.assess(_result(12.0, games=18))["compared_games"] == 5
    assert calibration.assess(_result(12.0, games=60))["compared_games"] == 5
    assert calibration.assess(_result(12.0, games=150))["compared_games"] == 100
    assert calibration.assess(_result(12.0, games=150))["verdict"] == "uncertain"
    assert calibration.assess(_result(12.0, hidden=True)) is None  # no hidden-opening queries
    hidden = Calibration(_queries(hidden=True)).assess(_result(12.0, hidden=True))
    assert hidden["openings_hidden"] and hidden["verdict"] == "clear"


def _style_alone_queries(games: int = 20) -> list[CalibrationQuery]:
    """The style model alone: known authors found with gaps 1.0-1.9, missed with 0-0.45;
    strangers reach 0-0.5."""
    right = [CalibrationQuery(True, games, False, 1.0 + i / 10, True, True) for i in range(10)]
    wrong = [CalibrationQuery(True, games, False, i / 20, False, True) for i in range(10)]
    strangers = [CalibrationQuery(False, games, False, i / 40, False, True) for i in range(21)]
    return right + wrong + strangers


def test_games_whose_openings_nobody_knows_are_read_against_the_style_model_alone():
    calibration = Calibration(_queries() + _style_alone_queries())
    # a bot's ranking: the openings counted nothing, the style led by 1.5 (its scale, not the
    # fused one's, where 1.5 is lost among the misses)
    off_map = calibration.assess(_result(1.5, openings_known=0.1))
    assert off_map["style_only"] and off_map["verdict"] == "clear"
    assert (off_map["right"], off_map["known_queries"]) == (10, 10)
    assert "ranked by the style model alone" in confidence_line(off_map)
    known = calibration.assess(_result(1.5, openings_known=0.75))
    assert not known["style_only"] and known["verdict"] == "uncertain"
    assert Calibration(_queries()).assess(_result(1.5, openings_known=0.1)) is None


def test_fewer_games_than_any_calibrated_query_are_never_called_clear():
    assessed = Calibration(_queries(games=5)).assess(_result(40.0, games=2))
    assert assessed["verdict"] == "uncertain"
    assert "2 games are fewer than this model's smallest held-out queries (5 games)" in (
        confidence_line(assessed)
    )


def test_another_method_or_a_single_candidate_gets_no_assessment():
    calibration = Calibration(_queries())
    assert calibration.assess(_result(12.0, method="similarity")) is None
    lonely = _result(12.0)
    lonely["gap"] = None  # a model of one player: nobody to lead
    assert calibration.assess(lonely) is None


def test_a_calibration_survives_saving(tmp_path):
    Calibration(_queries()).save(tmp_path, {"strangers": 21})
    loaded = Calibration.load(tmp_path)
    assert loaded is not None and loaded.queries == _queries()
    assert Calibration.load(tmp_path / "elsewhere") is None


def test_the_assessment_reads_as_one_sentence():
    line = confidence_line(Calibration(_queries()).assess(_result(12.0)))
    assert line.startswith("clear (gap 12.0): held-out 20-game queries")
    assert "right player 18 times in 18" in line and "0 of 21 queries" in line


def test_each_calibration_query_is_judged_against_the_others():
    (row, alone) = verdict_summary(Calibration(_queries() + _style_alone_queries()))
    assert (row["games"], row["openings_hidden"], row["known_queries"]) == (20, False, 30)
    assert not row["style_only"] and alone["style_only"] and alone["known_queries"] == 20
    assert row["top1"] == round(20 / 30, 3)
    assert row["called_clear"] == round(20 / 30, 3) and row["clear_right"] == 1.0
    # the stranger above every miss (gap 5.0) passes for clear among the others
    assert row["stranger_queries"] == 21 and row["strangers_called_clear"] == round(1 / 21, 3)


def test_identify_on_a_calibrated_model_says_how_sure_its_first_place_is(tiny_demo, capsys):
    from planted import planted_pgn

    from stylespace.cli import main

    games = tiny_demo["root"] / "query.pgn"
    games.write_text(planted_pgn(games_each=20, seed=5, players={"King Pawn 1": ["e2e4"]}))
    model = str(tiny_demo["out"])
    capsys.readouterr()
    assert main(["identify", "--model", model, "--games", str(games), "--json"]) == 0
    assessed = json.loads(capsys.readouterr().out)["confidence"]
    assert assessed["verdict"] in ("clear", "likely", "uncertain")
    assert assessed["compared_games"] == 20 and assessed["known_queries"] > 0
    assert main(["identify", "--model", model, "--games", str(games), "--top", "1"]) == 0
    assert "first place: " in capsys.readouterr().out  # the gap is the whole ranking's


def test_calibration_ranks_each_whole_query_by_the_style_model_alone_too(tiny_demo):
    calibration = Calibration.load(tiny_demo["out"])
    whole = [q for q in calibration.queries if not q.openings_hidden and not q.style_only]
    alone = [q for q in calibration.queries if q.style_only]
    assert len(alone) == len(whole) > 0
    assert not any(q.openings_hidden for q in alone)


def test_identify_without_a_calibration_still_answers(planted_model, tmp_path, capsys):
    from planted import PLANTED, planted_pgn

    from stylespace.cli import main

    games = tmp_path / "query.pgn"
    games.write_text(
        planted_pgn(games_each=5, seed=3, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    capsys.readouterr()
    assert main(["identify", "--model", str(planted_model), "--games", str(games), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["confidence"] is None


def test_a_calibration_counts_its_queries():
    assert Calibration(_queries()).counts() == {
        "queries": 51,
        "known_queries": 30,
        "stranger_queries": 21,
    }
