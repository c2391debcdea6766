"""Pilot: hubs among the fingerprints, and the held-out direction, for the style evidence.

Ranked among all the model's players, some references sit close to many queries (hubs). Two
corrections, neither needing training:
- CSLS (Conneau et al. 2018, cross-domain similarity local scaling): a reference's cosine with a
  query minus half the mean cosine of that reference with its 10 nearest other references, so a
  reference near everybody gains nothing from it;
- own centres: trained players' references are gradients over moves the skills were fitted to,
  while queries and enrolled players' references come from games the model never saw and share
  a direction (`fingerprint-heldout.md`): centre each kind on its own mean (trained references on
  the trained mean; queries and enrolled references on the enrolled references' mean).

Seen players: the cached test queries of `fingerprint_heldout_pilot.py` (57 authors; run it
first). Unseen players (`bench/demo-unseen-players.txt`): each re-enrolled (fingerprint only)
from 100 of their games, as `bench stylometry` does, and queried on 100 / 20 / 5 others and on
100 others from ply 30. Style alone, ranked among all players, top-1/top-5.
Usage: PYTHONPATH=. python bench/fingerprint_hubness_pilot.py [MODEL_DIR] [DB]
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

SIZES = ((100, 0), (20, 0), (5, 0), (100, 30))
REFERENCE_GAMES = 100
CACHE = Path("runs/fingerprint-unseen.pt")


def unseen_fingerprints(model: StyleModel, db: Path) -> dict:
    """Reference (100 games) and query fingerprints of the model's enrolled players, cached."""
    if CACHE.exists():
        return torch.load(CACHE, weights_only=False)
    names = [p["name"] for p in model.players if p.get("enrolled")]
    with GameStore(db, read_only=True) as store:
        games = store.games_by_player(["train", "val", "test"], names)
    rng = np.random.default_rng(0)
    found: dict = {"authors": [], "reference": [], **{key: [] for key in SIZES}}
    for name in names:
        order = rng.permutation(len(games[name]))
        played = [games[name][i] for i in order]
        if len(played) < REFERENCE_GAMES + 100:
            continue
        reference, rest = played[:REFERENCE_GAMES], played[REFERENCE_GAMES:]
        found["authors"].append(name)
        found["reference"].append(fingerprint(model, reference, name, 0))
        for size, start in SIZES:
            found[size, start].append(fingerprint(model, rest[:size], name, start))
        print(f"{name}: {len(played)} games", flush=True)
    found = {k: (torch.stack(v) if k != "authors" else v) for k, v in found.items()}
    CACHE.parent.mkdir(exist_ok=True)
    torch.save(found, CACHE)
    return found


def fingerprint(model: StyleModel, games, author: str, from_ply: int) -> torch.Tensor:
    positions = author_positions(games, author, from_ply, legal_masks=False)
    return compute_fingerprint(model, positions).sketch


def scores(
    table: torch.Tensor,
    enrolled: torch.Tensor,
    query: torch.Tensor,
    trained_centre: torch.Tensor,
    heldout_centre: torch.Tensor,
    own_centres: bool,
    csls: bool,
) -> torch.Tensor:
    """Every reference's score for `query` (rows of `table`, all with fingerprints)."""
    centres = (
        torch.where(enrolled[:, None], heldout_centre, trained_centre)
        if own_centres
        else (trained_centre.expand_as(table))
    )
    references = F.normalize(table - centres, dim=-1)
    query_centre = heldout_centre if own_centres else trained_centre
    cosine = references @ F.normalize(query - query_centre, dim=-1)
    if not csls:
        return cosine
    return cosine - 0.5 * neighbour_hubness(references)


def main(model_dir: Path, db: Path) -> None:
    started = time.perf_counter()
    model = StyleModel.load(model_dir)
    seen = torch.load("runs/fingerprint-heldout.pt", weights_only=False)
    unseen = unseen_fingerprints(model, db)
    print(f"fingerprints ready ({time.perf_counter() - started:.0f} s)", flush=True)
    known = ~model.fingerprints.isnan().any(dim=1)
    rows = torch.nonzero(known).flatten().tolist()
    table = model.fingerprints[known].clone()
    row_of = {task: i for i, task in enumerate(rows)}
    enrolled = torch.tensor([bool(model.players[t].get("enrolled")) for t in rows])
    for name, reference in zip(unseen["authors"], unseen["reference"], strict=True):
        table[row_of[model.task_id(name)]] = reference  # enrolled from 100 games, as benched
    trained_centre = table[~enrolled].mean(dim=0)
    heldout_centre = table[enrolled].mean(dim=0)
    groups = {
        "seen": ([row_of[model.task_id(a)] for a in seen["authors"]], seen),
        "unseen": ([row_of[model.task_id(a)] for a in unseen["authors"]], unseen),
    }
    for own_centres in (False, True):
        for csls in (False, True):
            cells = []
            for group, (truth, found) in groups.items():
                for size, start in SIZES:
                    ranks = []
                    for query, row in zip(found[size, start], truth, strict=True):
                        s = scores(
                            table,
                            enrolled,
                            query,
                            trained_centre,
                            heldout_centre,
                            own_centres,
                            csls,
                        )
                        ranks.append(int((s > s[row]).sum()))
                    ranks = np.array(ranks)
                    cells.append(
                        f"{group} {size}/{start} {np.mean(ranks == 0):.0%}/{np.mean(ranks < 5):.0%}"
                    )
            print(f"own centres {own_centres}, csls {csls}: " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main(*pilot_paths(sys.argv[1:]))
