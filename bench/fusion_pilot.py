"""Pilot: the weights of the `fused` evidence (openings, structures) beside the style fingerprint.

60 trained players with >= 100 validation games; one query each of 100, 20 and 5 validation games
(the test split stays for the shipped benchmark), ranked among all trained players by
z(style) + w_open * z(openings) + w_struct * z(structures), each z-scored over the candidates,
with the model's own tables (`stylespace repertoires` fills them) for a grid of weights (the
structures are weighed here even beside the openings, where `fused` leaves them out).
With a third argument N (`--from-ply`), only the moves from ply N on are used (from ply 24 the
opening evidence is the deep lines', as `fused` does).
Usage: python bench/fusion_pilot.py [MODEL_DIR] [DB] [FROM_PLY]
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np
from pilot_queries import pilot_paths

from stylespace.authors import author_positions
from stylespace.fingerprints import compute_fingerprint
from stylespace.fused import fused_evidence
from stylespace.openings import repertoire_tokens
from stylespace.store import GameStore
from stylespace.style_model import StyleModel

OPENING_WEIGHTS = (0.0, 0.25, 1.0, 2.0, 4.0, 8.0, 16.0)
STRUCTURE_WEIGHTS = (0.0, 4.0, 8.0, 16.0, 32.0)


def main(model_dir: Path, db: Path, players: int = 60, from_ply: int = 0) -> None:
    started = time.perf_counter()
    model = StyleModel.load(model_dir)
    names = [p["name"] for p in model.players if not p.get("enrolled")]
    tasks = [model.task_id(n) for n in names]
    with GameStore(db, read_only=True) as store:
        held = store.games_by_player(["val"], names)
    rng = np.random.default_rng(7)
    chosen = [n for n in names if len(held[n]) >= 100]
    rng.shuffle(chosen)
    sizes = (100, 20, 5) if from_ply < 24 else (100,)
    grid = list(itertools.product(OPENING_WEIGHTS, STRUCTURE_WEIGHTS))
    ranks = {(size, weights): [] for size in sizes for weights in grid}
    for author in chosen[:players]:
        games = [held[author][i] for i in rng.permutation(len(held[author]))[:100]]
        for size in sizes:
            query = games[:size]
            sketch = compute_fingerprint(model, author_positions(query, author, from_ply)).sketch
            tokens = repertoire_tokens(query, author, from_ply)
            evidence = fused_evidence(model, sketch, *tokens)
            parts = {k: v[tasks] for k, v in evidence.items()}
            if "structures" not in parts:  # `fused` leaves them out beside the openings
                scores = model.structures.scores(tokens.structures)[tasks]
                parts["structures"] = (scores - scores.mean()) / max(scores.std(), 1e-12)
            truth = names.index(author)
            for w_open, w_struct in grid:
                opening = parts.get("openings", parts.get("deep_lines", 0.0))
                total = parts["style"] + w_open * opening
                total = total + w_struct * parts.get("structures", 0.0)
                ranks[size, (w_open, w_struct)].append(int((total >= total[truth]).sum()) - 1)
    print(
        f"{len(chosen[:players])} players among {len(names)}, from ply {from_ply}, "
        f"{time.perf_counter() - started:.0f} s"
    )
    print("games  w_open  " + "  ".join(f"w_struct={w:<5}" for w in STRUCTURE_WEIGHTS))
    for size in sizes:
        for w_open in OPENING_WEIGHTS:
            cells = []
            for w_struct in STRUCTURE_WEIGHTS:
                r = np.array(ranks[size, (w_open, w_struct)])
                cells.append(f"{np.mean(r == 0):>4.0%}/{np.mean(r < 5):<4.0%}  ")
            print(f"{size:>5}  {w_open:>6}  " + "  ".join(cells))


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(
        *pilot_paths(arguments),
        from_ply=int(arguments[2]) if len(arguments) > 2 else 0,
    )
