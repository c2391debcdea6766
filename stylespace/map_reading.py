"""The style map read out in words: the islands it falls into and the properties its layout
sorts players by.

UMAP's axes mean nothing, so a reader of the map needs to be told which differences between
players its layout follows. Both readings are measured, never assumed: an island is a cluster of
the 2-D coordinates that stands clearly apart (silhouette), described by the properties whose
mean differs most inside and outside it; a property is "sorted by" the map when a player's
nearest map neighbours predict their value (leave-one-out R^2). On the masters' demo map this
finds two islands, the 1.e4 players and the 1.d4 players.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from stylespace.properties import PROPERTIES, RECORD_PROPERTIES, format_value

# The reading of a model's map, kept beside it with the key of what it read (`reading_key`): the
# app's first page then needs neither the clustering nor scikit-learn's 1 s import.
READING_FILE = "map_reading.json"

# Islands are reported only when the map's best clustering has at least this mean silhouette:
# the demo's two islands score 0.69, any finer split of them 0.43-0.57, one round cloud ~0.35.
CLEAR_ISLANDS = 0.5
# A property describes an island when it differs by at least this many pooled standard
# deviations inside and outside it (Cohen's d; 0.8 is conventionally a large effect).
LARGE_EFFECT = 0.8
MOST_ISLANDS = 6
FEWEST_PER_ISLAND = 10  # a smaller group is a handful of players, not an island
SILHOUETTE_SAMPLE = 2_000  # silhouette is quadratic; a sample reads a 50,000-player map
# In words, the map "sorts players by" a property whose neighbour R^2 reaches SORTS, and
# "hardly" by one under HARDLY (on the demo: 1.e4 share 0.82, draws 0.24, Elo -0.04).
SORTS = 0.2
HARDLY = 0.05
LABELS = {prop: label for prop, (label, _) in {**PROPERTIES, **RECORD_PROPERTIES}.items()}


@dataclass(frozen=True, slots=True)
class Difference:
    """How a property's mean differs inside an island from the rest of the map."""

    prop: str
    inside: float
    outside: float
    effect: float  # Cohen's d, positive when the island has more


@dataclass(frozen=True, slots=True)
class Island:
    players: int
    centre: tuple[float, float]
    top: float  # the highest y of its players: where a label sits clear of the dots
    differences: list[Difference]  # large effects only, largest first


@dataclass(frozen=True, slots=True)
class Alignment:
    """How much of a property's spread among players the map's neighbourhoods predict."""

    prop: str
    r2: float


@dataclass(frozen=True, slots=True)
class MapReading:
    players: int
    islands: list[Island]
    separation: float  # mean silhouette of the best clustering (islands only from CLEAR_ISLANDS)
    sorted_by: list[Alignment]  # every property, best predicted first
    neighbours: int

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> MapReading:
        islands = [
            Island(
                i["players"],
                tuple(i["centre"]),
                i["top"],
                [Difference(**d) for d in i["differences"]],
            )
            for i in data["islands"]
        ]
        sorted_by = [Alignment(**a) for a in data["sorted_by"]]
        return cls(data["players"], islands, data["separation"], sorted_by, data["neighbours"])

    def island_at(self, x: float, y: float) -> Island | None:
        """The island a point of the map belongs to: the one of nearest centre, as k-means
        assigned the players (None when the map has no islands)."""
        if not self.islands:
            return None
        distances = [np.hypot(x - i.centre[0], y - i.centre[1]) for i in self.islands]
        return self.islands[int(np.argmin(distances))]


def read_map(
    coordinates: np.ndarray, properties: dict[str, np.ndarray], neighbours: int = 10, seed: int = 0
) -> MapReading:
    """Islands and property alignments of a map; `properties` holds one value per map row
    (NaN where a player lacks it). A small map reads fewer neighbours, a quarter of its players
    at most."""
    coordinates = np.asarray(coordinates, dtype=np.float64)
    neighbours = max(1, min(neighbours, len(coordinates) // 4))
    labels, separation = _best_clustering(coordinates, seed)
    islands = []
    if labels is not None and separation >= CLEAR_ISLANDS:
        islands = [_island(coordinates, properties, labels == label) for label in np.unique(labels)]
        islands.sort(key=lambda island: -island.players)
    alignments = [
        Alignment(prop, round(neighbour_r2(coordinates, values, neighbours), 4))
        for prop, values in properties.items()
    ]
    alignments.sort(key=lambda a: -a.r2)
    return MapReading(len(coordinates), islands, round(separation, 4), alignments, neighbours)


def reading_key(
    names: list[str], coordinates: np.ndarray, properties: dict[str, np.ndarray]
) -> str:
    """A digest of everything `read_map` reads: a stored reading is used only for the same
    players, at the same places, with the same properties."""
    digest = hashlib.sha256(json.dumps(names).encode())
    digest.update(np.round(np.asarray(coordinates, dtype=np.float64), 6).tobytes())
    for prop in sorted(properties):
        digest.update(prop.encode())
        digest.update(np.round(np.asarray(properties[prop], dtype=np.float64), 9).tobytes())
    return digest.hexdigest()


def stored_reading(directory: Path | str, key: str) -> MapReading | None:
    """The reading kept in a model directory for exactly these inputs, else None."""
    path = Path(directory) / READING_FILE
    if not path.exists():
        return None
    stored = json.loads(path.read_text())
    return MapReading.from_dict(stored["reading"]) if stored.get("key") == key else None


def store_reading(directory: Path | str, key: str, reading: MapReading) -> None:
    (Path(directory) / READING_FILE).write_text(
        json.dumps({"key": key, "reading": reading.to_dict()}, indent=1)
    )


def _best_clustering(coordinates: np.ndarray, seed: int) -> tuple[np.ndarray | None, float]:
    """k-means with the k (2 to MOST_ISLANDS) of highest mean silhouette."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    most = min(MOST_ISLANDS, len(coordinates) // FEWEST_PER_ISLAND)
    best: tuple[np.ndarray | None, float] = (None, 0.0)
    for k in range(2, most + 1):
        labels = KMeans(k, n_init=10, random_state=seed).fit_predict(coordinates)
        if np.bincount(labels).min() < FEWEST_PER_ISLAND:
            continue
        score = float(
            silhouette_score(
                coordinates,
                labels,
                sample_size=min(len(coordinates), SILHOUETTE_SAMPLE),
                random_state=seed,
            )
        )
        if score > best[1]:
            best = (labels, score)
    return best


def _island(
    coordinates: np.ndarray, properties: dict[str, np.ndarray], inside: np.ndarray
) -> Island:
    differences = []
    for prop, values in properties.items():
        values = np.asarray(values, dtype=np.float64)
        here, there = values[inside & ~np.isnan(values)], values[~inside & ~np.isnan(values)]
        if len(here) < 2 or len(there) < 2:
            continue
        pooled = np.sqrt((here.var(ddof=1) + there.var(ddof=1)) / 2)
        if pooled == 0:
            continue
        effect = (here.mean() - there.mean()) / pooled
        if abs(effect) >= LARGE_EFFECT:
            differences.append(
                Difference(prop, float(here.mean()), float(there.mean()), round(float(effect), 3))
            )
    differences.sort(key=lambda d: -abs(d.effect))
    x, y = coordinates[inside].mean(0)
    top = float(coordinates[inside, 1].max())
    return Island(int(inside.sum()), (float(x), float(y)), top, differences)


def neighbour_r2(coordinates: np.ndarray, values: np.ndarray, neighbours: int = 10) -> float:
    """Leave-one-out R^2 of predicting each player's value by the mean of their `neighbours`
    nearest players on the map (among those who have the value): 1 when the map sorts players
    by it perfectly, about 0 (or below) when it is scattered across the map."""
    from sklearn.neighbors import NearestNeighbors

    values = np.asarray(values, dtype=np.float64)
    known = ~np.isnan(values)
    points, values = coordinates[known], values[known]
    if len(values) <= neighbours + 1 or values.var() == 0:
        return 0.0
    _, index = NearestNeighbors(n_neighbors=neighbours + 1).fit(points).kneighbors(points)
    predicted = values[index[:, 1:]].mean(1)  # column 0 is the player itself
    return float(1 - ((values - predicted) ** 2).sum() / ((values - values.mean()) ** 2).sum())


def _label(prop: str) -> str:
    return LABELS.get(prop, prop)


def island_title(island: Island) -> str:
    """A few words for the island's place on the map: what it has most of (or, when it has
    more of nothing, least of)."""
    if not island.differences:
        return f"{island.players} players"
    more = [d for d in island.differences if d.effect > 0]
    top = more[0] if more else island.differences[0]
    return f"{_label(top.prop)} {format_value(top.prop, top.inside)}"


def _differences_text(island: Island, most: int = 2) -> str:
    return ", ".join(
        f"{_label(d.prop)} {format_value(d.prop, d.inside)} "
        f"({format_value(d.prop, d.outside)} elsewhere)"
        for d in island.differences[:most]
    )


def island_text(island: Island) -> str:
    """The island in a sentence: its size and its largest differences from the rest."""
    if not island.differences:
        return f"{island.players} players, set apart by none of the measured properties"
    return f"{island.players} players: {_differences_text(island)}"


def place_text(reading: MapReading, x: float, y: float) -> str | None:
    """Where on the map a point lies, in words (None on a map without islands)."""
    island = reading.island_at(x, y)
    if island is None:
        return None
    where = f"On the map: in an island of {island.players} players"
    if not island.differences:
        return where
    return f"{where} whose means are {_differences_text(island)}"


def islands_text(reading: MapReading) -> str:
    """The islands as a Markdown list, or why there are none."""
    if reading.players < 2 * FEWEST_PER_ISLAND:
        return f"Islands are looked for from {2 * FEWEST_PER_ISLAND} players on."
    if not reading.islands:
        return (
            f"The players form no separate islands (best silhouette {reading.separation:.2f}; "
            f"islands are called from {CLEAR_ISLANDS})."
        )
    return f"The players fall into {len(reading.islands)} islands (silhouette " + (
        f"{reading.separation:.2f}):\n" + "\n".join(f"- {island_text(i)}" for i in reading.islands)
    )


def _listing(words: list[str], last: str) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} {words[-1]}"


def sorted_by_text(reading: MapReading) -> str:
    """Which properties the layout follows and which it ignores, with the neighbour R^2."""
    follows = [a for a in reading.sorted_by if a.r2 >= SORTS]
    ignores = [a for a in reading.sorted_by if a.r2 < HARDLY]
    if follows:
        words = [f"{_label(follows[0].prop)} (R² {follows[0].r2:.2f})"]
        words += [f"{_label(a.prop)} ({a.r2:.2f})" for a in follows[1:]]
        text = f"The layout follows {_listing(words, 'and')}"
    else:
        text = f"The layout follows no property (R² {SORTS:.2f} or more)"
    if ignores:
        text += f", and hardly {_listing([_label(a.prop) for a in ignores], 'or')}"
        text += f" (R² under {HARDLY:.2f})"
    return (
        f"{text}. R² is how much of a property's spread among players the mean of their "
        f"{reading.neighbours} nearest players on the map predicts."
    )
