from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

from stylespace.cli import main

sys.path.insert(0, str(Path(__file__).parent))

SHARED = Path(__file__).resolve().parents[2] / "shared"
MASTER_GAMES = SHARED / "data" / "gm" / "games.pgn.zst"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def cli(db: Path, capsys):
    """Run the CLI in-process against the test's store; returns (exit code, parsed JSON or text)."""

    def run(*args: str) -> tuple[int, object]:
        code = main(["--db", str(db), *args])
        out = capsys.readouterr().out
        if "--json" in args:
            return code, json.loads(out)
        return code, out

    return run


@pytest.fixture
def query(db: Path):
    def run(sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    return run


@pytest.fixture(scope="session")
def planted_store(tmp_path_factory) -> Path:
    from planted import planted_pgn

    root = tmp_path_factory.mktemp("planted")
    (root / "planted.pgn").write_text(planted_pgn())
    db = root / "store.duckdb"
    assert main(["--db", str(db), "ingest", str(root / "planted.pgn")]) == 0
    return db


@pytest.fixture(scope="session")
def planted_model(planted_store, tmp_path_factory) -> Path:
    """A tiny model trained once per test session on the planted players."""
    from planted import train_tiny

    out = tmp_path_factory.mktemp("model") / "tiny"
    assert train_tiny(planted_store, out, "--base-steps", "300", "--style-steps", "400") == 0
    return out


@pytest.fixture(scope="session")
def tiny_demo(tmp_path_factory) -> dict:
    """`build-demo` run once per session on planted players (tiny preset): the artifact the app
    tests explore, and the record the build test checks. Keys: out, record, args."""
    from planted import planted_pgn

    root = tmp_path_factory.mktemp("demo")
    openers = {
        **{f"King Pawn {i}": ["e2e4", "g1f3"] for i in range(5)},
        **{f"Queen Pawn {i}": ["d2d4", "c2c4"] for i in range(5)},
    }
    unseen = {"Unseen, Uma": ["c2c4", "b1c3"]}  # enough to enrol from 100 and query the rest
    (root / "games.pgn").write_text(
        planted_pgn(games_each=60, seed=31, players=openers)
        + planted_pgn(games_each=130, seed=32, players=unseen)
    )
    db = str(root / "store.duckdb")
    assert main(["--db", db, "ingest", str(root / "games.pgn")]) == 0
    (root / "unseen.txt").write_text("# left out\nUnseen, Uma\n")
    out = root / "demo"
    args = [
        "--db",
        db,
        "build-demo",
        "--work",
        str(root / "work"),
        "--out",
        str(out),
        "--preset",
        "tiny",
        "--unseen",
        str(root / "unseen.txt"),
        "--min-games",
        "30",
        "--stylometry-players",
        "3",
        "--json",
    ]
    import contextlib
    import io

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        assert main(args) == 0
    return {"out": out, "record": json.loads(captured.getvalue()), "args": args, "root": root}
