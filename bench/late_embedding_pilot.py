"""Pilot: a game embedding of the late moves, for queries whose first 15 moves are hidden.

Question: with `--from-ply 30` the pawn-structure likelihood finds a trained master from 100
games 73% of the time, but a player enrolled from 100 games never (0%,
`score-normalisation.md`): the exact structures a profile of 100 games holds rarely come back.
The learned opening embedding (`game_embedding.py`) generalised from few games where the exact
tables did not. Do coarse tokens of the late moves themselves (which piece goes where, in what
material balance, with which pawn files and king squares) do the same once the openings are
hidden?

Method: as `game_embedder_pilot.py` (same 60 authors left out of the embedding's training,
same queries, same trainer), but each game's bag holds `late_moves.late_tokens` of the
author's moves from ply FROM_PLY on. Ranked among all 477 trained players by centred cosine,
beside the structure likelihood (`StructureVisits`, the shipped evidence from ply 30) with the
same enrolment, and their z-scored sum.
Usage: PYTHONPATH=. python bench/late_embedding_pilot.py [MODEL_DIR] [DB] [FROM_PLY] [STEPS]
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bench.game_embedder_pilot import _rank, embed, train
from bench.late_moves import LATE_BUCKETS, late_bags
from bench.pilot_queries import cut_table, hit_rates, validation_queries
from stylespace.openings import repertoire_tokens
from stylespace.style_model import StyleModel

CACHE = Path("runs/embedder")


def _cosines(table: np.ndarray, query: np.ndarray) -> np.ndarray:
    return table @ query / (np.linalg.norm(table, axis=1) * np.linalg.norm(query) + 1e-12)


def main(model_dir: Path, db: Path, from_ply: int = 30, steps: int = 3000) -> None:
    started = time.perf_counter()
    names, train_games, queries = validation_queries(model_dir, db, 60)
    authors = list(queries)
    others = [n for n in names if n not in queries]
    cache = CACHE / f"late-moves-ply{from_ply}.pkl"
    if cache.exists():
        tokens, query_bags = pickle.loads(cache.read_bytes())
    else:
        tokens = {n: late_bags(train_games[n], n, from_ply) for n in tqdm(names, desc="tokens")}
        query_bags = {a: late_bags(queries[a], a, from_ply) for a in authors}
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps((tokens, query_bags)))
    print(f"tokens {time.perf_counter() - started:.0f} s", flush=True)
    usable = {n: [b for b in bags if len(b)] for n, bags in tokens.items()}
    model = train([usable[n] for n in others], steps, LATE_BUCKETS, 32, 0.5)
    print(f"trained {time.perf_counter() - started:.0f} s", flush=True)

    rng = np.random.default_rng(11)
    enrol_rows = {a: rng.permutation(len(train_games[a]))[:100] for a in authors}
    style_model = StyleModel.load(model_dir)
    tasks = np.array([style_model.task_id(n) for n in names])
    for cut in (False, True):
        rows = []
        for n in names:
            bags = tokens[n]
            if cut and n in enrol_rows:
                bags = [bags[i] for i in enrol_rows[n]]
            rows.append(embed(model, [b for b in bags if len(b)]).mean(0))
        table = np.array(rows)
        centre = table.mean(0)
        table = table - centre
        visits = style_model.structures
        if cut:
            enrolment = {a: [train_games[a][i] for i in enrol_rows[a]] for a in authors}
            visits = cut_table(visits, style_model, enrolment, "structures")
        for size in (100, 20, 5):
            ranks = {"embedding": [], "structures": [], "fused1": [], "fused2": [], "fused4": []}
            for a in authors:
                truth = names.index(a)
                for part in range(100 // size):
                    bags = [b for b in query_bags[a][part * size : (part + 1) * size] if len(b)]
                    cosine = _cosines(table, embed(model, bags).mean(0) - centre)
                    ranks["embedding"].append(_rank(cosine, truth))
                    found = queries[a][part * size : (part + 1) * size]
                    structure = visits.scores(repertoire_tokens(found, a, from_ply).structures)
                    structure = structure[tasks]
                    ranks["structures"].append(_rank(structure, truth))
                    z = (cosine - cosine.mean()) / cosine.std()
                    z_structure = (structure - structure.mean()) / structure.std()
                    for weight in (1, 2, 4):
                        ranks[f"fused{weight}"].append(_rank(weight * z + z_structure, truth))
            label = "100-game enrolment" if cut else "all train games"
            print(f"{label:>20}, {size:>3} games: " + hit_rates(ranks), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(
        Path(arguments[0]) if arguments else Path("models/demo"),
        Path(arguments[1]) if len(arguments) > 1 else Path("data/stylespace.duckdb"),
        int(arguments[2]) if len(arguments) > 2 else 30,
        int(arguments[3]) if len(arguments) > 3 else 3000,
    )
