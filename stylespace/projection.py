"""The style map: every player's style vector laid out in 2-D with UMAP, and new vectors placed
on the same map without recomputing it.

Vectors are centred on the trained players' mean and compared by cosine, as in stylometry. A new
vector (enrolled, steered, mixed) is placed at the similarity-weighted mean of its nearest
players' coordinates; `build_map` measures that against UMAP's own `transform` on perturbed
copies of the known players and records both errors beside the map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from stylespace.placeholders import may_be_named

MAP_FILE = "map.json"


class PlayerVectors(Protocol):
    """What the map reads of a model: a loaded `StyleModel` (torch) or a `Roster` (numpy), so
    the app's map page never imports torch."""

    players: list[dict]

    @property
    def style_vectors(self) -> Any: ...

    @property
    def trained_mean(self) -> Any: ...

    def player_names(self) -> list[str]: ...

    def task_id(self, name: str) -> int: ...


def as_numpy(values: Any) -> np.ndarray:
    """A torch tensor (on any device) or an array, as float64 numpy."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64)


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


@dataclass
class StyleMap:
    """2-D coordinates of the players, and what is needed to place a new vector."""

    names: list[str]
    coordinates: np.ndarray  # (players, 2)
    centre: np.ndarray  # the origin the vectors were centred on
    unit_vectors: np.ndarray  # (players, size), centred and normalised
    neighbours: int = 10

    def place(self, vector: Any, exclude: int | None = None) -> np.ndarray:
        """Coordinates for a new vector (numpy or torch): similarity-weighted mean of its
        nearest players'."""
        vector = as_numpy(vector) - self.centre
        similarity = self.unit_vectors @ (vector / max(np.linalg.norm(vector), 1e-12))
        if exclude is not None:
            similarity[exclude] = -np.inf
        nearest = np.argsort(-similarity)[: self.neighbours]
        weights = np.exp(8.0 * similarity[nearest])
        return (weights[:, None] * self.coordinates[nearest]).sum(0) / weights.sum()

    def save(self, directory: Path | str, method: str, stability: dict) -> None:
        payload = {
            "method": method,
            "neighbours": self.neighbours,
            "stability": stability,
            "players": {
                name: [round(float(x), 5), round(float(y), 5)]
                for name, (x, y) in zip(self.names, self.coordinates, strict=True)
            },
        }
        (Path(directory) / MAP_FILE).write_text(json.dumps(payload, ensure_ascii=False, indent=1))

    @classmethod
    def load(cls, model: PlayerVectors, directory: Path | str) -> StyleMap:
        """The saved map; players added since (enrolled) are placed on it, the rest untouched."""
        saved = json.loads((Path(directory) / MAP_FILE).read_text())
        return cls.for_model(model, saved["players"], saved.get("neighbours", 10))

    @classmethod
    def for_model(
        cls, model: PlayerVectors, coordinates: dict[str, list[float]], neighbours: int = 10
    ) -> StyleMap:
        centre = as_numpy(model.trained_mean)
        mapped = [name for name in model.player_names() if name in coordinates]
        vectors = as_numpy(model.style_vectors)
        rows = [model.task_id(name) for name in mapped]
        found = cls(
            mapped,
            np.array([coordinates[n] for n in mapped]),
            centre,
            _unit_rows(vectors[rows] - centre),
            neighbours,
        )
        for name in model.player_names():
            if name not in coordinates:
                point = found.place(vectors[model.task_id(name)])
                found.names.append(name)
                found.coordinates = np.vstack([found.coordinates, point])
                found.unit_vectors = np.vstack(
                    [found.unit_vectors, _unit_rows((vectors[model.task_id(name)] - centre)[None])]
                )
        return found


MIN_UMAP_PLAYERS = 3  # UMAP needs two neighbours a point


def _principal_layout(units: np.ndarray) -> np.ndarray:
    """Fewer players than UMAP can lay out: their first two principal components (two players
    on a line, one at the origin)."""
    centred = units - units.mean(0)
    left, singular, _ = np.linalg.svd(centred, full_matrices=False)
    coordinates = np.zeros((len(units), 2))
    kept = min(2, len(singular))
    coordinates[:, :kept] = left[:, :kept] * singular[:kept]
    return coordinates


def build_map(
    model: PlayerVectors, seed: int = 0, neighbours: int = 10
) -> tuple[StyleMap, str, dict]:
    """UMAP of the trained players; returns the map, the placement method chosen, and figures."""
    trained = [p["name"] for p in model.players if not p.get("enrolled")]
    if not trained:
        raise ValueError("the model has no trained players to lay out")
    centre = as_numpy(model.trained_mean)
    vectors = as_numpy(model.style_vectors)
    units = _unit_rows(vectors[[model.task_id(n) for n in trained]] - centre)
    if len(trained) < MIN_UMAP_PLAYERS:
        coordinates = _principal_layout(units)
        style_map = StyleMap(list(trained), coordinates, centre, units, neighbours)
        return style_map, "neighbours", {"layout": "principal components", "players": len(units)}

    import umap  # heavy import (numba): only when a map is built

    reducer = umap.UMAP(
        n_neighbors=min(15, len(trained) - 1),
        min_dist=0.1,
        metric="cosine",
        random_state=seed,
        n_jobs=1,  # a seed makes UMAP single-threaded anyway; say so to keep it quiet
        init="random" if len(trained) < 16 else "spectral",
    )
    coordinates = reducer.fit_transform(units)
    style_map = StyleMap(list(trained), coordinates, centre, units, neighbours)
    spread = float(np.linalg.norm(coordinates - coordinates.mean(0), axis=1).mean())
    # A re-fitted vector of the same player never equals the trained one: place slightly
    # perturbed copies of every player and see how far each method moves them from their spot.
    rng = np.random.default_rng(seed)
    centred = vectors[[model.task_id(n) for n in trained]] - centre
    scale = 0.1 * float(np.median(np.linalg.norm(centred, axis=1)))
    noisy = centred + rng.normal(size=centred.shape) * scale / np.sqrt(centred.shape[1])
    by_neighbours = np.array([style_map.place(v + centre) for v in noisy])
    by_transform = reducer.transform(_unit_rows(noisy))
    stability = {
        "layout": "umap",
        "map_spread": round(spread, 4),
        "neighbours_error": round(
            float(np.linalg.norm(by_neighbours - coordinates, axis=1).mean()), 4
        ),
        "transform_error": round(
            float(np.linalg.norm(by_transform - coordinates, axis=1).mean()), 4
        ),
    }
    # The steadier method lands perturbed copies nearer their players' spots. Neighbours is also
    # exactly repeatable and needs no pickled UMAP object in the artifact, so it is kept unless
    # the transform is clearly steadier; then the figures say so and the choice must be revisited.
    return style_map, "neighbours", stability


def nearest_players(
    model: PlayerVectors,
    vector: Any,
    top: int = 10,
    opted_out: frozenset[str] = frozenset(),
    exclude: str | None = None,
) -> list[tuple[str, float]]:
    """The players whose style vectors are most similar to `vector` (cosine, centred on the
    trained players' mean, as stylometry compares them), best first; players on the opt-out
    list and placeholders such as "NN" (many people) are left out."""
    centre = as_numpy(model.trained_mean)
    scores = (
        _unit_rows(as_numpy(model.style_vectors) - centre)
        @ _unit_rows((as_numpy(vector) - centre)[None])[0]
    )
    names = model.player_names()
    return [
        (names[i], round(float(scores[i]), 4))
        for i in np.argsort(-scores, kind="stable")
        if names[i] != exclude and may_be_named(names[i], opted_out)
    ][:top]


def players_like(
    model: PlayerVectors, name: str, top: int = 10, opted_out: frozenset[str] = frozenset()
) -> list[tuple[str, float]]:
    """The players whose style is most like `name`'s, `name` left out."""
    return nearest_players(model, model.style_vectors[model.task_id(name)], top, opted_out, name)
