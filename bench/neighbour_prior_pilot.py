"""Pilot: smooth a player's opening choices toward their nearest players' instead of everybody's.

Question: the opening likelihood (`openings.MoveChoices.scores`) smooths a player's counts in a
query position toward everybody's choice there, so a position the player never reached scores 0.
A player known from 100 games has reached few of a new query's positions; players with a similar
repertoire (near in the game embedding) may have. Smoothing toward those neighbours' choices
(themselves smoothed toward everybody's) lets the player's own thin table borrow their
neighbourhood's: does that find enrolled players from 20 and 5 games more often, without losing
trained ones?

Method: the pilots' 60 authors (`pilot_queries.py`), queries of 20 (five each) and 5 (twenty
each) validation games, ranked among all 477 trained players by 16 x openings + 4 x embedding
(the shipped `fused` without its style evidence, each z-scored), whole profiles or the authors'
cut to 100 train games (tables and embedding profiles both, as an enrolled player's).
Neighbours: the K players with the highest centred cosine of embedding profiles (not oneself).
Usage: PYTHONPATH=. python bench/neighbour_prior_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy import sparse
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
from stylespace.openings import (
    CHOICE_PRIOR,
    LEGAL_MOVES,
    MoveChoices,
    joined_repertoire,
)
from stylespace.style_model import StyleModel

NEIGHBOURS = (0, 5, 20, 50)


def neighbour_matrix(profiles: np.ndarray, known: np.ndarray, k: int) -> sparse.csr_matrix:
    """Row p sums the counts of p's k nearest players (centred cosine of profiles)."""
    centred = np.where(known[:, None], profiles - profiles[known].mean(0), 0.0)
    unit = centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)
    similar = unit @ unit.T
    np.fill_diagonal(similar, -np.inf)
    similar[:, ~known] = -np.inf
    nearest = np.argsort(-similar, axis=1)[:, :k]
    rows = np.repeat(np.arange(len(profiles)), k)
    return sparse.csr_matrix(
        (np.ones(len(rows)), (rows, nearest.ravel())), shape=(len(profiles), len(profiles))
    )


def scores(table: MoveChoices, tokens: np.ndarray, near: sparse.csr_matrix | None) -> np.ndarray:
    """`MoveChoices.scores`, with each player's counts smoothed toward their neighbours'
    choice (itself smoothed toward everybody's) when `near` is given."""
    if len(tokens) == 0:
        return np.zeros(len(table), dtype=np.float32)
    player_chose, player_visits, repeats = table.query_counts(tokens)
    prior = (player_chose.sum(axis=0) + 1.0 / LEGAL_MOVES) / (player_visits.sum(axis=0) + 1.0)
    towards = prior[None, :]
    if near is not None:
        near_chose, near_visits = near @ player_chose, near @ player_visits
        towards = (near_chose + CHOICE_PRIOR * prior) / (near_visits + CHOICE_PRIOR)
    own = (player_chose + CHOICE_PRIOR * towards) / (player_visits + CHOICE_PRIOR)
    return (np.log(own / prior) @ repeats).astype(np.float32)


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
        nears = {
            k: neighbour_matrix(embedding.profiles, embedding.known, k) if k else None
            for k in NEIGHBOURS
        }
        for size, parts in ((20, 5), (5, 20)):
            ranks: dict[str, list[int]] = {}
            for a in tqdm(queries, desc=f"{'cut' if cut else 'whole'} {size}", leave=False):
                truth = int(np.flatnonzero(tasks == model.task_id(a))[0])
                for part in range(parts):
                    chosen = query_tokens[a][part * size : (part + 1) * size]
                    joined = joined_repertoire(chosen)
                    z_embedding = embedding_evidence(embedding, chosen, trained, tasks)
                    for k, near in nears.items():
                        z_open = standardised(scores(table, joined.openings, near)[tasks])
                        for label, total in (
                            (f"open k{k}", z_open),
                            (f"fused k{k}", 16 * z_open + 4 * z_embedding),
                        ):
                            ranks.setdefault(label, []).append(int((total > total[truth]).sum()))
            print(f"{'cut' if cut else 'whole'} {size:>2} games: " + hit_rates(ranks), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
