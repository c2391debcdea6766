"""Pilot: does adding the opening repertoire to the skill fingerprint identify masters better?

60 trained players with >= 100 validation games; one query each of 100, 20 and 5 validation games
(the test split stays for the shipped benchmark), ranked among all trained players by
z(fingerprint cosine) + w * z(opening TF-IDF cosine), both z-scored over the candidates.
With a third argument N >= 24 (`--from-ply`), only the moves from ply N on are used and the
opening term is the deep lines' (moves 13-20), as `fused` does.
Usage: python bench/fusion_pilot.py [MODEL_DIR] [DB]   (default models/demo, the project's store)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from stylespace.fingerprints import compute_fingerprint
from stylespace.openings import OpeningProfiles, repertoire_tokens
from stylespace.store import GameStore
from stylespace.style_model import StyleModel
from stylespace.stylometry import author_positions, fingerprint_scores

WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, float("inf"))


def _z(scores: np.ndarray) -> np.ndarray:
    return (scores - scores.mean()) / max(scores.std(), 1e-12)


def main(model_dir: Path, db: Path, players: int = 60, from_ply: int = 0) -> None:
    started = time.perf_counter()
    model = StyleModel.load(model_dir)
    names = [p["name"] for p in model.players if not p.get("enrolled")]
    tasks = [model.task_id(n) for n in names]
    with GameStore(db, read_only=True) as store:
        train = store.games_by_player(["train"], names)
        held = store.games_by_player(["val"], names)

    def tokens_of(games, author, ply=0):  # openings, or the deep lines once they are hidden
        found = repertoire_tokens(games, author, ply)
        return found.openings if from_ply < 24 else found.deep_lines

    profiles = OpeningProfiles({n: tokens_of(train[n], n) for n in names})
    rng = np.random.default_rng(7)
    chosen = [n for n in names if len(held[n]) >= 100]
    rng.shuffle(chosen)
    hits = {size: {w: [] for w in WEIGHTS} for size in (100, 20, 5)}
    if from_ply >= 24:
        hits = {100: hits[100]}
    for author in chosen[:players]:
        games = [held[author][i] for i in rng.permutation(len(held[author]))[:100]]
        for size in (100, 20, 5) if from_ply < 24 else (100,):
            query = games[:size]
            sketch = compute_fingerprint(model, author_positions(query, author, from_ply)).sketch
            fp = fingerprint_scores(model, sketch)[tasks].numpy()
            tokens = tokens_of(query, author, from_ply)
            ranked = dict(profiles.rank(tokens))
            op = np.array([ranked.get(n, 0.0) for n in names])
            truth = names.index(author)
            for w in WEIGHTS:
                fused = _z(op) if w == float("inf") else _z(fp) + w * _z(op)
                hits[size][w].append(int((fused > fused[truth]).sum()))
    print(
        f"{len(chosen[:players])} players among {len(names)}, {time.perf_counter() - started:.0f} s"
    )
    for size, by_weight in hits.items():
        row = "  ".join(
            f"w={w}: {np.mean(np.array(r) == 0):.0%}/{np.mean(np.array(r) < 5):.0%}"
            for w, r in by_weight.items()
        )
        print(f"{size:>3} games  {row}")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(
        Path(arguments[0]) if arguments else Path("models/demo"),
        Path(arguments[1]) if len(arguments) > 1 else Path("data/stylespace.duckdb"),
        from_ply=int(arguments[2]) if len(arguments) > 2 else 0,
    )
