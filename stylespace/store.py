"""The game store: one DuckDB file that every later stage (training, stylometry, the app) reads.

Tables
- `games`: one row per distinct game, keyed by a content hash, with its train/val/test split.
- `players`: per-name counts and facts, rebuilt inside every ingest transaction so it always
  agrees with `games`, even after a killed ingest.
- `ingest_errors`: every rejected game with its source, index, byte offset and reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from stylespace.pgn_decode import Game, Rejection
from stylespace.positions import PlayedGame

DEFAULT_DB = Path("data") / "stylespace.duckdb"
SPLITS = ("train", "val", "test")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS games (
    hash VARCHAR PRIMARY KEY,
    white VARCHAR NOT NULL,
    black VARCHAR NOT NULL,
    white_elo SMALLINT,
    black_elo SMALLINT,
    result VARCHAR NOT NULL,
    date VARCHAR,
    year SMALLINT,
    event VARCHAR,
    site VARCHAR,
    round VARCHAR,
    eco VARCHAR,
    time_control VARCHAR,
    start_fen VARCHAR,
    moves VARCHAR NOT NULL,
    ply_count SMALLINT NOT NULL,
    split VARCHAR NOT NULL,
    source VARCHAR
);
CREATE TABLE IF NOT EXISTS players (
    name VARCHAR PRIMARY KEY,
    games INTEGER NOT NULL,
    as_white INTEGER NOT NULL,
    as_black INTEGER NOT NULL,
    first_date VARCHAR,
    last_date VARCHAR,
    mean_elo DOUBLE
);
CREATE TABLE IF NOT EXISTS player_properties (
    name VARCHAR NOT NULL,
    property VARCHAR NOT NULL,
    value DOUBLE,
    PRIMARY KEY (name, property)
);
CREATE TABLE IF NOT EXISTS ingest_errors (
    source VARCHAR NOT NULL,
    game_index BIGINT NOT NULL,
    byte_offset BIGINT NOT NULL,
    reason VARCHAR NOT NULL,
    detail VARCHAR,
    PRIMARY KEY (source, game_index)
);
"""

_REFRESH_PLAYERS = """
DELETE FROM players;
INSERT INTO players
WITH sides AS (
    SELECT white AS name, 1 AS is_white, date, year, white_elo AS elo FROM games
    UNION ALL
    SELECT black AS name, 0 AS is_white, date, year, black_elo AS elo FROM games
)
SELECT name, count(*), sum(is_white), count(*) - sum(is_white),
       min(date) FILTER (WHERE year IS NOT NULL), max(date) FILTER (WHERE year IS NOT NULL),
       round(avg(elo), 1)
FROM sides GROUP BY name;
"""


def default_db_path() -> Path:
    """`$STYLESPACE_DB` when set, else `data/stylespace.duckdb`."""
    return Path(os.environ.get("STYLESPACE_DB") or DEFAULT_DB)


def split_of(game_hash: str) -> str:
    """Deterministic 80/10/10 split from the content hash, so a game never changes sides."""
    bucket = int(game_hash[:8], 16) % 10
    return "train" if bucket < 8 else ("val" if bucket == 8 else "test")


@dataclass(frozen=True, slots=True)
class PlayerRow:
    name: str
    games: int
    as_white: int
    as_black: int
    first_date: str | None
    last_date: str | None
    mean_elo: float | None


class GameStore:
    """A DuckDB game store on disk. Use as a context manager so the file is closed."""

    def __init__(self, path: Path | str | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        if read_only and not self.path.exists():
            raise FileNotFoundError(
                f"no game store at {self.path}; run `stylespace ingest FILE` first"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        import duckdb  # here, not at the top: the command line imports this module for every
        # command, and DuckDB with pyarrow costs 0.4 s of an `identify` that never opens a store

        self.connection = duckdb.connect(str(self.path), read_only=read_only)
        if not read_only:
            self.connection.execute(_SCHEMA)

    def __enter__(self) -> GameStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()

    def add_batch(self, games: Sequence[Game], rejections: Sequence[Rejection], source: str) -> int:
        """Store a batch in one transaction; returns how many games were new.

        Duplicates (already stored, or repeated within the batch) are ignored, so ingesting the
        same file twice adds nothing. The players table is rebuilt in the same transaction.
        """
        con = self.connection
        con.execute("BEGIN TRANSACTION")
        try:
            added = 0
            if games:
                import pyarrow as pa  # with duckdb: only where a store is written

                rows = [asdict(game) for game in games]
                table = pa.Table.from_pylist(rows)
                table = (
                    table.drop_columns(["repaired"])
                    .append_column("split", pa.array([split_of(game.hash) for game in games]))
                    .append_column("source", pa.array([source] * len(games)))
                )
                con.register("incoming", table)
                before = con.execute("SELECT count(*) FROM games").fetchone()[0]
                con.execute(
                    """
                    INSERT INTO games BY NAME
                    SELECT * FROM incoming
                    WHERE hash NOT IN (SELECT hash FROM games)
                    QUALIFY row_number() OVER (PARTITION BY hash) = 1
                    """
                )
                con.unregister("incoming")
                added = con.execute("SELECT count(*) FROM games").fetchone()[0] - before
            if rejections:
                con.executemany(
                    "INSERT OR IGNORE INTO ingest_errors VALUES (?, ?, ?, ?, ?)",
                    [(r.source, r.index, r.offset, r.reason, r.detail) for r in rejections],
                )
            if added:
                con.execute(_REFRESH_PLAYERS)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return added

    def player_names(self) -> list[str]:
        return [row[0] for row in self.connection.execute("SELECT name FROM players").fetchall()]

    def remove_players_games(self, names: Iterable[str]) -> int:
        """Delete every game of the given players (exact names); returns how many went."""
        names = sorted(set(names))
        if not names:
            return 0
        con = self.connection
        con.execute("BEGIN TRANSACTION")
        try:
            removed = con.execute(
                "DELETE FROM games WHERE list_contains($names, white)"
                " OR list_contains($names, black)",
                {"names": names},
            ).fetchone()[0]
            if removed:
                con.execute(_REFRESH_PLAYERS)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return int(removed)

    def players(
        self, min_games: int = 1, search: str | None = None, limit: int | None = None
    ) -> list[PlayerRow]:
        """Players with at least `min_games` games, most games first; `search` matches names."""
        query = "SELECT * FROM players WHERE games >= ?"
        params: list[object] = [min_games]
        if search:
            query += " AND name ILIKE ?"
            params.append(f"%{search}%")
        query += " ORDER BY games DESC, name"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return [PlayerRow(*row) for row in self.connection.execute(query, params).fetchall()]

    def games_per_year(self, names: Sequence[str]) -> dict[str, dict[int, int]]:
        """Each named player's number of games in each year their games are dated (undated
        games left out)."""
        rows = self.connection.execute(
            """SELECT name, year, count(*) FROM (
                   SELECT white AS name, year FROM games UNION ALL
                   SELECT black AS name, year FROM games
               ) WHERE year IS NOT NULL AND name IN (SELECT unnest(?)) GROUP BY name, year""",
            [list(names)],
        ).fetchall()
        found: dict[str, dict[int, int]] = {name: {} for name in names}
        for name, year, games in rows:
            found[name][int(year)] = int(games)
        return found

    def training_games(self, splits: Sequence[str]) -> list[tuple]:
        """(hash, moves, white, black, white_elo, black_elo) of standard-start games, by hash."""
        placeholders = ", ".join("?" for _ in splits)
        return self.connection.execute(
            f"""
            SELECT hash, moves, white, black, white_elo, black_elo FROM games
            WHERE split IN ({placeholders}) AND start_fen IS NULL AND ply_count > 0
            ORDER BY hash
            """,
            list(splits),
        ).fetchall()

    def played_games(self, splits: Sequence[str]) -> list[PlayedGame]:
        """Standard-start games of the given splits, as the model's side reads them."""
        return [
            PlayedGame(moves.split(), white, black, white_elo, black_elo)
            for _, moves, white, black, white_elo, black_elo in self.training_games(splits)
        ]

    def games_by_player(
        self, splits: Sequence[str], names: Iterable[str]
    ) -> dict[str, list[PlayedGame]]:
        """The given players' games of the given splits, per player (a game can serve two)."""
        wanted = set(names)
        found: dict[str, list[PlayedGame]] = {name: [] for name in wanted}
        for game in self.played_games(splits):
            for name in (game.white, game.black):
                if name in wanted:
                    found[name].append(game)
        return found

    def player_game_counts(self, split: str) -> dict[str, int]:
        """Games per player within one split."""
        rows = self.connection.execute(
            """
            SELECT name, count(*) FROM (
                SELECT white AS name FROM games WHERE split = $split
                UNION ALL SELECT black AS name FROM games WHERE split = $split
            ) GROUP BY name
            """,
            {"split": split},
        ).fetchall()
        return dict(rows)

    def player_side_games(self, min_games: int) -> list[tuple]:
        """(name, moves, is_white, result) for every game side of players with enough games."""
        return self.connection.execute(
            """
            WITH chosen AS (SELECT name FROM players WHERE games >= $min_games)
            SELECT white, moves, true, result FROM games
            WHERE start_fen IS NULL AND white IN (SELECT name FROM chosen)
            UNION ALL
            SELECT black, moves, false, result FROM games
            WHERE start_fen IS NULL AND black IN (SELECT name FROM chosen)
            """,
            {"min_games": min_games},
        ).fetchall()

    def record_properties(self, min_games: int) -> dict[str, dict[str, float]]:
        """Mean Elo and era (median year) per player, from the game records."""
        rows = self.connection.execute(
            """
            WITH sides AS (
                SELECT white AS name, white_elo AS elo, year FROM games
                UNION ALL SELECT black, black_elo, year FROM games
            )
            SELECT name, avg(elo), median(year) FROM sides
            WHERE name IN (SELECT name FROM players WHERE games >= $min_games)
            GROUP BY name
            """,
            {"min_games": min_games},
        ).fetchall()
        return {
            name: {k: v for k, v in (("mean_elo", elo), ("era", year)) if v is not None}
            for name, elo, year in rows
        }

    def save_properties(self, properties: dict[str, dict[str, float]]) -> None:
        """Replace the stored properties with these (one transaction)."""
        rows = [
            (name, prop, value)
            for name, values in properties.items()
            for prop, value in values.items()
        ]
        con = self.connection
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM player_properties")
            con.executemany("INSERT INTO player_properties VALUES (?, ?, ?)", rows)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def properties(self, names: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
        query = "SELECT name, property, value FROM player_properties"
        params: list = []
        if names is not None:
            query += " WHERE list_contains(?, name)"
            params.append(list(names))
        import duckdb

        found: dict[str, dict[str, float]] = {}
        try:
            rows = self.connection.execute(query, params).fetchall()
        except duckdb.CatalogException:  # a store from before properties existed
            return found
        for name, prop, value in rows:
            found.setdefault(name, {})[prop] = value
        return found

    def counts(self) -> dict[str, object]:
        """How many games, players and rejected games the store holds, per split too."""
        con = self.connection
        per_split = dict(con.execute("SELECT split, count(*) FROM games GROUP BY split").fetchall())
        reasons = dict(
            con.execute("SELECT reason, count(*) FROM ingest_errors GROUP BY reason").fetchall()
        )
        return {
            "games": con.execute("SELECT count(*) FROM games").fetchone()[0],
            "players": con.execute("SELECT count(*) FROM players").fetchone()[0],
            "splits": {split: per_split.get(split, 0) for split in SPLITS},
            "rejected": sum(reasons.values()),
            "errors_by_reason": reasons,
        }
