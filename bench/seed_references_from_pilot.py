"""One-off: start `stylespace references` from the pilot's cached chunk fingerprints.

`reference_positions_pilot.py` computed, for 100 players, fingerprints of 16 chunks of 1,024
positions: the first 16,384 of the same fixed permutation `references.reference_rows` draws.
For a player with at least 16,384 train positions the mean of those chunks *is* their
reference (the sketch is linear), so it is copied into the work table instead of computed again
(~25 s a player on this CPU). One player is recomputed from scratch as a check.
Usage: PYTHONPATH=. python bench/seed_references_from_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from bench.pilot_queries import pilot_paths
from stylespace.authors import author_positions
from stylespace.references import REFERENCE_POSITIONS, _WorkTable, reference_fingerprint
from stylespace.store import GameStore
from stylespace.style_model import StyleModel

PILOT_CACHE = Path("runs/reference-positions.pt")


def main(model_dir: Path, db: Path) -> None:
    model = StyleModel.load(model_dir)
    chunks = torch.load(PILOT_CACHE, weights_only=False)
    full = [name for name, c in chunks.items() if len(c) == REFERENCE_POSITIONS // 1024]
    work = Path("runs") / "references" / model_dir.name
    table = _WorkTable(work, len(model.players), model.fingerprints.shape[1], REFERENCE_POSITIONS)
    with GameStore(db, read_only=True) as store:
        games = store.games_by_player(["train"], full)
    seeded = 0
    for index, name in enumerate(full):
        positions = author_positions(games[name], name, legal_masks=False)
        if len(positions) < REFERENCE_POSITIONS:
            continue
        sketch = chunks[name].mean(dim=0)
        if index == 0:
            fresh = reference_fingerprint(model, positions)
            agreement = F.cosine_similarity(fresh, sketch, dim=0).item()
            print(f"check {name}: cosine of the fresh and the seeded reference {agreement:.6f}")
            if agreement < 0.9999:
                raise SystemExit("the pilot's draw differs from the library's: not seeding")
        table.put(model.task_id(name), sketch, REFERENCE_POSITIONS, len(positions))
        seeded += 1
    table.save()
    print(f"seeded {seeded} of {len(chunks)} pilot players into {table.path}")


if __name__ == "__main__":
    main(*pilot_paths(sys.argv[1:]))
