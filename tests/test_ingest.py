"""Ingest reads every container as a stream, stores each game once, and survives being killed."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import zstandard
from pgn_factory import many_games, uci_moves

GAMES = many_games(30)
TEXT = "".join(GAMES)


def _stylespace(db: Path, *args: str, stdin=None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "stylespace", "--db", str(db), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def test_games_are_stored_with_their_facts(tmp_path, cli, query):
    path = tmp_path / "games.pgn"
    path.write_text(TEXT)
    code, summary = cli("ingest", str(path), "--json")
    assert (code, summary["read"], summary["added"], summary["rejected"]) == (0, 30, 30, 0)
    assert set(summary) >= {
        "read",
        "added",
        "duplicates",
        "rejected",
        "errors_by_reason",
        "seconds",
        "games_per_second",
    }
    row = query(
        "SELECT white, black, white_elo, black_elo, date, year, event, eco, moves, ply_count"
        " FROM games WHERE event = 'Test 0'"
    )
    moves = uci_moves(GAMES[0])
    assert row == [
        (
            "Alpha, Ann",
            "Beta, Bob",
            2400,
            2350,
            "2001.02.03",
            2001,
            "Test 0",
            "A00",
            " ".join(moves),
            len(moves),
        )
    ]


def test_ingesting_the_same_file_twice_adds_nothing(tmp_path, cli, query):
    path = tmp_path / "games.pgn"
    path.write_text(TEXT)
    cli("ingest", str(path), "--json")
    code, again = cli("ingest", str(path), "--json")
    assert (code, again["read"], again["added"], again["duplicates"]) == (0, 30, 0, 30)
    assert query("SELECT count(*) FROM games") == [(30,)]


def test_gzip_and_zstd_files_give_the_same_store_as_plain_pgn(tmp_path, cli, query):
    (tmp_path / "g.pgn.gz").write_bytes(gzip.compress(TEXT.encode()))
    (tmp_path / "g.pgn.zst").write_bytes(zstandard.ZstdCompressor().compress(TEXT.encode()))
    _, from_gzip = cli("ingest", str(tmp_path / "g.pgn.gz"), "--json")
    _, from_zstd = cli("ingest", str(tmp_path / "g.pgn.zst"), "--json")
    assert (from_gzip["added"], from_zstd["added"], from_zstd["duplicates"]) == (30, 0, 30)


def test_a_multi_frame_zstd_stream_is_read_to_the_end(tmp_path, cli):
    frames = b"".join(zstandard.ZstdCompressor().compress(g.encode()) for g in GAMES)
    (tmp_path / "frames.pgn.zst").write_bytes(frames)
    assert cli("ingest", str(tmp_path / "frames.pgn.zst"), "--json")[1]["added"] == 30


def test_stdin_is_streamed(tmp_path, db):
    process = _stylespace(db, "ingest", "-", "--json", stdin=subprocess.PIPE)
    out, err = process.communicate(gzip.compress(TEXT.encode()), timeout=60)
    assert process.returncode == 0, err
    assert json.loads(out)["added"] == 30


def test_a_killed_ingest_keeps_its_committed_batches_and_a_rerun_completes_it(tmp_path, db, query):
    games = many_games(300, start_seed=1000)
    # Feed stdin by hand: after 250 games the ingest has committed two batches of 100 and waits
    # for more input, which is where it is killed.
    process = _stylespace(db, "ingest", "-", "--batch-size", "100", stdin=subprocess.PIPE)
    process.stdin.write("".join(games[:250]).encode())
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not db.exists():
        time.sleep(0.1)
    time.sleep(5)  # ample time to decode and commit 200 tiny games
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    stored = query("SELECT count(*) FROM games")[0][0]
    assert stored == 200
    player_total = query("SELECT sum(games) FROM players")[0][0]
    assert player_total == 2 * stored  # the players table agrees with the committed games

    path = tmp_path / "all.pgn"
    path.write_text("".join(games))
    rerun = _stylespace(db, "ingest", str(path), "--json")
    out, _ = rerun.communicate(timeout=60)
    summary = json.loads(out)
    assert (summary["added"], summary["duplicates"]) == (100, 200)
    assert query("SELECT count(*) FROM games") == [(300,)]


def test_progress_stays_quiet_when_not_on_a_terminal(tmp_path, db):
    path = tmp_path / "games.pgn"
    path.write_text(TEXT)
    process = _stylespace(db, "ingest", str(path))
    out, err = process.communicate(timeout=60)
    assert err == b""
    assert out.decode().startswith("read 30 games: 30 added")


@pytest.mark.parametrize("suffix", [".pgn.gz", ".pgn.zst"])
def test_a_truncated_compressed_file_keeps_the_games_before_the_cut(tmp_path, cli, query, suffix):
    games = many_games(2000, start_seed=5000)
    text = "".join(games).encode()
    compress = gzip.compress if suffix.endswith("gz") else zstandard.ZstdCompressor().compress
    data = compress(text)
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(data[: len(data) * 2 // 3])
    code, summary = cli("ingest", str(path), "--json")
    assert code == 0
    assert summary["added"] > 1000
    events = {row[0] for row in query("SELECT event FROM games")}
    assert events == {f"Test {5000 + i}" for i in range(summary["added"])}  # a prefix, in order
    assert "the compressed data is cut off" in summary["incomplete"][str(path)]


def _zstd_frames_with_checksums(text: bytes) -> bytes:
    """Many checked frames, as the `zstd` tool and the Lichess dumps write them."""
    compressor = zstandard.ZstdCompressor(write_checksum=True)
    frame = 100_000
    return b"".join(compressor.compress(text[i : i + frame]) for i in range(0, len(text), frame))


@pytest.mark.parametrize(
    ("suffix", "compress", "noticed"),
    [
        (".pgn.gz", gzip.compress, True),
        (".pgn.zst", zstandard.ZstdCompressor().compress, False),  # no checksum to tell
        (".pgn.zst", _zstd_frames_with_checksums, True),
    ],
)
def test_a_damaged_compressed_file_keeps_the_games_before_the_damage(
    tmp_path, cli, suffix, compress, noticed
):
    data = bytearray(compress("".join(many_games(2000, start_seed=7000)).encode()))
    for at in range(len(data) * 2 // 3, len(data) * 2 // 3 + 64):
        data[at] ^= 0xA5  # a damaged block part way through, as a bad disk or download leaves it
    path = tmp_path / f"damaged{suffix}"
    path.write_bytes(bytes(data))
    code, summary = cli("ingest", str(path), "--json")
    assert code == 0
    assert summary["added"] > 1000
    assert ("the compressed data is damaged" in summary["incomplete"].get(str(path), "")) == noticed


def test_a_whole_compressed_file_is_not_called_damaged(tmp_path, cli):
    (tmp_path / "g.pgn.zst").write_bytes(zstandard.ZstdCompressor().compress(TEXT.encode()))
    code, summary = cli("ingest", str(tmp_path / "g.pgn.zst"), "--json")
    assert (code, summary["added"], summary["incomplete"]) == (0, 30, {})
