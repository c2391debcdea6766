"""Pilot: normalise each candidate's scores by how that candidate scores other authors' games.

`fused` z-scores each piece of evidence over the candidates of one query. A candidate's score
also has a level and a spread of its own: a player known from 2,000 games has sharp choices
that score other authors' moves far below 0, one known from 100 games scores nearly everyone
near 0. Speaker verification normalises for this per model ("Z-norm": subtract the mean and
divide by the spread of the model's scores over impostors' queries of the same size). Does it
find more authors here?

60 trained players (`bench/pilot_queries.py`), disjoint validation queries of 100, 20 and 5
games (1, 5 and 20 per author) and of 100 games from ply 30; ranked among all trained players.
A candidate's impostor statistics come from the other authors' queries of the same size
(leave-the-author-out). "cut": the 60 authors' tables come from 100 train games (as an
enrolled player's), their statistics measured with those tables.
Usage: python bench/score_norm_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from bench.pilot_queries import pilot_paths, validation_queries
from stylespace.authors import author_positions
from stylespace.fingerprints import compute_fingerprint
from stylespace.fused import fingerprint_scores
from stylespace.openings import repertoire_tokens
from stylespace.style_model import StyleModel

SPLITS = ((100, 1, 0), (20, 5, 0), (5, 20, 0), (100, 1, 30))
WEIGHT_GRID = (4.0, 8.0, 16.0, 32.0)


def zscore(scores: np.ndarray) -> np.ndarray:
    """Each row z-scored over the candidates."""
    return (scores - scores.mean(1, keepdims=True)) / scores.std(1, keepdims=True).clip(1e-12)


def znorm(scores: np.ndarray, authors: np.ndarray) -> np.ndarray:
    """Each candidate's column normalised by its mean and spread over the queries of other
    authors (rows: queries, columns: candidates; `authors[i]` the column of query i's author)."""
    normalised = np.empty_like(scores)
    for i, author in enumerate(authors):
        others = authors != author
        mean, spread = scores[others].mean(0), scores[others].std(0).clip(1e-9)
        normalised[i] = (scores[i] - mean) / spread
    return normalised


def top(total: np.ndarray, authors: np.ndarray, k: int) -> float:
    truth = total[np.arange(len(authors)), authors]
    return float(np.mean((total > truth[:, None]).sum(1) < k))


def main(model_dir: Path, db: Path, players: int = 60) -> None:
    started = time.perf_counter()
    names, train, queries = validation_queries(model_dir, db, players)
    model = StyleModel.load(model_dir)
    tasks = np.array([model.task_id(n) for n in names])
    cut = SimpleNamespace()  # the model's tables, the authors' rows from 100 games
    cut_rows = {"repertoires": {}, "deep_lines": {}, "structures": {}}
    for author in queries:
        tokens = repertoire_tokens(train[author][:100], author)
        row = model.task_id(author)
        cut_rows["repertoires"][row] = tokens.openings
        cut_rows["deep_lines"][row] = tokens.deep_lines
        cut_rows["structures"][row] = tokens.structures
    for kind, rows in cut_rows.items():
        table = copy.deepcopy(getattr(model, kind))
        table.set_rows(rows)
        setattr(cut, kind, table)
    print(f"tables cut, {time.perf_counter() - started:.0f} s", flush=True)
    for size, per_author, from_ply in SPLITS:
        rows = {
            "style": [],
            "openings": [],
            "cut_openings": [],
            "structures": [],
            "cut_structures": [],
            "deep_lines": [],
            "cut_deep_lines": [],
        }
        authors = []
        for author, games in queries.items():
            for part in range(per_author):
                query = games[part * size : (part + 1) * size]
                sketch = compute_fingerprint(
                    model, author_positions(query, author, from_ply)
                ).sketch
                rows["style"].append(fingerprint_scores(model, sketch)[tasks])
                tokens = repertoire_tokens(query, author, from_ply)
                for prefix, source in (("", model), ("cut_", cut)):
                    rows[prefix + "openings"].append(
                        source.repertoires.scores(tokens.openings)[tasks]
                    )
                    rows[prefix + "deep_lines"].append(
                        source.deep_lines.scores(tokens.deep_lines)[tasks]
                    )
                    rows[prefix + "structures"].append(
                        source.structures.scores(tokens.structures)[tasks]
                    )
                authors.append(names.index(author))
        authors = np.array(authors)
        raw = {kind: np.array(values, dtype=np.float64) for kind, values in rows.items()}
        print(
            f"\n{size} games from ply {from_ply}: {len(authors)} queries, "
            f"{time.perf_counter() - started:.0f} s"
        )
        opening = "openings" if from_ply < 24 else "structures"
        for variant in ("", "cut_"):
            for norm in ("z over candidates", "Z-norm, then z"):
                parts = {}
                for kind in ("style", variant + opening, variant + "deep_lines"):
                    values = raw[kind]
                    if norm.startswith("Z-norm"):
                        values = znorm(values, authors)
                    parts[kind] = zscore(values)
                cells = []
                for weight in WEIGHT_GRID:
                    total = parts["style"] + weight * parts[variant + opening]
                    if from_ply >= 24:
                        total = total + 0.25 * parts[variant + "deep_lines"]
                    cells.append(
                        f"w={weight:g}: {top(total, authors, 1):.0%}/{top(total, authors, 5):.0%}"
                    )
                alone = f"alone {top(parts[variant + opening], authors, 1):.0%}"
                print(
                    f"  {variant or 'full '}{opening:10} {norm:18} {alone:10} " + "  ".join(cells)
                )
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(*pilot_paths(sys.argv[1:]))
