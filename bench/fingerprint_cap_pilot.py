"""Pilot: how many of a query's positions does its fingerprint need?

`identify` computes the query's fingerprint over at most `FINGERPRINT_POSITIONS` (4,096) of the
author's moves: one forward and backward pass that is most of the command's time on a 100-game
query (about 5.5 s of 10.8 on a slow 2-core instance). Would a lower cap cost identifications?

The fingerprint is the mean gradient over the positions and the count sketch is linear, so the
fingerprint of the first k chunks of 1,024 positions (in a random order) is the mean of their
chunk fingerprints: one pass per query gives every cap. The pilots' authors with >= 100 test
games, one query of their first 100 test games (from ply 0 and from ply 30), ranked among all
the model's players by the style fingerprint alone and by `fused` (with its other evidence).
Usage: PYTHONPATH=. python bench/fingerprint_cap_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch

from bench.pilot_queries import pilot_paths, validation_queries
from stylespace.authors import author_positions
from stylespace.fingerprints import compute_fingerprint
from stylespace.fused import fused_evidence, fused_total
from stylespace.game_embedding import game_bags
from stylespace.openings import game_repertoires, joined_repertoire
from stylespace.store import GameStore
from stylespace.style_model import StyleModel

CHUNK = 1024
CAPS = (1, 2, 3, 4)  # chunks


def chunk_sketches(
    model: StyleModel, games, author: str, from_ply: int
) -> list[tuple[torch.Tensor, int]]:
    """Fingerprints of up to four chunks of 1,024 of the author's positions (in random order),
    each with its number of positions."""
    positions = author_positions(games, author, from_ply, legal_masks=False)
    order = np.random.default_rng(0).permutation(len(positions))[: CHUNK * max(CAPS)]
    chunks = [np.sort(order[start : start + CHUNK]) for start in range(0, len(order), CHUNK)]
    return [(compute_fingerprint(model, positions.subset(c)).sketch, len(c)) for c in chunks]


def capped(sketches: list[tuple[torch.Tensor, int]], chunks: int) -> torch.Tensor:
    """The fingerprint of the first `chunks` chunks: their means weighted by their sizes."""
    kept = sketches[:chunks]
    return sum(sketch * size for sketch, size in kept) / sum(size for _, size in kept)


def rank_of(scores: torch.Tensor, task: int) -> int:
    return int((scores > scores[task]).sum())


def main(model_dir: Path, db: Path, players: int = 60) -> None:
    started = time.perf_counter()
    model = StyleModel.load(model_dir)
    _, _, validation = validation_queries(model_dir, db, players)
    with GameStore(db, read_only=True) as store:
        test = store.games_by_player(["test"], list(validation))
    authors = [a for a in validation if len(test[a]) >= 100]
    print(f"{len(authors)} authors with >= 100 test games", flush=True)
    for from_ply in (0, 30):
        style_ranks = {c: [] for c in CAPS}
        fused_ranks = {c: [] for c in CAPS}
        gaps = {c: [] for c in CAPS}
        for author in authors:
            games = test[author][:100]
            sketches = chunk_sketches(model, games, author, from_ply)
            per_game = game_repertoires(games, author, from_ply)
            repertoire, bags = joined_repertoire(per_game), game_bags(per_game)
            task = model.task_id(author)
            for chunks in CAPS:
                evidence = fused_evidence(model, capped(sketches, chunks), *repertoire, games=bags)
                fused = torch.from_numpy(fused_total(evidence))
                style_ranks[chunks].append(rank_of(evidence["style"], task))
                fused_ranks[chunks].append(rank_of(fused, task))
                top_two = torch.topk(fused, 2).values
                gaps[chunks].append(float(top_two[0] - top_two[1]))
        for chunks in CAPS:
            style, fused = np.array(style_ranks[chunks]), np.array(fused_ranks[chunks])
            print(
                f"from ply {from_ply}, cap {chunks * CHUNK}: style alone "
                f"{np.mean(style == 0):.0%}/{np.mean(style < 5):.0%} (median rank "
                f"{np.median(style):.0f}), fused {np.mean(fused == 0):.0%}/"
                f"{np.mean(fused < 5):.0%}, median gap {np.median(gaps[chunks]):.2f}",
                flush=True,
            )
        print(f"({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main(*pilot_paths(sys.argv[1:]))
