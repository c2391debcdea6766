"""Pilot: should one game's opening evidence be bounded before a query's games are added up?

Question: `fused` scores a query's openings as one likelihood ratio over all its moves, which is
the sum of each game's. A candidate who once played the same rare line as one game of the query
collects many nats from that game alone, where the author collects fewer from each of several
games. Would bounding each game's evidence (a cap, a soft cap, each game z-scored, the largest
game dropped) let the consistent author through, above all in 5-game queries?

Method: the pilots' 60 authors (`pilot_queries.py`), five queries of 20 and twenty of 5 of their
validation games each, ranked among the 477 trained players by each game's opening evidence
aggregated several ways, alone and beside 4 x the game embedding (16 x openings + 4 x embedding,
each z-scored, as `fused` without its style evidence). "cut": the authors' rows from 100 of their
train games, as enrolled.
Usage: PYTHONPATH=. python bench/per_game_cap_pilot.py [MODEL_DIR] [DB]
(on a copy with train-only tables: `stylespace repertoires --model COPY`)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
from tqdm import tqdm

from bench.pilot_queries import (
    embedding_evidence,
    hit_rates,
    opening_profiles,
    pilot_draw,
    rank_of,
    standardised,
)


def _capped(limit: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda per_game: np.clip(per_game, -limit, limit).sum(axis=0)


def _upper_capped(limit: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda per_game: np.minimum(per_game, limit).sum(axis=0)


def _soft(limit: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda per_game: (limit * np.tanh(per_game / limit)).sum(axis=0)


def _z_capped(limit: float) -> Callable[[np.ndarray], np.ndarray]:
    def aggregate(per_game: np.ndarray) -> np.ndarray:
        spread = np.maximum(per_game.std(axis=1, keepdims=True), 1e-9)
        z = (per_game - per_game.mean(axis=1, keepdims=True)) / spread
        return np.minimum(z, limit).sum(axis=0)

    return aggregate


def _without_largest(per_game: np.ndarray) -> np.ndarray:
    return per_game.sum(axis=0) - per_game.max(axis=0)


AGGREGATES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sum": lambda per_game: per_game.sum(axis=0),
    **{f"cap{c}": _capped(c) for c in (3, 6, 10, 15, 25)},
    **{f"upper{c}": _upper_capped(c) for c in (6, 10, 15)},
    **{f"soft{c}": _soft(c) for c in (6, 10, 15)},
    **{f"zcap{c}": _z_capped(c) for c in (3, 5, 8)},
    "drop-max": _without_largest,
}


def main() -> None:
    started = time.perf_counter()
    draw = pilot_draw(sys.argv[1:])
    model, tasks, queries = draw.model, draw.tasks, draw.queries
    print(f"ready {time.perf_counter() - started:.0f} s", flush=True)
    for cut in (False, True):
        table, embedding = opening_profiles(model, draw.cut_games if cut else None)
        per_author = {
            a: np.stack([table.scores(g.openings)[tasks] for g in draw.query_tokens[a]])
            for a in tqdm(queries, desc="per-game scores", leave=False)
        }
        for size, parts in ((20, 5), (5, 20)):
            alone: dict[str, list[int]] = {}
            fused: dict[str, list[int]] = {}
            for a in queries:
                truth = draw.truth(a)
                for part in range(parts):
                    chosen = slice(part * size, (part + 1) * size)
                    per_game = per_author[a][chosen]
                    z_emb = embedding_evidence(
                        embedding, draw.query_tokens[a][chosen], draw.trained, tasks
                    )
                    for name, aggregate in AGGREGATES.items():
                        total = aggregate(per_game)
                        alone.setdefault(name, []).append(rank_of(total, truth))
                        mixed = 16 * standardised(total) + 4 * z_emb
                        fused.setdefault(name, []).append(rank_of(mixed, truth))
            label = f"{'cut' if cut else 'whole'} {size:>2} games"
            print(f"{label}, openings alone: " + hit_rates(alone), flush=True)
            print(f"{label}, + 4 x embedding: " + hit_rates(fused), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
