"""Everything the app shows, as library calls on one loaded model directory (an `Atlas`).

The pages only lay out what these calls return, so a test or the CLI can ask the same questions.
Players on the opt-out list are left out of every answer: not on the map, not searchable, never a
neighbour or a candidate.

The map, the search and "players like X" read only the player table (`Roster`, numpy); the
network (torch, 1.4-2.1 s to import on the 2-core machine, most of a cold start) is loaded the
first time a page asks for moves, a steered vector or an identification.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import json
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stylespace.confidence import Calibration
from stylespace.known_games import enrolment_record
from stylespace.map_reading import (
    READING_FILE,
    MapReading,
    read_map,
    reading_key,
    store_reading,
    stored_reading,
)
from stylespace.name_search import names_like
from stylespace.optout import is_opted_out, load_opt_out, normalise_name
from stylespace.placeholders import is_placeholder_name, may_be_named
from stylespace.player_facts import facts_from_games
from stylespace.player_table import Roster
from stylespace.projection import MAP_FILE, StyleMap, as_numpy, nearest_players
from stylespace.properties import FIRST_MOVE, PROPERTIES, RECORD_PROPERTIES, percentile_ranks

if TYPE_CHECKING:  # the network's modules import torch: loaded when first used
    import chess
    import torch

    from stylespace.positions import PlayedGame
    from stylespace.steering import PositionSet
    from stylespace.style_model import MovePrediction, StyleModel

ALL_PROPERTIES = {**PROPERTIES, **RECORD_PROPERTIES}
GROUPS = ("seen", "unseen")  # the stylometry benchmark's players: trained on, enrolled later
# A steering effect under one point of the proxy over the whole slider is called weak on the
# page: monotone (it passed the benchmark) but too small to see in a few games.
WEAK_REACH = 0.01


class AtlasError(Exception):
    """A model directory the app cannot show; the message says what is missing and why."""


@dataclass(frozen=True, slots=True)
class CardRow:
    """One line of a style card: a property, the player's value and their population percentile."""

    prop: str
    label: str
    meaning: str
    value: float
    percentile: float


MEASURED_VECTORS = 256  # `Atlas._proxies`: a few kB each


@functools.lru_cache(maxsize=4)
def _probe_positions(directory: Path) -> PositionSet | None:
    from stylespace.steering import load_probe_positions

    return load_probe_positions(directory)


# what the network's pages need beside the player table (`Atlas.load` checks them up front)
NETWORK_FILES = ("base.safetensors", "skills.safetensors")


@dataclass
class Atlas:
    """A model directory loaded for exploring: player table, map, player facts, and the network
    with its steering directions when a page first needs them."""

    directory: Path
    roster: Roster
    style_map: StyleMap
    steering_summary: dict
    opted_out: frozenset[str] = frozenset()
    metrics: dict = field(default_factory=dict)
    calibration: Calibration | None = None  # what a ranking's gap means (`confidence.py`)
    # `proxy_shift`'s measurements by vector: while a slider moves, the "before" is the same
    # player's vector every time, and measuring it (140 ms on the slow 2-core machine) was
    # half of each update
    _measured: dict[bytes, dict[str, float]] = field(default_factory=dict, repr=False)
    _model: StyleModel | None = field(default=None, repr=False)
    _directions: dict[str, torch.Tensor] | None = field(default=None, repr=False)
    _loading: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, directory: Path | str, opt_out: Path | str | None = None) -> Atlas:
        directory = Path(directory)
        try:
            roster = Roster.load(directory)
        except FileNotFoundError as error:
            raise AtlasError(str(error)) from None
        for needed in NETWORK_FILES:
            if not (directory / needed).exists():
                raise AtlasError(f"no style model at {directory} ({needed} missing)")
        if not (directory / MAP_FILE).exists():
            raise AtlasError(f"{directory} has no style map: run `stylespace project`")
        steering_file = directory / "steering.json"
        metrics_file = directory / "metrics.json"
        return cls(
            directory=directory,
            roster=roster,
            style_map=StyleMap.load(roster, directory),
            steering_summary=json.loads(steering_file.read_text())
            if steering_file.exists()
            else {},
            opted_out=load_opt_out(opt_out),
            metrics=json.loads(metrics_file.read_text()) if metrics_file.exists() else {},
            calibration=Calibration.load(directory),
        )

    @property
    def model(self) -> StyleModel:
        """The network with the player table, loaded when a page first asks for moves, a
        vector to steer or an identification (once, whichever session asks first)."""
        self.load_network()
        return self._model

    @property
    def directions(self) -> dict[str, torch.Tensor]:
        """The steering directions that passed the steering benchmark."""
        self.load_network()
        return self._directions

    @property
    def network_loaded(self) -> bool:
        return self._model is not None

    def load_network_in_background(self, after: float = 0.0) -> None:
        """Load the network on a thread of its own, starting `after` seconds from now, so that
        the first page that needs it finds it ready (the map page calls this once it has run:
        the delay leaves the visitor's browser the machine while it draws the map)."""
        if self._model is None and not self._loading.locked():
            threading.Thread(target=self._load_network_later, args=(after,)).start()

    def _load_network_later(self, after: float) -> None:
        """Not a daemon thread: one stopped inside torch as the process exits aborts it. So the
        process waits for a load under way, and a load not yet begun gives up once the main
        thread has ended. A damaged network is explained by the page that asks for it."""
        deadline = time.monotonic() + after
        while time.monotonic() < deadline and threading.main_thread().is_alive():
            time.sleep(0.05)
        if threading.main_thread().is_alive():
            with contextlib.suppress(AtlasError):
                self.load_network()

    def load_network(self) -> None:
        """The network, its steering directions, and the opening books' tables, which the first
        prediction unpacks (0.8-1.1 s on the 2-core machine): all ready before anyone uses
        them."""
        with self._loading:
            if self._model is not None:
                return
            import chess

            from stylespace.steering import load_directions
            from stylespace.style_model import StyleModel

            try:
                model = StyleModel.load(self.directory)
                model.predict(chess.Board())
                self._directions = load_directions(self.directory)
            except Exception as error:  # a damaged file: said on the page, never a traceback
                raise AtlasError(
                    f"the network in {self.directory} cannot be read: {error}"
                ) from error
            self._model = model

    @property
    def preset(self) -> str | None:
        """The training preset the config records."""
        config = json.loads((self.directory / "config.json").read_text())
        return config.get("preset")

    @property
    def probe(self) -> PositionSet | None:
        """The model's probe positions, on which the Steer page measures a shift: replayed from
        their games when first needed (0.7 s the other pages never spend), once per process."""
        return _probe_positions(self.directory)

    # --- players ---------------------------------------------------------------------------

    def visible(self, name: str) -> bool:
        return may_be_named(name, self.opted_out)

    def names(self) -> list[str]:
        """Every player the app may show, in map order."""
        return [name for name in self.style_map.names if self.visible(name)]

    def player(self, name: str) -> dict:
        if not self.visible(name):
            raise KeyError(f"{name!r} asked not to be shown")
        return self.roster.players[self.roster.task_id(name)]

    def find(self, text: str, limit: int = 20) -> list[str]:
        """Players whose name contains every word of `text` (case and accents as typed); else
        those spelled much like it ('Kasparow', 'Capablance')."""
        words = normalise_name(text).split()
        found = [n for n in self.names() if all(w in normalise_name(n) for w in words)]
        return found[:limit] or names_like(text, self.names(), limit)

    def table(self) -> list[dict]:
        """One row per visible player: name, map position, facts and properties."""
        rows = []
        for name, (x, y) in zip(self.style_map.names, self.style_map.coordinates, strict=True):
            if not self.visible(name):
                continue
            player = self.roster.players[self.roster.task_id(name)]
            rows.append(
                {
                    "name": name,
                    "x": float(x),
                    "y": float(y),
                    "games": player.get("games"),
                    "years": _years(player),
                    "mean_elo": player.get("mean_elo"),
                    "enrolled": bool(player.get("enrolled")),
                    **player.get("properties", {}),
                }
            )
        return rows

    def colourings(self, rows: list[dict]) -> dict[str, str]:
        """Properties a map of these `table()` rows can be coloured by, with their labels."""
        present = {k for row in rows for k, v in row.items() if v is not None}
        return {k: label for k, (label, _) in ALL_PROPERTIES.items() if k in present}

    @cached_property
    def map_reading(self) -> MapReading:
        """What the map's layout follows: its islands and the properties neighbours share, over
        the players the app shows; the model directory's stored reading when it read exactly
        these players (`save_map_reading`), else measured now."""
        key, coordinates, properties = self._map_reading_inputs
        return stored_reading(self.directory, key) or read_map(coordinates, properties)

    @property
    def map_reading_stored(self) -> bool:
        """Whether the model directory keeps the reading of exactly these players."""
        return stored_reading(self.directory, self._map_reading_inputs[0]) is not None

    def save_map_reading(self) -> Path:
        """Store the map's reading in the model directory, for the app's first page."""
        store_reading(self.directory, self._map_reading_inputs[0], self.map_reading)
        return self.directory / READING_FILE

    @cached_property
    def _map_reading_inputs(self) -> tuple[str, np.ndarray, dict[str, np.ndarray]]:
        """What the map's reading reads, with its key: the visible players' places and
        properties."""
        rows = self.table()
        coordinates = np.array([[row["x"], row["y"]] for row in rows])
        properties = {
            prop: np.array([np.nan if row.get(prop) is None else row[prop] for row in rows])
            for prop in self.colourings(rows)
        }
        names = [row["name"] for row in rows]
        return reading_key(names, coordinates, properties), coordinates, properties

    def style_card(self, name: str) -> list[CardRow]:
        """The player's properties beside the population of players that have them."""
        own = self.player(name).get("properties", {})
        rows = []
        for prop, (label, meaning) in ALL_PROPERTIES.items():
            if prop not in own:
                continue
            population = {
                p["name"]: p["properties"][prop]
                for p in self.roster.players
                if prop in p.get("properties", {}) and self.visible(p["name"])
            }
            percentile = percentile_ranks(population)[name]
            rows.append(CardRow(prop, label, meaning, float(own[prop]), round(percentile, 1)))
        return rows

    def like(self, name: str, top: int = 8) -> list[tuple[str, float]]:
        """Nearest players by style vector (centred cosine), opted-out players left out."""
        return self.nearest(self.roster.style_vector(name), top=top, exclude=name)

    def nearest(
        self, vector: Any, top: int = 8, exclude: str | None = None
    ) -> list[tuple[str, float]]:
        """Nearest players to a vector (numpy or torch) by centred cosine."""
        return nearest_players(self.roster, vector, top, self.opted_out, exclude)

    # --- moves -----------------------------------------------------------------------------

    def predictions(
        self, board: chess.Board, style: str | torch.Tensor | None, top_k: int = 6
    ) -> list[MovePrediction]:
        """The model's most likely moves here in a style (a player, a vector, or None = base)."""
        if board.is_game_over():
            return []
        return self.model.predict(board, style=style, top_k=top_k)

    def play_on(self, board: chess.Board, style: str | torch.Tensor, seed: int = 0) -> chess.Board:
        """The rest of the game with both sides in this style (at most 200 more plies)."""
        return self.model.play(style, board=board, max_plies=200, temperature=1.0, seed=seed)

    # --- steering --------------------------------------------------------------------------

    def steerable(self) -> dict[str, str]:
        """Properties whose direction passed the steering benchmark, with labels: only these
        are offered as sliders."""
        return {p: ALL_PROPERTIES.get(p, (p, ""))[0] for p in self.directions}

    def steering_reach(self) -> dict[str, tuple[float, float]]:
        """Per offered property, the mean of its move-level proxy at the weakest and the
        strongest setting the steering benchmark measured: how far the whole slider moves it,
        which the page says beside the slider (most properties move far less than the first
        move's shares)."""
        reach = {}
        for prop in self.directions:
            mean = self.steering_summary.get(prop, {}).get("mean")
            if mean:
                reach[prop] = (float(mean[0]), float(mean[-1]))
        return reach

    def slider_help(self, prop: str) -> str | None:
        """What a property's slider spans, from the benchmark's record: how far the proxy moved
        over it, along which direction and how far, and how little else changed."""
        row = self.steering_summary.get(prop, {})
        reach = self.steering_reach().get(prop)
        if reach is None:
            return None
        text = (
            f"Over the whole slider the steering benchmark measured {reach[0]:.1%} -> "
            f"{reach[1]:.1%} (mean over its players, on probe positions)."
        )
        if "multiplier" in row:
            along = {"delta": "the top quarter's mean offset", "ridge": "a linear probe"}
            held = "" if prop in FIRST_MOVE else " with its pull on the first move taken out"
            text += (
                f" Its ends move the style vector {row['multiplier']:g} times the length of the "
                f"top quarter's offset, along {along.get(row['direction'], row['direction'])}"
                f"{held}: the farthest setting measured at which the property still rose and the "
                f"model's other moves changed little ({row['move_change']:.3f} nats a move)."
            )
        return text

    def weakly_steerable(self) -> list[str]:
        """Labels of offered properties that the whole slider moves by under WEAK_REACH."""
        labels = self.steerable()
        return [
            labels[prop]
            for prop, (low, high) in self.steering_reach().items()
            if abs(high - low) < WEAK_REACH
        ]

    def steered(self, name: str, strengths: dict[str, float]) -> torch.Tensor:
        from stylespace.steering import steer

        return steer(self.model.style_vector(name), strengths, self.directions)

    def mixed(self, first: str, second: str, weight: float) -> torch.Tensor:
        from stylespace.steering import interpolate

        return interpolate(
            self.model.style_vector(first), self.model.style_vector(second), float(weight)
        )

    def _build_result(self, step: str) -> dict | None:
        """What `build-demo` recorded for one of its steps (None: no record of it)."""
        build = self.directory / "build.json"
        if not build.exists():
            return None
        try:
            return json.loads(build.read_text())[step]["result"]
        except (KeyError, TypeError, ValueError):
            return None

    def mixing_record(self) -> str | None:
        """What this model's interpolation benchmark measured, in one sentence for the Steer
        page (from `build.json`; None for a model without one, or where it was skipped)."""
        report = self._build_result("interpolation")
        try:
            pairs, curves = report["pairs"], report["mean_log_likelihood"]
            change = {side: curve[-1] - curve[0] for side, curve in curves.items()}
            verdict = "plays in between" if report["passes"] else "does not play in between"
            steady = report["pairs_in_between"]
        except (KeyError, TypeError, ValueError, IndexError):
            return None
        return (
            f"Measured on this model: mixing {len(pairs)} of its weakest players (by Elo) toward "
            f"{len(pairs)} of its strongest, the weaker player's own moves grew less likely "
            f"({change['first']:+.4f} nats a move from one end to the other) and the stronger "
            f"player's more likely ({change['second']:+.4f}), and the balance between them "
            f"moved toward the stronger at every step for {steady} of "
            f"{len(pairs)} pairs: a mix {verdict}, by as "
            "little as the players' vectors differ."
        )

    def place_of(self, name: str) -> tuple[float, float]:
        """Where a player sits on the map."""
        x, y = self.style_map.coordinates[self.style_map.names.index(name)]
        return float(x), float(y)

    def place(self, vector: Any) -> tuple[float, float]:
        """Where a vector (numpy or torch) lands on the map."""
        x, y = self.style_map.place(as_numpy(vector))
        return float(x), float(y)

    def proxy_shift(
        self, before: torch.Tensor, after: torch.Tensor
    ) -> dict[str, tuple[float, float]]:
        """Each steerable property's move-level proxy on the probe positions, before and after."""
        if self.probe is None:
            return {}
        old, new = self._proxies(before), self._proxies(after)
        return {p: (old[p], new[p]) for p in self.directions if p in old and p in new}

    def _proxies(self, vector: torch.Tensor) -> dict[str, float]:
        """`measure_proxies` on the probe positions, remembered for the last
        `MEASURED_VECTORS` vectors (the atlas is shared by every session of the app)."""
        key = vector.detach().cpu().numpy().tobytes()
        if key not in self._measured:
            if len(self._measured) >= MEASURED_VECTORS:
                self._measured.pop(next(iter(self._measured)), None)
            from stylespace.steering import measure_proxies

            self._measured[key] = measure_proxies(self.model, vector, self.probe)
        return self._measured[key]

    # --- stylometry -------------------------------------------------------------------------

    def identification_record(self) -> str | None:
        """What this model's stylometry benchmark measured, in one sentence for the page (from
        `build.json`, which `build-demo` writes; None for a model without one)."""
        runs = self._build_result("stylometry")
        try:
            opening, hidden = runs["from_ply_0"], runs["from_ply_30"]

            def top1(run: dict, size: str) -> str:
                rates = [run.get(group, {}).get(size, {}).get("top1") for group in GROUPS]
                return " / ".join("n/a" if r is None else f"{r:.0%}" for r in rates)

            return (
                "On this model the right player came first for "
                f"{top1(opening, '100')} of 100-game sets by masters it was trained on / enrolled "
                f"later, {top1(opening, '20')} of 20-game sets and {top1(opening, '5')} of "
                f"5-game sets, mostly through the openings; with the first 15 moves hidden, for "
                f"{top1(hidden, '100')} of 100-game sets (model card on the About page)."
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def identify(
        self,
        games: list[PlayedGame],
        author: str | None = None,
        top: int = 10,
        from_ply: int = 0,
    ) -> dict:
        """Rank the visible players as the author of `games` (their moves from `from_ply` on);
        adds the query's map position and how sure the first place is."""
        from stylespace.stylometry import identify

        found = identify(
            self.model,
            games,
            author=author,
            top=top,
            from_ply=from_ply,
            opted_out=self.opted_out,
            per_game=True,
        )
        found["place"] = self.place(np.asarray(found["vector"]))
        found["confidence"] = self.calibration.assess(found) if self.calibration else None
        return found

    def enrolment(self, games: list[PlayedGame], found: dict) -> dict:
        """What a session enrolment keeps of an `identify` result on `games`: the result with
        its fingerprint over all the author's moves (`fused` may have stopped reading once its
        ranking was settled; a reference wants them all) and the author's facts and style
        properties (`player_facts`), and which games they are (`known_games.enrolment_record`:
        shown again, those are scored as new ones). A player is enrolled from whole games: a
        result that left the openings out is made again from the first move."""
        from stylespace.stylometry import identify, whole_fingerprint

        if found.get("from_ply"):
            found = identify(self.model, games, author=found["author"], opted_out=self.opted_out)
        found = {
            **found,
            "facts": facts_from_games(games, found["author"]),
            "enrolment": enrolment_record(games, found["author"]),
        }
        if found.get("fingerprint") is None:
            return found
        whole = whole_fingerprint(self.model, games, found)
        return {**found, "fingerprint": whole.tolist()}

    def enrolment_refusal(self, author: str, label: str) -> str | None:
        """Why the author's games cannot be enrolled under `label`, or None: the label is a
        player of the model (a session's own enrolment is replaced instead), or the author or
        the label is on the opt-out list (nobody who asked not to be modelled is enrolled,
        under their own name or another)."""
        if not label.strip():
            return "Give the new player a name."
        for name in dict.fromkeys((author, label)):
            if is_opted_out(name, self.opted_out):
                return f"{name!r} is on the opt-out list: they asked not to be modelled."
        if is_placeholder_name(label):
            return f"{label!r} stands for unknown players: choose a person's name."
        players = self.roster.player_names()
        if label in players and not self.roster.players[players.index(label)].get("session"):
            return f"{label!r} is already a player of the model: choose another name."
        return None

    def with_enrolled(self, enrolled: dict[str, dict]) -> Atlas:
        """A copy that also knows these players (a browser session's enrolments: label -> an
        `identify` result's `vector`, `fingerprint`, `repertoire` and `game_bags`); the shared model
        stays as it is."""
        if not enrolled:
            return self
        import torch

        model = copy.deepcopy(self.model)
        for label, found in enrolled.items():
            model.set_player(
                label,
                torch.tensor(found["vector"]),
                fingerprint=torch.tensor(found["fingerprint"])
                if found.get("fingerprint")
                else None,
                repertoire=found.get("repertoire"),
                game_bags=found.get("game_bags"),
                enrolled=True,
                session=True,
                games=found.get("games"),
                **found.get("facts", {}),
                **found.get("enrolment", {}),
            )
        coordinates = dict(
            zip(self.style_map.names, self.style_map.coordinates.tolist(), strict=True)
        )
        roster = Roster.of(model)
        return dataclasses.replace(
            self,
            roster=roster,
            style_map=StyleMap.for_model(roster, coordinates),
            _model=model,
            _directions=self.directions,
            _loading=threading.Lock(),
        )


def evidence_rows(candidates: list[dict]) -> list[dict]:
    """A `fused` ranking's candidates as table rows: the score and the pieces of evidence it
    adds up (blank where the games gave none)."""
    return [
        {
            "player": c["player"],
            "score": c["score"],
            "style evidence": c["evidence"].get("style"),
            "opening evidence": c["evidence"].get("openings"),
            "game-embedding evidence": c["evidence"].get("embedding"),
            "deep-line evidence": c["evidence"].get("deep_lines"),
            "structure evidence": c["evidence"].get("structures"),
        }
        for c in candidates
    ]


def _years(player: dict) -> str | None:
    first, last = player.get("first_year"), player.get("last_year")
    if not first:
        return None
    return first if first == last else f"{first}-{last}"


def synthetic_atlas_rows(count: int, seed: int = 0) -> list[dict]:
    """A map of `count` made-up players, to check that the map page stays smooth at scale."""
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(count, 2))
    return [
        {"name": f"player {i}", "x": float(x), "y": float(y), "mean_elo": float(e)}
        for i, ((x, y), e) in enumerate(zip(points, rng.normal(2400, 150, count), strict=True))
    ]
