"""Bad input never crashes ingest, never loses the good games around it, and is recorded."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pgn_factory import random_game_pgn, uci_moves

from stylespace.pgn_decode import Game, decode_games
from stylespace.pgn_stream import split_games

BEFORE = random_game_pgn(1, white="Good, Before", black="Other, One")
AFTER = random_game_pgn(2, white="Good, After", black="Other, Two")
BAD_GAME = random_game_pgn(3, white="Bad, Bea", black="Bad, Ben")


def _write(path: Path, *parts: str | bytes) -> Path:
    path.write_bytes(b"".join(p if isinstance(p, bytes) else p.encode() for p in parts))
    return path


def _assert_neighbours_stored(query) -> None:
    for pgn, name in ((BEFORE, "Good, Before"), (AFTER, "Good, After")):
        rows = query("SELECT moves FROM games WHERE white = ?", [name])
        assert rows == [(" ".join(uci_moves(pgn)),)]


def _ingest_one_bad(tmp_path, cli, query, bad: str | bytes, reason: str) -> dict:
    path = _write(tmp_path / "mixed.pgn", BEFORE, bad, AFTER)
    code, summary = cli("ingest", str(path), "--json")
    assert code == 0
    assert summary["read"] == 3
    assert summary["added"] == 2
    assert summary["rejected"] == 1
    assert summary["errors_by_reason"] == {reason: 1}
    _assert_neighbours_stored(query)
    errors = query("SELECT source, game_index, byte_offset, reason FROM ingest_errors")
    assert errors == [(str(path.resolve()), 1, len(BEFORE.encode()), reason)]
    return summary


def test_an_illegal_move_rejects_only_that_game(tmp_path, cli, query):
    bad = BAD_GAME.replace("\n1. ", "\n1. Ke2 ", 1)
    _ingest_one_bad(tmp_path, cli, query, bad, "illegal_move")


def test_a_chess_variant_rejects_only_that_game(tmp_path, cli, query):
    bad = BAD_GAME.replace('[Round "1"]', '[Round "1"]\n[Variant "Chess960"]', 1)
    _ingest_one_bad(tmp_path, cli, query, bad, "variant")


def test_a_standard_variant_tag_is_read_as_chess(tmp_path, cli, query):
    path = _write(
        tmp_path / "standard.pgn",
        BEFORE.replace('[Round "1"]', '[Round "1"]\n[Variant "Standard"]', 1),
    )
    code, summary = cli("ingest", str(path), "--json")
    assert code == 0 and summary["added"] == 1


def test_a_broken_tag_line_rejects_only_that_game(tmp_path, cli, query):
    bad = BAD_GAME.replace('[Round "1"]', '[Round "1', 1)
    _ingest_one_bad(tmp_path, cli, query, bad, "malformed_tag")


def test_missing_player_tags_reject_only_that_game(tmp_path, cli, query):
    bad = BAD_GAME.replace('[White "Bad, Bea"]\n', "").replace('[Black "Bad, Ben"]\n', "")
    _ingest_one_bad(tmp_path, cli, query, bad, "missing_player")


def test_unreadable_movetext_rejects_only_that_game(tmp_path, cli, query):
    bad = BAD_GAME.replace("\n1. ", "\n1. Zz9 ", 1)
    _ingest_one_bad(tmp_path, cli, query, bad, "bad_movetext")


def test_a_gigantic_line_rejects_only_its_game(tmp_path, cli, query):
    giant = "{" + "x" * 5_000_000 + "}"
    bad = BAD_GAME.replace("\n1. ", f"\n{giant} 1. ", 1)
    _ingest_one_bad(tmp_path, cli, query, bad, "too_large")


@pytest.mark.parametrize(
    ("cut", "reason"),
    [("clean", "truncated"), ("mid_move", "bad_movetext"), ("mid_tags", "missing_player")],
)
def test_a_truncated_last_game_is_rejected_and_the_rest_kept(tmp_path, cli, query, cut, reason):
    moves_at = BAD_GAME.index("\n1. ") + 1
    cuts = {
        "clean": BAD_GAME[: BAD_GAME.index(" 5. ", moves_at)],
        "mid_move": BAD_GAME[: BAD_GAME.index(" 5. ", moves_at) + 5],
        "mid_tags": BAD_GAME[: BAD_GAME.index("[White")],
    }
    path = _write(tmp_path / "cut.pgn", BEFORE, AFTER, cuts[cut])
    code, summary = cli("ingest", str(path), "--json")
    assert code == 0
    assert (summary["read"], summary["added"], summary["rejected"]) == (3, 2, 1)
    assert summary["errors_by_reason"] == {reason: 1}
    _assert_neighbours_stored(query)
    assert query("SELECT game_index, reason FROM ingest_errors") == [(2, reason)]


def test_nul_bytes_are_removed_and_the_game_kept(tmp_path, cli, query):
    padded = BAD_GAME.rstrip("\n").encode() + b"\x00\x00\x00\n\x00\n\n"
    path = _write(tmp_path / "nul.pgn", BEFORE, padded, AFTER)
    code, summary = cli("ingest", str(path), "--json")
    assert code == 0
    assert (summary["read"], summary["added"], summary["rejected"]) == (3, 3, 0)
    assert summary["repaired"] == 1
    assert query("SELECT moves FROM games WHERE white = 'Bad, Bea'") == [
        (" ".join(uci_moves(BAD_GAME)),)
    ]


def test_latin1_names_are_decoded_not_rejected(tmp_path, cli, query):
    latin = random_game_pgn(4, white="Müller, Jörg", black="Other, One").encode("latin-1")
    path = _write(tmp_path / "latin.pgn", BEFORE, latin, AFTER)
    code, summary = cli("ingest", str(path), "--json")
    assert (code, summary["added"], summary["rejected"]) == (0, 3, 0)
    assert query("SELECT count(*) FROM games WHERE white = 'Müller, Jörg'") == [(1,)]


def test_an_empty_file_reads_nothing_and_fails(tmp_path, cli):
    path = _write(tmp_path / "empty.pgn", b"")
    code, summary = cli("ingest", str(path), "--json")
    assert code == 1
    assert (summary["read"], summary["added"], summary["rejected"]) == (0, 0, 0)


def test_an_empty_file_beside_a_good_one_is_fine(tmp_path, cli):
    empty = _write(tmp_path / "empty.pgn", b"")
    good = _write(tmp_path / "good.pgn", BEFORE, AFTER)
    code, summary = cli("ingest", str(empty), str(good), "--json")
    assert (code, summary["read"], summary["added"]) == (0, 2, 2)


def test_a_missing_file_is_reported_and_the_others_ingested(tmp_path, cli):
    good = _write(tmp_path / "good.pgn", BEFORE)
    code, summary = cli("ingest", str(tmp_path / "nope.pgn"), str(good), "--json")
    assert (code, summary["added"]) == (0, 1)
    assert list(summary["unreadable"]) == [str(tmp_path / "nope.pgn")]


def test_a_file_of_garbage_fails_with_the_reasons_recorded(tmp_path, cli, query):
    path = _write(tmp_path / "garbage.pgn", b"\x89PNG\r\n\x1a\n not a chess game at all\n")
    code, summary = cli("ingest", str(path), "--json")
    assert code == 1
    assert summary["added"] == 0
    assert query("SELECT count(*) FROM ingest_errors") == [(summary["rejected"],)]


@settings(max_examples=300, deadline=None)
@given(
    junk=st.binary(max_size=300)
    | st.text(alphabet='[]{}()"\n .-01/2*$;%KQRBNxe4O', max_size=300).map(str.encode)
)
def test_random_bytes_between_games_never_lose_the_games_around_them(junk):
    stream = io.BufferedReader(
        io.BytesIO(b"".join([BEFORE.encode(), junk, b"\n\n", AFTER.encode()]))
    )
    games = [g for g in decode_games(list(split_games(stream, "fuzz"))) if isinstance(g, Game)]
    stored = {(game.white, game.moves) for game in games}
    assert ("Good, Before", " ".join(uci_moves(BEFORE))) in stored
    assert ("Good, After", " ".join(uci_moves(AFTER))) in stored
