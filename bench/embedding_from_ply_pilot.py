"""Pilot: does the shipped game embedding help once the first 15 moves are hidden?

Question: from ply 30, `fused` weighs the style fingerprint, the deep lines and the pawn
structures' likelihood; it finds trained masters from 100 games 60% of the time and players
enrolled from 100 games never, because the exact structures of a 100-game profile rarely come
back. The game embedding (`game_embedding.py`) was trained on the same hashed structures beside
the opening choices and places related ones close, but `fused` leaves it out from ply 30. A
query from ply 30 still has its structures and deep-line tokens (the bags `identify` makes), so
it can be compared with every profile.

Method: the shipped model; seen = 40 trained players (the pilots' draw, `pilot_queries.py`), one
query of 100 validation games each; unseen = the players left out of training (enrolled again
here from 100 train games, as the benchmark does), one query of 100 of their other train games.
Every query from ply 30, ranked among all players by `identify`'s evidence, then by the same
plus the embedding's z-scored cosine at several weights, against two kinds of profile:
`shipped` (each player's mean over whole games) and `late` (the mean over the same games'
bags from ply 30 on, as the query's are made).
Usage: PYTHONPATH=. python bench/embedding_from_ply_pilot.py [MODEL_DIR] [DB] [FROM_PLY]
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from bench.pilot_queries import pilot_paths, validation_queries
from stylespace.fused import evidence_weights, standardised
from stylespace.game_embedding import game_bags
from stylespace.openings import game_repertoires
from stylespace.store import GameStore
from stylespace.style_model import StyleModel
from stylespace.stylometry import enroll, identify

WEIGHTS = (0, 1, 2, 4, 8, 16)


def _unseen_players() -> list[str]:
    lines = Path("bench/demo-unseen-players.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _late_profiles(model: StyleModel, games: dict, from_ply: int, rows: dict) -> np.ndarray:
    """Each player's embedding profile over the bags from `from_ply` of the games `rows` picks."""
    embedding = model.game_embedding
    profiles = np.full_like(embedding.profiles, np.nan)
    for name, chosen in tqdm(games.items(), desc="late profiles"):
        task = model.task_id(name)
        whole = game_bags(game_repertoires(chosen, name))
        late = game_bags(game_repertoires(chosen, name, from_ply))
        kept = [late[i] for i in rows(whole)]
        profiles[task] = embedding.profile(kept)
    return profiles


def main(model_dir: Path, db: Path, from_ply: int = 30) -> None:
    started = time.perf_counter()
    model = StyleModel.load(model_dir)
    names, train_games, queries = validation_queries(model_dir, db, 40)
    unseen = [n for n in _unseen_players() if n not in set(names)]
    with GameStore(db, read_only=True) as store:
        unseen_games = store.games_by_player(["train"], unseen)
    rng = np.random.default_rng(5)
    plan = [("seen", a, q) for a, q in queries.items()]
    reference = {}
    for name in unseen:
        games = unseen_games.get(name, [])
        if len(games) < 200:
            continue
        order = rng.permutation(len(games))
        reference[name] = [games[i] for i in order[:100]]
        enroll(model, reference[name], name)
        plan.append(("unseen", name, [games[i] for i in order[100:200]]))
    print(f"{len(plan)} queries, {time.perf_counter() - started:.0f} s", flush=True)

    def held_out(whole: list) -> list[int]:  # the games the shipped profiles were made of
        kept = [i for i, bag in enumerate(whole) if len(bag)]
        return kept[1::2] or kept

    late = _late_profiles(model, train_games, from_ply, held_out)
    enrolled = _late_profiles(model, reference, from_ply, lambda whole: range(len(whole)))
    known_late = ~np.isnan(enrolled).any(axis=1)
    late[known_late] = enrolled[known_late]
    shipped = model.game_embedding.profiles.copy()
    print(f"profiles {time.perf_counter() - started:.0f} s", flush=True)

    trained = model.trained_mask()
    ranks: dict[str, list[tuple[str, int]]] = {}
    for group, author, games in tqdm(plan, desc="queries"):
        found = identify(model, games, author=author, top=len(model.players), from_ply=from_ply)
        order = [c["player"] for c in found["candidates"]]
        evidence = {
            kind: torch.tensor([c["evidence"][kind] for c in found["candidates"]])
            for kind in found["candidates"][0]["evidence"]
        }
        base = sum(evidence_weights(evidence)[k] * v for k, v in evidence.items())
        truth = order.index(author)
        ranks.setdefault("shipped fused", []).append((group, int((base > base[truth]).sum())))
        tasks = [model.task_id(n) for n in order]
        for label, profiles in (("shipped", shipped), ("late", late)):
            embedding = copy.copy(model.game_embedding)
            embedding.profiles = profiles
            cosine = torch.from_numpy(embedding.scores(found["game_bags"], trained)[tasks])
            usable = torch.isfinite(cosine)
            z = torch.where(
                usable,
                torch.from_numpy(standardised(cosine.numpy(), usable.numpy())),
                torch.tensor(0.0, dtype=torch.float64),
            )
            for weight in WEIGHTS[1:]:
                total = base + weight * z
                ranks.setdefault(f"{label} w{weight}", []).append(
                    (group, int((total > total[truth]).sum()))
                )
            alone = torch.where(usable, cosine, torch.tensor(-2.0))
            ranks.setdefault(f"{label} alone", []).append(
                (group, int((alone > alone[truth]).sum()))
            )
    for label, rows in ranks.items():
        cells = []
        for group in ("seen", "unseen"):
            r = np.array([rank for g, rank in rows if g == group])
            cells.append(f"{group} {np.mean(r == 0):.1%}/{np.mean(r < 5):.1%} (n={len(r)})")
        print(f"{label:>14}: " + "  ".join(cells))
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    model_path, db_path = pilot_paths(sys.argv[1:])
    main(model_path, db_path, int(sys.argv[3]) if len(sys.argv) > 3 else 30)
