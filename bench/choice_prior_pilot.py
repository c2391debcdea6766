"""Pilot: should a player's opening choices be smoothed by how varied they are (Witten-Bell)?

Question: the opening likelihood (`openings.MoveChoices.scores`) smooths a player's counts in a
query position toward everybody's choice with one fixed prior (`CHOICE_PRIOR`, 2 pseudo-games)
for every player and position. Players differ: one always answers 1.e4 with the Najdorf, another
plays four defences. Witten-Bell smoothing sets the prior where the player stood to c times the
number of distinct moves they chose there: a player who always chose one move is trusted after
one game, one who chose many is pulled toward everybody's choice; the pawn structures' prior
(`openings.NOVELTY`) is of this kind and found far more than a fixed one. Does it find more
authors from 20 and 5 games, for whole profiles and for profiles of 100 games (as enrolled)?

Method: the pilots' 60 authors (`pilot_queries.py`), queries of 20 (five each) and 5 (twenty
each) validation games, ranked among all 477 trained players by the openings alone and by
16 x openings + 4 x embedding (the shipped `fused` without its style evidence, each z-scored).
Usage: PYTHONPATH=. python bench/choice_prior_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from tqdm import tqdm

from bench.pilot_queries import (
    embedding_evidence,
    hit_rates,
    hundred_game_cuts,
    opening_profiles,
    per_game_tokens,
    pilot_paths,
    standardised,
    validation_queries,
)
from stylespace.openings import LEGAL_MOVES, MoveChoices, joined_repertoire
from stylespace.style_model import StyleModel

# label -> (fixed prior, or None; Witten-Bell multiplier, or None)
PRIORS = {
    "fixed 1": (1.0, None),
    "fixed 2 (shipped)": (2.0, None),
    "fixed 4": (4.0, None),
    "WB 0.5": (None, 0.5),
    "WB 1": (None, 1.0),
    "WB 2": (None, 2.0),
}


def query_counts(table: MoveChoices, tokens: np.ndarray) -> tuple[np.ndarray, ...]:
    """`MoveChoices.query_counts`, plus how many distinct moves each player chose in each
    query move's position (the number of stored keys in its slots)."""
    keys, running = table._flat()
    query, repeats = np.unique(np.asarray(tokens, dtype=np.int64), return_counts=True)
    rows = np.arange(len(table), dtype=np.int64)[:, None] * table.width()
    chosen = rows + query[None, :]
    visited = rows + (query // table.SLOTS * table.SLOTS)[None, :]
    chose = running[np.searchsorted(keys, chosen + 1)] - running[np.searchsorted(keys, chosen)]
    low, high = np.searchsorted(keys, visited), np.searchsorted(keys, visited + table.SLOTS)
    visits, distinct = running[high] - running[low], (high - low).astype(np.float64)
    reached = visits.sum(axis=0) > 0
    return chose[:, reached], visits[:, reached], distinct[:, reached], repeats[reached]


def scores(table: MoveChoices, tokens: np.ndarray, fixed: float | None, wb: float | None):
    """The opening likelihood ratio with a fixed prior or a Witten-Bell one."""
    if len(tokens) == 0:
        return np.zeros(len(table), dtype=np.float32)
    chose, visits, distinct, repeats = query_counts(table, tokens)
    everybody = (chose.sum(axis=0) + 1.0 / LEGAL_MOVES) / (visits.sum(axis=0) + 1.0)
    prior = fixed if fixed is not None else wb * np.maximum(distinct, 1.0)
    own = (chose + prior * everybody) / (visits + prior)
    return (np.log(own / everybody) @ repeats).astype(np.float32)


def main() -> None:
    started = time.perf_counter()
    model_dir, db = pilot_paths(sys.argv[1:])
    model = StyleModel.load(model_dir)
    names, train_games, queries = validation_queries(model_dir, db, 60)
    tasks = np.array([model.task_id(n) for n in names])
    trained = model.trained_mask()
    query_tokens = per_game_tokens(queries)
    cut_games = hundred_game_cuts(train_games, queries)
    print(f"ready {time.perf_counter() - started:.0f} s", flush=True)
    for cut in (False, True):
        table, embedding = opening_profiles(model, cut_games if cut else None)
        for size, parts in ((20, 5), (5, 20)):
            ranks: dict[str, list[int]] = {}
            for a in tqdm(queries, desc=f"{'cut' if cut else 'whole'} {size}", leave=False):
                truth = int(np.flatnonzero(tasks == model.task_id(a))[0])
                for part in range(parts):
                    chosen = query_tokens[a][part * size : (part + 1) * size]
                    joined = joined_repertoire(chosen)
                    z_embedding = embedding_evidence(embedding, chosen, trained, tasks)
                    for label, (fixed, wb) in PRIORS.items():
                        z_open = standardised(scores(table, joined.openings, fixed, wb)[tasks])
                        for kind, total in (
                            ("open", z_open),
                            ("fused", 16 * z_open + 4 * z_embedding),
                        ):
                            rank = int((total > total[truth]).sum())
                            ranks.setdefault(f"{kind} {label}", []).append(rank)
            print(f"{'cut' if cut else 'whole'} {size:>2} games:", flush=True)
            for label in PRIORS:
                print(
                    f"  {label:<18} "
                    + hit_rates({k: r for k, r in ranks.items() if k.endswith(label)}),
                    flush=True,
                )
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
