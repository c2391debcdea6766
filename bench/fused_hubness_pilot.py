"""Pilot: does the hub correction of the style ranking (CSLS) help `fused` if applied to its
evidence, the style fingerprint's and the game embedding's cosines?

`fingerprint_hubness_pilot.py` found hubs among the fingerprints (CSLS lifted the style alone
from 100 games 49% -> 72% top-1 among 497); the game embedding's evidence is a centred cosine
too. Same queries as that pilot (its caches: run it first): the 57 seen authors' test games
(100 / 20 / 5) and the 20 unseen players, re-enrolled in memory from 100 games (fingerprint,
openings, deep lines, structures, embedding profile), queried on 100 / 20 / 5 others. `fused`
(style 1, openings 16, embedding 4, each z-scored over the candidates) with each cosine plain or
CSLS-corrected; top-1/top-5 among all 497.
Usage: PYTHONPATH=. python bench/fused_hubness_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from bench.fingerprint_hubness_pilot import CACHE, REFERENCE_GAMES
from bench.pilot_queries import pilot_paths
from stylespace.fused import WEIGHTS_WITH_OPENINGS, fused_evidence, standardised
from stylespace.game_embedding import game_bags
from stylespace.openings import game_repertoires, joined_repertoire
from stylespace.store import GameStore
from stylespace.style_model import StyleModel
from stylespace.stylometry import neighbour_hubness, style_alone_scores

SIZES = (100, 20, 5)


def embedding_hubness(model: StyleModel) -> torch.Tensor:
    """Each profile's mean centred cosine with its 10 nearest others (0 where unknown)."""
    embedding = model.game_embedding
    known = embedding.known
    centre = embedding.profiles[known & model.trained_mask()].mean(axis=0)
    table = torch.from_numpy(embedding.profiles[known] - centre).float()
    hubness = torch.zeros(len(known))
    hubness[torch.from_numpy(known)] = neighbour_hubness(F.normalize(table, dim=-1))
    return hubness


def enrol_references(model: StyleModel, db: Path, cached: dict) -> dict[str, list]:
    """The unseen players set from the same 100 reference games as the cached fingerprints;
    returns their query games (the rest, in the same order)."""
    names = cached["authors"]
    with GameStore(db, read_only=True) as store:
        games = store.games_by_player(["train", "val", "test"], names)
    rng = np.random.default_rng(0)
    rest = {}
    for name, fingerprint in zip(names, cached["reference"], strict=True):
        played = [games[name][i] for i in rng.permutation(len(games[name]))]
        reference = played[:REFERENCE_GAMES]
        per_game = game_repertoires(reference, name)
        model.set_player(
            name,
            model.style_vectors[model.task_id(name)],
            fingerprint,
            joined_repertoire(per_game),
            game_bags(per_game),
        )
        rest[name] = played[REFERENCE_GAMES:]
    return rest


def main(model_dir: Path, db: Path) -> None:
    model = StyleModel.load(model_dir)
    seen = torch.load("runs/fingerprint-heldout.pt", weights_only=False)
    unseen = torch.load(CACHE, weights_only=False)
    unseen_games = enrol_references(model, db, unseen)
    with GameStore(db, read_only=True) as store:
        test = store.games_by_player(["test"], seen["authors"])
    hubness = embedding_hubness(model)
    groups = {
        "seen": (seen, {a: test[a] for a in seen["authors"]}),
        "unseen": (unseen, unseen_games),
    }
    variants = ("plain", "style csls", "embedding csls", "both csls")
    for group, (cached, games_of) in groups.items():
        for size in SIZES:
            ranks = {v: [] for v in variants}
            for author, fingerprint in zip(cached["authors"], cached[size, 0], strict=True):
                games = games_of[author][:size]
                per_game = game_repertoires(games, author)
                repertoire, bags = joined_repertoire(per_game), game_bags(per_game)
                evidence = {
                    kind: torch.from_numpy(scores)
                    for kind, scores in fused_evidence(
                        model, fingerprint, *repertoire, games=bags
                    ).items()
                }
                known = torch.isfinite(evidence["style"])
                style_csls = torch.from_numpy(
                    standardised(style_alone_scores(model, fingerprint), known.numpy())
                )
                raw = torch.from_numpy(model.game_embedding.scores(bags, model.trained_mask()))
                raw = torch.where(torch.isfinite(raw), raw - 0.5 * hubness, raw[known].mean())
                embedding_csls = torch.from_numpy(standardised(raw.numpy(), known.numpy()))
                for variant in variants:
                    parts = dict(evidence)
                    if variant in ("style csls", "both csls"):
                        parts["style"] = style_csls
                    if variant in ("embedding csls", "both csls") and "embedding" in parts:
                        parts["embedding"] = embedding_csls
                    total = sum(WEIGHTS_WITH_OPENINGS[k] * v for k, v in parts.items())
                    total = torch.where(known, total, torch.tensor(float("-inf")))
                    task = model.task_id(author)
                    ranks[variant].append(int((total > total[task]).sum()))
            cells = [
                f"{v} {np.mean(np.array(r) == 0):.0%}/{np.mean(np.array(r) < 5):.0%}"
                for v, r in ranks.items()
            ]
            print(f"{group} {size} games: " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main(*pilot_paths(sys.argv[1:]))
