"""Uploaded and command-line game files: any bytes give games or a clear message, never a crash."""

from __future__ import annotations

import gzip

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st
from pgn_factory import many_games

from stylespace.game_files import GameFile, UnreadableGames, read_uploaded_games

GAMES = "".join(many_games(500, start_seed=300)).encode()  # zstd blocks hold up to 128 KB
COMPRESS = {".pgn.gz": gzip.compress, ".pgn.zst": zstandard.ZstdCompressor().compress}


def _read_or_explain(name: str, data: bytes) -> GameFile | UnreadableGames:
    try:
        return read_uploaded_games([(name, data)])
    except UnreadableGames as error:
        return error


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(["a.pgn", "a.pgn.gz", "a.pgn.zst", "a.gz", "a", "A.PGN"]),
    data=st.binary(min_size=1, max_size=400),
)
def test_any_bytes_under_any_name_give_games_or_a_message(name, data):
    assert isinstance(_read_or_explain(name, data), GameFile | UnreadableGames)


@settings(max_examples=60, deadline=None)
@given(
    suffix=st.sampled_from(sorted(COMPRESS)),
    at=st.floats(min_value=0.0, max_value=0.999),
    flip=st.integers(min_value=1, max_value=255),
)
def test_a_flipped_byte_in_a_compressed_upload_gives_games_or_a_message(suffix, at, flip):
    data = bytearray(COMPRESS[suffix](GAMES))
    data[int(at * len(data))] ^= flip
    assert isinstance(_read_or_explain(f"up{suffix}", bytes(data)), GameFile | UnreadableGames)


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
def test_a_cut_off_upload_keeps_the_games_before_the_cut_and_names_the_file(suffix):
    whole = read_uploaded_games([(f"whole{suffix}", COMPRESS[suffix](GAMES))])
    packed = COMPRESS[suffix](GAMES)
    cut = read_uploaded_games([(f"cut{suffix}", packed[: len(packed) * 3 // 4])])
    assert whole.incomplete == {}
    assert 0 < len(cut.games) < len(whole.games)
    assert "the compressed data is cut off" in cut.incomplete[f"cut{suffix}"]
    assert f"in cut{suffix}, the compressed data is cut off" in cut.skipped()
    assert cut.report()["incomplete"] == cut.incomplete


def test_an_upload_cut_before_its_first_game_is_explained():
    packed = gzip.compress(GAMES)
    with pytest.raises(UnreadableGames, match=r"no readable chess game in tiny.pgn.gz.*cut off"):
        read_uploaded_games([("tiny.pgn.gz", packed[:12])])


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
def test_an_upload_that_unpacks_past_the_limit_is_read_up_to_it_and_says_so(suffix):
    packed = COMPRESS[suffix](GAMES)
    assert len(GAMES) > 150 * 1024
    whole = read_uploaded_games([(f"big{suffix}", packed)])
    capped = read_uploaded_games([(f"big{suffix}", packed)], max_unpacked=64 * 1024)
    assert 0 < len(capped.games) < len(whole.games) / 2
    assert "over 64 KB of games, the limit" in capped.incomplete[f"big{suffix}"]


def test_an_upload_of_more_games_than_a_query_needs_is_read_only_so_far():
    found = read_uploaded_games([("many.pgn", GAMES)], max_games=100)
    assert (len(found.games), found.read, found.limit) == (100, 100, 100)
    assert "only the first 100 games were read" in found.skipped()
    assert found.report()["stopped_at_games"] == 100
    two = read_uploaded_games([("a.pgn", GAMES), ("b.pgn", GAMES)], max_games=600)
    assert (len(two.games), two.limit) == (600, 600)
    exact = read_uploaded_games([("all.pgn", GAMES)], max_games=500)
    assert (len(exact.games), exact.limit) == (500, None)  # nothing was left unread
