"""The player table as identification reads it: names, vectors, fingerprints, opening tables and
game-embedding profiles, all numpy, loaded from a model directory without importing torch.

`StyleModel` (torch, every other use) shares the table part through `QueryTables`: the same
files, read by the same code. `identify` from the command line needs only this and the exported
gradient graph (`graph_fingerprints.py`), so it starts in a fraction of the time torch takes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

from stylespace.game_embedding import GameEmbedding, dequantised
from stylespace.known_games import KnownGames
from stylespace.openings import MoveChoices, Repertoires, StructureVisits
from stylespace.placeholders import may_be_named
from stylespace.sketch import FINGERPRINT_SIZE

if TYPE_CHECKING:
    from stylespace.style_model import StyleModel

# openings.safetensors: key prefix -> (the model's table, its `RepertoireTokens` field, kind).
# The first models kept TF-IDF repertoires, deep lines and structures (counted once per
# position) under the prefixes "", "deep_" and "structures_"; they load without them.
OPENING_TABLES: dict[str, tuple[str, str, type[Repertoires]]] = {
    "choices_": ("repertoires", "openings", MoveChoices),
    "deep_choices_": ("deep_lines", "deep_lines", MoveChoices),
    "structure_visits_": ("structures", "structures", StructureVisits),
}

_UNPACKING = threading.Lock()


def trained_tasks(players: list[dict]) -> list[int]:
    """Task ids of the players trained with the skills (not enrolled since)."""
    return [p["task_id"] for p in players if not p.get("enrolled")]


def _opening_table(name: str) -> property:
    """A per-player table of `OPENING_TABLES`, read from the artifact when first used: a query
    with its openings never needs the structures, the largest table."""

    def read(table: QueryTables) -> Repertoires:
        if name in table._unread_tables:
            with _UNPACKING:  # the app's sessions share one model: one thread unpacks, all wait
                if name in table._unread_tables:
                    table._tables[name] = table._unread_tables[name]()
                    del table._unread_tables[name]
        return table._tables[name]

    def replace(table: QueryTables, value: Repertoires) -> None:
        table._unread_tables.pop(name, None)
        table._tables[name] = value

    return property(read, replace)


class QueryTables:
    """The per-player tables beside the vectors: opening tables and the game embedding."""

    repertoires = _opening_table("repertoires")  # the per-player tables of `OPENING_TABLES`
    deep_lines = _opening_table("deep_lines")
    structures = _opening_table("structures")
    players: list[dict]

    def _start_tables(self) -> None:
        self.game_embedding: GameEmbedding | None = None  # `game_embedding.py`, where trained
        self.known_games: KnownGames | None = None  # the games behind it (`known_games.py`)
        self._tables: dict[str, Repertoires] = {}
        self._unread_tables: dict[str, Callable[[], Repertoires]] = {}
        for table, _, kind in OPENING_TABLES.values():
            self._tables[table] = kind.empty(len(self.players))

    def _read_tables(self, directory: Path, profiles: np.ndarray | None) -> None:
        """The game embedding (with `profiles`, each player's, from the vectors file), the
        opening tables (unpacked when first used) and the known games of a model directory,
        where present."""
        self.known_games = KnownGames.load(directory)
        if (directory / "game_embedding.safetensors").exists():
            tokens = dequantised(load_file(directory / "game_embedding.safetensors"))
            if profiles is None or profiles.shape[0] != len(self.players):
                profiles = np.full((len(self.players), tokens.shape[1]), np.nan, np.float32)
            self.game_embedding = GameEmbedding(tokens, profiles)
        if (directory / "openings.safetensors").exists():
            stored = load_file(directory / "openings.safetensors")
            for prefix, (name, _, kind) in OPENING_TABLES.items():
                rows = stored[f"{prefix}indptr"].size - 1 if f"{prefix}indptr" in stored else -1
                if rows == len(self.players):  # unpacked when first used
                    self._unread_tables[name] = partial(kind.from_arrays, stored, prefix)

    def _trained_tasks(self) -> list[int]:
        return trained_tasks(self.players)

    def trained_mask(self) -> np.ndarray:
        """Per task id: trained with the skills (True) or enrolled since (False)."""
        return np.array([not p.get("enrolled") for p in self.players])

    def player_names(self) -> list[str]:
        return [p["name"] for p in self.players]


class Roster:
    """The players and their style vectors, numpy only (row = task id): what the style map,
    the search and "players like X" read. The app's first page needs no more, so it never
    imports torch (1.4-2.1 s of a cold start on the 2-core machine)."""

    def __init__(self, players: list[dict], vectors: np.ndarray) -> None:
        self.players = players
        self.style_vectors = vectors
        self._task_of = {p["name"]: p["task_id"] for p in players}

    @classmethod
    def load(cls, directory: Path | str) -> Roster:
        directory = Path(directory)
        for needed in ("config.json", "players.json", "style_vectors.safetensors"):
            if not (directory / needed).exists():
                raise FileNotFoundError(f"no style model at {directory} ({needed} missing)")
        players = json.loads((directory / "players.json").read_text())
        with safe_open(directory / "style_vectors.safetensors", framework="numpy") as stored:
            return cls(players, stored.get_tensor("style_vectors"))

    @classmethod
    def of(cls, model: StyleModel) -> Roster:
        """A loaded model's players and vectors (the same player records)."""
        return cls(model.players, model.style_vectors.cpu().numpy())

    def player_names(self) -> list[str]:
        return [p["name"] for p in self.players]

    def task_id(self, name: str) -> int:
        try:
            return self._task_of[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a player of this model") from None

    def style_vector(self, name: str) -> np.ndarray:
        return self.style_vectors[self.task_id(name)]

    @property
    def trained_mean(self) -> np.ndarray:
        """As `StyleModel.trained_mean`: the players trained with the skills, enrolments never
        move it."""
        return self.style_vectors[trained_tasks(self.players)].mean(axis=0)


class PlayerTable(Roster, QueryTables):
    """A model directory's player table with everything identification reads, numpy only."""

    def __init__(self, players: list[dict], vectors: np.ndarray, fingerprints: np.ndarray) -> None:
        super().__init__(players, vectors)
        self.fingerprints = fingerprints
        self._start_tables()

    @property
    def fingerprint_centre(self) -> np.ndarray:
        known = self.fingerprints[self._trained_tasks()]
        return known[~np.isnan(known).any(axis=1)].mean(axis=0)

    @classmethod
    def load(cls, directory: Path | str) -> PlayerTable:
        directory = Path(directory)
        if not (directory / "config.json").exists():
            raise FileNotFoundError(f"no style model at {directory} (config.json missing)")
        players = json.loads((directory / "players.json").read_text())
        stored = load_file(directory / "style_vectors.safetensors")
        fingerprints = stored.get("fingerprints")
        if fingerprints is None or fingerprints.shape != (len(players), FINGERPRINT_SIZE):
            fingerprints = np.full((len(players), FINGERPRINT_SIZE), np.nan, np.float32)
        table = cls(players, stored["style_vectors"], fingerprints)
        table._read_tables(directory, stored.get("game_profiles"))
        return table


def model_roster(directory: Path | str, opted_out: frozenset[str]) -> list[dict]:
    """A model's players as a listing shows them, most games first: name, trained or enrolled,
    games, years and mean Elo, from `players.json` alone (no weights read). Placeholders and
    opted-out players are left out, as everywhere a player is shown."""
    path = Path(directory) / "players.json"
    if not path.exists():
        raise FileNotFoundError(f"no style model at {directory} (players.json missing)")
    rows = [
        {
            "player": p["name"],
            "kind": "enrolled" if p.get("enrolled") else "trained",
            "games": p.get("games", p.get("train_games")),
            "first_year": p.get("first_year"),
            "last_year": p.get("last_year"),
            "stray_games": p.get("stray_games", 0),
            "mean_elo": p.get("mean_elo"),
        }
        for p in json.loads(path.read_text())
        if may_be_named(p["name"], opted_out)
    ]
    return sorted(rows, key=lambda row: (-(row["games"] or 0), row["player"]))
