"""The count sketch that makes a style fingerprint small, and the fingerprint record itself.

Torch-free, so that both ways of computing a fingerprint share it: autograd in
`fingerprints.py` (enrolment, references, the benchmarks) and the exported gradient graph in
`graph_fingerprints.py` (`identify` from the command line, without importing torch).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

FINGERPRINT_SIZE = 2048  # buckets of a stylometry fingerprint
FINGERPRINT_POSITIONS = 4096  # a query's cap: about 100 games of one player's moves
SKETCH_SEED = 0
BATCH = 512  # positions per pass; also how often a caller may stop the reading


@dataclass(frozen=True)
class Fingerprint:
    """A fingerprint (skills gradient, sketched), the style-vector gradient of the same pass,
    and how many positions it read. Torch tensors from the autograd pass, numpy arrays from
    the graph: the rankings read both through `np.asarray`."""

    sketch: Any  # (FINGERPRINT_SIZE,)
    style_gradient: Any  # (vector size,)
    positions: int


@lru_cache(maxsize=4)
def sketch_plan(length: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Bucket and sign of every gradient coordinate; the same on every machine (PCG64)."""
    generator = np.random.default_rng(seed)
    buckets = generator.integers(0, size, length)
    signs = generator.choice(np.array([-1.0, 1.0], dtype=np.float32), length)
    return buckets, signs


def count_sketch(values: np.ndarray, size: int = FINGERPRINT_SIZE) -> np.ndarray:
    """`values` (flat) summed into `size` buckets with random signs: inner products survive."""
    buckets, signs = sketch_plan(len(values), size, SKETCH_SEED)
    summed = np.bincount(buckets, weights=np.asarray(values, np.float64) * signs, minlength=size)
    return summed.astype(np.float32)
