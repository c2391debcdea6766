"""Pilot: the late-move embedding, cross-fitted so that no player is scored in a space that
learnt their games.

Question: `late_embedding_pilot.py` found that an embedding of the late moves helps for authors
it never trained on (60 masters left out: from 100 games from ply 30, 73% -> 88% top-1 beside
the structures with all their train games as profile, 0% -> 27% with 100), and the demo build
found it hurts the players it trained on (80% -> 44%): it memorises them. Cross-fitting keeps
the first and avoids the second: split the players in two folds by a hash of the name, train one
embedding per fold, and score every candidate in the other fold's embedding, where it is as new
as an enrolled player. Does that hold up when every candidate, not only the authors, is scored
this way?

Method: `late_embedding_pilot.py`'s cached tokens, queries and structures (the same 60 authors,
one query of 100 validation games from ply 30 each, plus five of 20 and twenty of 5), the same
trainer and settings; every one of the 477 players is in one fold's training (the authors too,
with their train games). Profiles: all train games, or 100 of them for the authors (`cut`, as
an enrolled player's). Cosines are centred per embedding on the mean profile it scores, then
z-scored over all candidates (`joint`) or within each fold (`per fold`), and added to the
structures' z-scored likelihood at a weight.
Usage: PYTHONPATH=. python bench/crossfit_late_pilot.py [MODEL_DIR] [DB] [STEPS]
"""

from __future__ import annotations

import hashlib
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from bench.game_embedder_pilot import _rank, embed, train
from bench.late_moves import LATE_BUCKETS
from bench.pilot_queries import (
    cut_table,
    hit_rates,
    pilot_paths,
    standardised,
    validation_queries,
)
from stylespace.openings import repertoire_tokens
from stylespace.style_model import StyleModel

CACHE = Path("runs/embedder/late-tokens-ply30.pkl")
FROM_PLY = 30


def fold(name: str) -> int:
    return hashlib.blake2b(name.encode(), digest_size=4).digest()[0] % 2


def main(model_dir: Path, db: Path, steps: int = 3000) -> None:
    started = time.perf_counter()
    names, train_games, queries = validation_queries(model_dir, db, 60)
    authors = list(queries)
    tokens, query_bags = pickle.loads(CACHE.read_bytes())
    usable = {n: [b for b in tokens[n] if len(b)] for n in names}
    folds = np.array([fold(n) for n in names])
    print(f"loaded {time.perf_counter() - started:.0f} s; folds {np.bincount(folds)}", flush=True)
    embedders = [
        train(
            [usable[n] for n, f in zip(names, folds, strict=True) if f == k],
            steps,
            LATE_BUCKETS,
            32,
            0.5,
        )
        for k in (0, 1)
    ]
    print(f"trained {time.perf_counter() - started:.0f} s", flush=True)
    style_model = StyleModel.load(model_dir)
    tasks = np.array([style_model.task_id(n) for n in names])
    rng = np.random.default_rng(11)
    enrol_rows = {a: rng.permutation(len(train_games[a]))[:100] for a in authors}
    for cut in (False, True):
        profiles = []
        for n, f in zip(names, folds, strict=True):
            bags = tokens[n]
            if cut and n in enrol_rows:
                bags = [bags[i] for i in enrol_rows[n]]
            profiles.append(embed(embedders[1 - f], [b for b in bags if len(b)]).mean(0))
        table = np.array(profiles)
        centres = [table[folds == k].mean(0) for k in (0, 1)]
        visits = style_model.structures
        if cut:
            enrolment = {a: [train_games[a][i] for i in enrol_rows[a]] for a in authors}
            visits = cut_table(visits, style_model, enrolment, "structures")
        for size in (100, 20, 5):
            ranks: dict[str, list[int]] = {}
            for a in authors:
                truth = names.index(a)
                for part in range(100 // size):
                    bags = [b for b in query_bags[a][part * size : (part + 1) * size] if len(b)]
                    cosine = np.zeros(len(names))
                    per_fold = np.zeros(len(names))
                    for k in (0, 1):
                        rows = folds == k
                        query = embed(embedders[1 - k], bags).mean(0) - centres[k]
                        part_table = table[rows] - centres[k]
                        cosine[rows] = (
                            part_table
                            @ query
                            / (np.linalg.norm(part_table, axis=1) * np.linalg.norm(query) + 1e-12)
                        )
                        per_fold[rows] = standardised(cosine[rows])
                    found = queries[a][part * size : (part + 1) * size]
                    structure = visits.scores(repertoire_tokens(found, a, FROM_PLY).structures)
                    z_structure = standardised(structure[tasks])
                    ranks.setdefault("embedding", []).append(_rank(cosine, truth))
                    ranks.setdefault("structures", []).append(_rank(z_structure, truth))
                    for label, z in (("joint", standardised(cosine)), ("perfold", per_fold)):
                        for weight in (1, 2, 4):
                            total = weight * z + z_structure
                            ranks.setdefault(f"{label}{weight}", []).append(_rank(total, truth))
            label = "cut" if cut else "full"
            print(f"{label}, {size:>3} games: " + hit_rates(ranks), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    model_path, db_path = pilot_paths(sys.argv[1:2] + sys.argv[2:3])
    main(model_path, db_path, int(sys.argv[3]) if len(sys.argv) > 3 else 3000)
