"""Pilot: would reference fingerprints from more positions find more authors?

A trained player's reference fingerprint comes from 4,096 of their training positions, as a
query's does; `fingerprint-cap.md` found the query side still gaining with every 1,024
positions. A reference costs nothing at query time, so it could read far more of a player's
games. Here: the pilots' 57 authors with >= 100 test games plus 43 other trained players (seed
7), each with references from 1,024 to 16,384 of their train positions (in a random order; chunk
fingerprints are linear, so one pass gives every size), against the cached test queries of
`fingerprint_heldout_pilot.py` (run it first), ranked among these 100 players by the centred
cosine and by CSLS (`stylometry.style_alone_scores`' correction). Top-1/top-5.
Usage: PYTHONPATH=. python bench/reference_positions_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from bench.pilot_queries import pilot_paths
from stylespace.authors import author_positions
from stylespace.fingerprints import compute_fingerprint
from stylespace.store import GameStore
from stylespace.style_model import StyleModel
from stylespace.stylometry import neighbour_hubness

CHUNK = 1024
MOST_CHUNKS = 16
PLAYERS = 100
CACHE = Path("runs/reference-positions.pt")
QUERIES = ((100, 0), (20, 0), (5, 0), (100, 30))


def chunk_sketches(model: StyleModel, games, name: str, done: torch.Tensor) -> torch.Tensor:
    """(chunks, size) fingerprints of up to `MOST_CHUNKS` chunks of 1,024 of the player's
    positions, in one fixed random order; the first `len(done)` are given already."""
    positions = author_positions(games, name, legal_masks=False)
    order = np.random.default_rng(0).permutation(len(positions))[: CHUNK * MOST_CHUNKS]
    chunks = [np.sort(order[s : s + CHUNK]) for s in range(0, len(order) - CHUNK + 1, CHUNK)]
    more = [compute_fingerprint(model, positions.subset(c)).sketch for c in chunks[len(done) :]]
    return torch.cat([done, torch.stack(more)]) if more else done


def references(model: StyleModel, db: Path, names: list[str]) -> dict[str, torch.Tensor]:
    """Every player's chunk fingerprints, cached; a larger `MOST_CHUNKS` extends the cache."""
    found = torch.load(CACHE, weights_only=False) if CACHE.exists() else {}
    missing = [n for n in names if len(found.get(n, ())) < MOST_CHUNKS]
    with GameStore(db, read_only=True) as store:
        train = store.games_by_player(["train"], missing)
    for index, name in enumerate(missing):
        empty = torch.empty(0, model.fingerprints.shape[1])
        found[name] = chunk_sketches(model, train[name], name, found.get(name, empty))
        if index % 10 == 9:
            torch.save(found, CACHE)  # resumable
            print(f"{len(found)} players", flush=True)
    torch.save(found, CACHE)
    return found


def ranks(table: torch.Tensor, queries: torch.Tensor, centre: torch.Tensor, csls: bool):
    refs = F.normalize(table - centre, dim=-1)
    scores = F.normalize(queries - centre, dim=-1) @ refs.T
    if csls:
        scores = scores - 0.5 * neighbour_hubness(refs)
    truth = scores.diagonal()[:, None]
    return (scores > truth).sum(dim=1).numpy()


def main(model_dir: Path, db: Path) -> None:
    started = time.perf_counter()
    model = StyleModel.load(model_dir)
    cached = torch.load("runs/fingerprint-heldout.pt", weights_only=False)
    authors = cached["authors"]
    trained = [p["name"] for p in model.players if not p.get("enrolled")]
    others = [n for n in trained if n not in set(authors)]
    rng = np.random.default_rng(7)
    names = authors + [others[i] for i in rng.permutation(len(others))[: PLAYERS - len(authors)]]
    chunks = references(model, db, names)
    print(f"references ready ({time.perf_counter() - started:.0f} s)", flush=True)
    centre = model.fingerprint_centre
    stored = model.fingerprints[[model.task_id(n) for n in names]]
    tables = {"stored (4,096 train positions)": stored}
    for count in (1, 2, 4, 8, 16):
        tables[f"{count * CHUNK:,} positions"] = torch.stack(
            [chunks[n][:count].mean(dim=0) for n in names]
        )
    for label, table in tables.items():
        for csls in (False, True):
            cells = []
            for size, start in QUERIES:
                # The queries are the 57 authors', rows 0..56 of the table: pad to square.
                queries = cached[size, start]
                found = ranks(table, torch.cat([queries, table[len(queries) :]]), centre, csls)
                found = found[: len(queries)]
                cells.append(f"{size}/{start} {np.mean(found == 0):.0%}/{np.mean(found < 5):.0%}")
            kind = "csls" if csls else "cosine"
            print(f"{label}, {kind}: " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main(*pilot_paths(sys.argv[1:]))
