"""Pilot: style fingerprints of trained players from games the model never trained on.

A trained player's reference fingerprint (`training.add_fingerprints`) is the skills' gradient
over their *train* moves, which the skills were fitted to; a query's comes from games the model
never saw, as does an enrolled player's reference. Does a reference from held-out games (the
validation split) find the author of test-split queries more often than the stored one, and does
centring on held-out fingerprints matter?

The pilots' 60 authors (`bench/pilot_queries.py`: >= 100 validation games), queries from their
test games (the first 100, 20 and 5, and the 100 from ply 30), ranked among the same 60 by the
centred cosine of `fused.fingerprint_scores`: stored references centred on the trained
players' mean (as shipped), the same centred on the mean query of that size, and references
from 100 validation games (all moves, or from ply 30) centred on their own mean.
Usage: PYTHONPATH=. python bench/fingerprint_heldout_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from bench.pilot_queries import pilot_paths, validation_queries
from stylespace.authors import author_positions
from stylespace.fingerprints import compute_fingerprint
from stylespace.store import GameStore
from stylespace.style_model import StyleModel

SIZES = ((100, 0), (20, 0), (5, 0), (100, 30))


def ranks(references: torch.Tensor, queries: torch.Tensor, centre: torch.Tensor) -> np.ndarray:
    """Rank of the true reference (row i for query i) by centred cosine; 0 = first."""
    found = []
    for i, query in enumerate(queries):
        scores = F.cosine_similarity(references - centre, (query - centre)[None], dim=-1)
        found.append(int((scores >= scores[i]).sum()) - 1)
    return np.array(found)


def ranks_apart(
    references: torch.Tensor,
    queries: torch.Tensor,
    reference_centre: torch.Tensor,
    query_centre: torch.Tensor,
) -> np.ndarray:
    """As `ranks`, the references centred on theirs and the queries on theirs."""
    found = []
    for i, query in enumerate(queries):
        scores = F.cosine_similarity(
            references - reference_centre, (query - query_centre)[None], dim=-1
        )
        found.append(int((scores >= scores[i]).sum()) - 1)
    return np.array(found)


def line(label: str, found: np.ndarray) -> str:
    return f"{label} {np.mean(found == 0):.0%}/{np.mean(found < 5):.0%}"


def main(model_dir: Path, db: Path, players: int = 60) -> None:
    started = time.perf_counter()
    model = StyleModel.load(model_dir)
    _, _, validation = validation_queries(model_dir, db, players)
    authors = list(validation)
    with GameStore(db, read_only=True) as store:
        test = store.games_by_player(["test"], authors)
    authors = [a for a in authors if len(test[a]) >= 100]
    print(f"{len(authors)} authors with >= 100 test games", flush=True)

    def fingerprint(games, author, from_ply=0) -> torch.Tensor:
        return compute_fingerprint(model, author_positions(games, author, from_ply)).sketch

    stored = model.fingerprints[[model.task_id(a) for a in authors]]
    cache = Path("runs/fingerprint-heldout.pt")  # the pilot's fingerprints, for a rerun
    found = torch.load(cache) if cache.exists() else {}
    if found.get("authors") != authors:
        found = {"authors": authors}
        for start in (0, 30):
            found["held", start] = torch.stack(
                [fingerprint(validation[a], a, start) for a in authors]
            )
        print(f"references {time.perf_counter() - started:.0f} s", flush=True)
        for size, start in SIZES:
            found[size, start] = torch.stack(
                [fingerprint(test[a][:size], a, start) for a in authors]
            )
        cache.parent.mkdir(exist_ok=True)
        torch.save(found, cache)
    held = {start: found["held", start] for start in (0, 30)}
    for size, start in SIZES:
        queries = found[size, start]
        print(
            f"{size} games from ply {start}:  "
            + "  ".join(
                [
                    line(
                        "stored, trained centre", ranks(stored, queries, model.fingerprint_centre)
                    ),
                    line("stored, query centre", ranks(stored, queries, queries.mean(0))),
                    line("stored, held-out centre", ranks(stored, queries, held[start].mean(0))),
                    line(
                        "stored, each on its own centre",
                        ranks_apart(stored, queries, model.fingerprint_centre, held[start].mean(0)),
                    ),
                    line("held-out, own centre", ranks(held[0], queries, held[0].mean(0))),
                    line("held-out from ply 30", ranks(held[30], queries, held[30].mean(0))),
                ]
            )
            + f"  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main(*pilot_paths(sys.argv[1:]))
