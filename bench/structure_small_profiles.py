"""Pilot: can a pawn-structure profile from 100 games (an enrolled player's) compete?

On the cached features (bench/structure_cache.py): 60 authors' 100-game validation queries
from ply `QUERY_FROM` (default 30) among the 477 trained players, Witten-Bell a = 2 x distinct
(as `openings.StructureVisits`). Profiles whole; the authors' cut to 100 games, scored raw and
z-normalised per candidate (each score per query token, centred and scaled by the candidate's
scores on the other authors' queries); everyone's cut to 100 and to 300 games. Figures in
bench/results/fingerprint-metric.md. Usage: PYTHONPATH=bench python
bench/structure_small_profiles.py [QUERY_FROM]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from structure_likelihood import PROFILE_FROM, counts, likelihood, token_kinds


def _summary(scores: np.ndarray, authors: np.ndarray) -> str:
    own = scores[np.arange(len(authors)), authors][:, None]
    ranks = (scores >= own).sum(1) - 1  # ties count against the author
    return f"{np.mean(ranks == 0):.0%}/{np.mean(ranks < 5):.0%}, median rank {np.median(ranks):.0f}"


def _z_normalised(scores: np.ndarray, tokens: np.ndarray, authors: np.ndarray) -> np.ndarray:
    per_token = scores / tokens[:, None]
    impostor = np.ones_like(per_token, bool)
    impostor[np.arange(len(authors)), authors] = False
    masked = np.ma.array(per_token, mask=~impostor)
    spread = np.maximum(masked.std(axis=0).filled(1.0), 1e-9)
    return (per_token - masked.mean(axis=0).filled(0.0)) / spread


def main(query_from: int) -> None:
    profiles = dict(np.load("data/pilot/profiles.npz"))
    queries = dict(np.load("data/pilot/queries.npz"))
    names = Path("data/pilot/names.txt").read_text().split("\n")
    profiles = {k: v[profiles["ply"] >= PROFILE_FROM] for k, v in profiles.items()}
    keep = (queries["ply"] >= query_from) & (queries["game"] < 100)
    queries = {k: v[keep] for k, v in queries.items()}
    authors = np.unique(queries["player"])
    pairs = token_kinds(profiles)["structure"]
    query = counts(
        token_kinds(queries)["structure"],
        np.searchsorted(authors, queries["player"]),
        len(authors),
        queries["game"],
    )
    tokens = np.asarray(query[0].sum(1)).ravel()
    everyone = np.ones(len(profiles["player"]), bool)
    cut_authors = ~np.isin(profiles["player"], authors) | (profiles["game"] < 100)
    designs = {
        "whole": everyone,
        "authors cut to 100": cut_authors,
        "everyone cut to 100": profiles["game"] < 100,
        "everyone cut to 300": profiles["game"] < 300,
    }
    for design, rows in designs.items():
        built = counts(
            [(c[rows], t[rows]) for c, t in pairs],
            profiles["player"][rows],
            len(names),
            profiles["game"][rows],
        )
        scores = likelihood(built, query, 2.0, adaptive=True)
        normalised = _summary(_z_normalised(scores, tokens, authors), authors)
        print(f"{design:>20}: {_summary(scores, authors)} | z-normalised {normalised}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
