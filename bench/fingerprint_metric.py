"""Does a learned metric make the style fingerprint name authors, seen and unseen, more often?

The fingerprint (`stylespace/fingerprints.py`) is compared by a plain centred cosine, which
weighs every sketch coordinate alike, those that vary from game to game of one player as much
as those that set players apart. Speaker recognition meets the same problem with i-vectors and
solves it with within-class whitening and LDA learned on training speakers, applied unchanged to
new ones. Here: fingerprints of several disjoint chunks of each trained player's train games
give the within-player scatter; the metric is learned on them and scored on validation queries
(60 trained players, as the other pilots) and on the players left out of training (enrolled from
100 games, queried on others), from ply 0 and from ply 30.

Usage: PYTHONPATH=bench:. python bench/fingerprint_metric.py cache [MODEL_DIR] [DB]
       PYTHONPATH=bench:. python bench/fingerprint_metric.py score [MODEL_DIR]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from pilot_queries import pilot_paths, validation_queries
from tqdm import tqdm

from stylespace.authors import author_positions
from stylespace.fingerprints import compute_fingerprint
from stylespace.shards import open_shard
from stylespace.store import GameStore
from stylespace.style_model import StyleModel

CACHE = Path("data/pilot/fingerprint_metric.npz")
CHUNKS, CHUNK_GAMES = 4, 12
RUN = Path("runs/demo-gpu")  # the shards models/demo was trained on
QUERY_SIZES = (100, 20, 5)


def _unseen_names() -> list[str]:
    lines = Path("bench/demo-unseen-players.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _chunk_fingerprints(model: StyleModel) -> tuple[np.ndarray, np.ndarray]:
    """CHUNKS fingerprints of CHUNK_GAMES disjoint train games for every trained player."""
    shard = open_shard(RUN / "shards" / "train")
    owners = np.asarray(shard.arrays["player"])
    games = np.asarray(shard.arrays["game"])
    order = np.argsort(owners, kind="stable")
    tasks, starts, counts = np.unique(owners[order], return_index=True, return_counts=True)
    rng = np.random.default_rng(3)
    sketches, labels = [], []
    trained = {p["task_id"] for p in model.players if not p.get("enrolled")}
    todo = [(t, s, c) for t, s, c in zip(tasks, starts, counts, strict=True) if t in trained]
    for task, start, count in tqdm(todo, "chunk fingerprints", mininterval=30):
        rows = np.sort(order[start : start + count])
        own_games = rng.permutation(np.unique(games[rows]))
        for k in range(min(CHUNKS, len(own_games) // CHUNK_GAMES)):
            picked = own_games[k * CHUNK_GAMES : (k + 1) * CHUNK_GAMES]
            chunk = rows[np.isin(games[rows], picked)]
            sketches.append(compute_fingerprint(model, shard.positions(chunk)).sketch.numpy())
            labels.append(int(task))
    return np.stack(sketches), np.array(labels)


def _query_fingerprints(model: StyleModel, db: Path) -> dict[str, np.ndarray]:
    """Seen: 60 validation queries; unseen: a 100-game reference and disjoint queries."""
    _, _, seen = validation_queries(Path("models/demo"), db, 60)
    unseen = _unseen_names()
    with GameStore(db, read_only=True) as store:
        games = store.games_by_player(["train", "val", "test"], unseen)
    rng = np.random.default_rng(11)
    found: dict[str, list] = {}

    def add(key: str, value) -> None:
        found.setdefault(key, []).append(value)

    items = [("seen", a, g) for a, g in seen.items()]
    for name in unseen:
        own = games.get(name, [])
        if len(own) >= 200:
            own = [own[i] for i in rng.permutation(len(own))]
            items.append(("unseen", name, own))
    for group, author, own in tqdm(items, "query fingerprints", mininterval=30):
        if group == "unseen":
            reference = author_positions(own[:100], author)
            add("unseen_reference", compute_fingerprint(model, reference).sketch.numpy())
            own = own[100:200]
        add(f"{group}_author", model.task_id(author) if group == "seen" else -1)
        for size in QUERY_SIZES:
            positions = author_positions(own[:size], author)
            add(f"{group}_{size}", compute_fingerprint(model, positions).sketch.numpy())
        positions = author_positions(own[:100], author, from_ply=30)
        add(f"{group}_100_ply30", compute_fingerprint(model, positions).sketch.numpy())
    return {key: np.array(values) for key, values in found.items()}


def cache(model_dir: Path, db: Path) -> None:
    started = time.perf_counter()
    model = StyleModel.load(model_dir)
    queries = _query_fingerprints(model, db)
    chunks, labels = _chunk_fingerprints(model)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez(CACHE, chunks=chunks, labels=labels, **queries)
    print(f"cached {len(chunks)} chunks in {time.perf_counter() - started:.0f} s")


def _metric(chunks: np.ndarray, labels: np.ndarray, centre: np.ndarray, dims: int, shrink: float):
    """Length-normalised, centred chunks -> LDA directions (within-player scatter shrunk toward
    its mean variance); returns the projection."""
    x = _unit(chunks - centre)
    classes, inverse = np.unique(labels, return_inverse=True)
    means = np.zeros((len(classes), x.shape[1]))
    np.add.at(means, inverse, x)
    means /= np.bincount(inverse)[:, None]
    within = x - means[inverse]
    sw = within.T @ within / len(x)
    sw = (1 - shrink) * sw + shrink * np.trace(sw) / len(sw) * np.eye(len(sw))
    sb = (means - means.mean(0)).T @ (means - means.mean(0)) / len(means)
    values, vectors = np.linalg.eigh(sw)
    whiten = vectors / np.sqrt(values)
    _, b_vectors = np.linalg.eigh(whiten.T @ sb @ whiten)
    return whiten @ b_vectors[:, ::-1][:, :dims]


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _hits(table: np.ndarray, queries: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    scores = _unit(queries) @ _unit(table).T
    rank = (scores > scores[np.arange(len(truth)), truth][:, None]).sum(1)
    return round(float((rank == 0).mean()), 3), round(float((rank < 5).mean()), 3)


def score(model_dir: Path) -> None:
    model = StyleModel.load(model_dir)
    data = dict(np.load(CACHE))
    trained = [p["task_id"] for p in model.players if not p.get("enrolled")]
    table = model.fingerprints.numpy()[trained]
    centre = model.fingerprint_centre.numpy()
    # unseen references join the candidates, as enrolled players do
    table = np.concatenate([table, data["unseen_reference"]])
    seen_truth = np.array([trained.index(t) for t in data["seen_author"]])
    unseen_truth = len(trained) + np.arange(len(data["unseen_reference"]))
    report = {}
    projections = {"cosine": None}
    for dims in (50, 100, 200, 400):
        for shrink in (0.1, 0.3, 0.6):
            projections[f"lda{dims}_s{shrink}"] = _metric(
                data["chunks"], data["labels"], centre, dims, shrink
            )
    for name, projection in projections.items():
        row = {}
        for group, truth in (("seen", seen_truth), ("unseen", unseen_truth)):
            for key in ("100", "20", "5", "100_ply30"):
                queries = data[f"{group}_{key}"] - centre
                candidates = table - centre
                if projection is not None:
                    queries = _unit(queries) @ projection
                    candidates = _unit(candidates) @ projection
                row[f"{group}_{key}"] = _hits(candidates, queries, truth)
        report[name] = row
        print(name, json.dumps(row))


if __name__ == "__main__":
    command, rest = sys.argv[1], sys.argv[2:]
    model_dir, db = pilot_paths(rest)
    cache(model_dir, db) if command == "cache" else score(model_dir)
