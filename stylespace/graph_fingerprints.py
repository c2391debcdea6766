"""Fingerprints without torch: the exported gradient graph (`fingerprint_graph.py`) in ONNX
Runtime, and the few products that turn its weight gradients into the skills' gradient (the
fingerprint, sketched) and the style vector's (for the map).

The arithmetic is `mhr.RoutedLinear`'s with one vector: the skills mixed per head by the
vector's routing weights, folded into each adapted weight as W + (a b)^T / r. Its chain rule,
with G the gradient of an adapted weight: H = G^T / r, da = H b^T, db = a^T H; each skill gets
its mixing weight times its head's share, each mixing weight the inner products of its head's
share with its skill, and the vector the routing's softmax-like normalisation of those. A test
holds the result equal to autograd's (`compute_fingerprint`) on a model of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

from stylespace.encoding import VOCABULARY_PROMOTION, elo_level_table
from stylespace.positions import Positions
from stylespace.sketch import BATCH, FINGERPRINT_POSITIONS, Fingerprint, count_sketch

GRAPH_FILE = "fingerprint_graph.onnx"  # in a model directory, beside its weights
# Shared with `mhr.py` (which imports torch): the skills' names in skills.safetensors, as peft
# saves them, and peft's router epsilon.
SKILL_PREFIX = "base_model.model."
# Positions per graph run: a pass's activations grow with it (512 positions: 650 MB, which a
# slow instance of the 2-core machine spends a second faulting in; 64: 150 MB, and 20-game
# `identify` 0.3-0.5 s faster there). The sums, and where a caller may stop, stay `BATCH`'s.
GRAPH_BATCH = 64
ROUTER_EPS = 1e-12


def routing_weights(vector: np.ndarray, n_splits: int, n_skills: int) -> np.ndarray:
    """`mhr.routing_weights` of one vector: (splits, skills), sigmoid normalised per head."""
    weights = 1.0 / (1.0 + np.exp(-vector.reshape(n_splits, n_skills).astype(np.float64)))
    return weights / (weights.sum(axis=-1, keepdims=True) + ROUTER_EPS)


@dataclass
class _AdaptedLayer:
    """One adapted layer's skills and, at the trained mean, its heads' mixed shares."""

    skills_a: np.ndarray  # (splits, skills, in / splits, rank)
    skills_b: np.ndarray  # (splits, skills, rank, out / splits)
    mixed_a: np.ndarray  # (in, rank)
    mixed_b: np.ndarray  # (rank, out)
    rank: int

    @classmethod
    def mixed(cls, skills_a: np.ndarray, skills_b: np.ndarray, mixing: np.ndarray, rank: int):
        mixed_a = np.einsum("qs,qsdr->qdr", mixing, skills_a).reshape(-1, rank)
        mixed_b = np.einsum("qs,qsrd->qrd", mixing, skills_b)
        mixed_b = mixed_b.transpose(1, 0, 2).reshape(rank, -1)
        return cls(skills_a, skills_b, mixed_a.astype(np.float32), mixed_b.astype(np.float32), rank)

    def folded(self, base_weight: np.ndarray) -> np.ndarray:
        return (base_weight + (self.mixed_a @ self.mixed_b).T / self.rank).astype(np.float32)

    def chain(self, weight_gradient: np.ndarray, mixing: np.ndarray) -> tuple:
        """The skills' gradients (A, B) and the mixing weights' from the folded weight's."""
        splits = self.skills_a.shape[0]
        share = weight_gradient.T.astype(np.float64) / self.rank  # d loss / d (a b)
        grad_a = (share @ self.mixed_b.T).reshape(splits, -1, self.rank)
        grad_b = (self.mixed_a.T @ share).reshape(self.rank, splits, -1).transpose(1, 0, 2)
        skills_a = mixing[:, :, None, None] * grad_a[:, None]
        skills_b = mixing[:, :, None, None] * grad_b[:, None]
        grad_mixing = np.einsum("qdr,qsdr->qs", grad_a, self.skills_a) + np.einsum(
            "qrd,qsrd->qs", grad_b, self.skills_b
        )
        return skills_a, skills_b, grad_mixing


class GraphFingerprinter:
    """`fingerprints.compute_fingerprint` for a model directory with a gradient graph, run by
    ONNX Runtime; the routing at `trained_mean` as there."""

    def __init__(self, directory: Path | str, trained_mean: np.ndarray) -> None:
        import onnxruntime

        directory = Path(directory)
        config = json.loads((directory / "config.json").read_text())
        style = config["style"]
        self.n_splits, self.n_skills = style["n_splits"], style["n_skills"]
        self.trained_mean = np.asarray(trained_mean, np.float32)
        self.mixing = routing_weights(self.trained_mean, self.n_splits, self.n_skills)
        known = config.get("known_elo_buckets")
        self.elo_levels = None if known is None else np.array(elo_level_table(tuple(known)))
        base = load_file(directory / "base.safetensors")
        skills = load_file(directory / "skills.safetensors")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(directory / GRAPH_FILE), options, providers=["CPUExecutionProvider"]
        )
        adapted = {
            key.removeprefix(SKILL_PREFIX).removesuffix(".poly_lora_A")
            for key in skills
            if key.endswith(".poly_lora_A")
        }
        weights = set(base) - {"promotion_offset"} | {"promotion_bias"}
        inputs = {graph_input.name for graph_input in self.session.get_inputs()[4:]}
        outputs = {output.name for output in self.session.get_outputs()}
        if outputs != adapted or inputs != weights:
            raise ValueError("the graph was written for another network (its layers differ)")
        self.layers: dict[str, _AdaptedLayer] = {}
        for output in self.session.get_outputs():
            name = output.name
            self.layers[name] = _AdaptedLayer.mixed(
                skills[f"{SKILL_PREFIX}{name}.poly_lora_A"],
                skills[f"{SKILL_PREFIX}{name}.poly_lora_B"],
                self.mixing,
                style["rank"],
            )
        feed = {}
        for graph_input in self.session.get_inputs()[4:]:
            name = graph_input.name
            if name == "promotion_bias":
                feed[name] = base["promotion_offset"][VOCABULARY_PROMOTION]
            elif name.removesuffix(".weight") in self.layers:
                feed[name] = self.layers[name.removesuffix(".weight")].folded(base[name])
            else:
                feed[name] = base[name]
            if list(graph_input.shape) != list(feed[name].shape):
                raise ValueError(
                    f"the graph's {name} is {graph_input.shape}, the model's "
                    f"{list(feed[name].shape)}: the graph was written for another network"
                )
        self.weights = feed

    @staticmethod
    def available(directory: Path | str) -> bool:
        """Whether the directory has a graph and ONNX Runtime is installed."""
        if not (Path(directory) / GRAPH_FILE).exists():
            return False
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            return False
        return True

    def weight_gradients(self, positions: Positions) -> list[np.ndarray]:
        """Each adapted layer's weight gradient of the positions' summed log-likelihood, in
        runs of `GRAPH_BATCH` positions."""
        summed: list[np.ndarray] = []
        for start in range(0, len(positions), GRAPH_BATCH):
            part = positions.subset(np.arange(start, min(start + GRAPH_BATCH, len(positions))))
            found = self._graph_run(part)
            summed = [s + f for s, f in zip(summed, found, strict=True)] if summed else found
        return summed

    def _graph_run(self, positions: Positions) -> list[np.ndarray]:
        elo = positions.elo.astype(np.int64)
        if self.elo_levels is not None:
            elo = self.elo_levels[elo]
        feed = {
            "squares": positions.squares.astype(np.int64),
            "last_move": positions.last_move.astype(np.int64),
            "elo": elo,
            "move": positions.move.astype(np.int64),
            **self.weights,
        }
        return self.session.run(list(self.layers), feed)

    def fingerprint(self, gradients: list[np.ndarray], read: int) -> Fingerprint:
        """The fingerprint of the summed weight gradients of `read` positions."""
        parts, grad_mixing = [], np.zeros_like(self.mixing)
        for layer, gradient in zip(self.layers.values(), gradients, strict=True):
            skills_a, skills_b, mixing_part = layer.chain(gradient, self.mixing)
            parts += [skills_a.ravel(), skills_b.ravel()]
            grad_mixing += mixing_part
        sigmoid = 1.0 / (1.0 + np.exp(-self.trained_mean.reshape(self.mixing.shape)))
        total = sigmoid.sum(axis=-1, keepdims=True) + ROUTER_EPS
        grad_sigmoid = (
            grad_mixing - (grad_mixing * sigmoid).sum(axis=-1, keepdims=True) / total
        ) / total
        style_gradient = (grad_sigmoid * sigmoid * (1.0 - sigmoid)).ravel() / read
        sketch = count_sketch(np.concatenate(parts) / read)
        return Fingerprint(sketch, style_gradient.astype(np.float32), read)

    def __call__(
        self,
        positions: Positions,
        seed: int = 0,
        max_positions: int = FINGERPRINT_POSITIONS,
        settled: Callable[[Fingerprint], bool] | None = None,
    ) -> Fingerprint:
        """As `compute_fingerprint`: the same positions in the same order and batches."""
        rows = np.random.default_rng(seed).permutation(len(positions))[:max_positions]
        summed: list[np.ndarray] | None = None
        read = 0
        for start in range(0, len(rows), BATCH):
            batch = positions.subset(np.sort(rows[start : start + BATCH]))
            found = self.weight_gradients(batch)
            summed = (
                found if summed is None else [s + f for s, f in zip(summed, found, strict=True)]
            )
            read += len(batch)
            if settled is not None and read < len(rows) and settled(self.fingerprint(summed, read)):
                break
        if summed is None:
            raise ValueError("no positions to fingerprint")
        return self.fingerprint(summed, read)
