"""Pilot: does the game embedding generalise better when it learns to tell more people apart?

Question: the shipped game embedding (`stylespace/game_embedding.py`) learns from the model's
477 trained players only. Speaker recognition learned long ago that a space meant for voices it
never heard improves more with more speakers than with more speech per speaker, and the master
file holds 1,600 more players with 20 to 99 train games (3,200 with 10 or more) who are too thinly
known for a style vector but plenty for a few sets of 4 games. Are unseen authors found more
often from 20 and 5 games when the embedding also learns from them?

Method: the pilots' 60 authors (`pilot_queries.py`) are left out of the embedding's training, so
each is an unseen player to it; the other 417 trained players train it on every other train game
(as the build does) and their profiles are the rest; the extra players (not in the model, not
left out for the unseen benchmark, not a placeholder) train it on all their train games and are
never candidates. Authors' profiles from 100 of their train games ("cut", as enrolled) or all
("whole"). Queries: five sets of 20 and twenty of 5 validation games per author, ranked among the
477 trained players by the embedding alone and beside the openings' likelihood (16 x openings +
w x embedding, each z-scored, as `fused` without its style evidence); the opening table is the
train-only table of MODEL_DIR, cut the same way.
Usage: PYTHONPATH=. python bench/embedding_identities_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bench.pilot_queries import (
    hit_rates,
    opening_profiles,
    pilot_draw,
    pilot_paths,
    rank_of,
    standardised,
)
from stylespace.game_embedding import (
    EMBEDDING_SETTINGS,
    EMBEDDING_SIZE,
    GameEmbedding,
    game_bags,
    train_token_vectors,
)
from stylespace.openings import game_repertoires, joined_repertoire
from stylespace.placeholders import is_placeholder_name
from stylespace.store import GameStore

CACHE = Path("runs/embedding-identities/tokens.pkl")
UNSEEN_LIST = Path("bench/demo-unseen-players.txt")
WEIGHTS = (0, 4, 8)


def _bags(games: list, name: str) -> list[np.ndarray]:
    return [b for b in game_bags(game_repertoires(games, name)) if len(b)]


def extra_players(db: Path, modelled: set[str], min_games: int) -> dict[str, list[np.ndarray]]:
    """Every other person with at least `min_games` train games: their games' bags."""
    left_out = {
        line.strip().casefold()
        for line in UNSEEN_LIST.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    with GameStore(db, read_only=True) as store:
        counts = store.player_game_counts("train")
        names = [
            n
            for n, k in counts.items()
            if k >= min_games
            and n not in modelled
            and n.casefold() not in left_out
            and not is_placeholder_name(n)
        ]
        games = store.games_by_player(["train"], names)
    return {n: _bags(games[n], n) for n in tqdm(names, desc="extra players' tokens")}


def main() -> None:
    started = time.perf_counter()
    arguments = sys.argv[1:]
    _, db = pilot_paths(arguments)
    draw = pilot_draw(arguments)
    model, tasks, authors = draw.model, draw.tasks, list(draw.queries)
    modelled = {p["name"] for p in model.players}
    if CACHE.exists():
        trained_bags, extra = pickle.loads(CACHE.read_bytes())
    else:
        trained_bags = {
            n: _bags(draw.train_games[n], n) for n in tqdm(draw.names, desc="trained tokens")
        }
        extra = extra_players(db, modelled, 10)
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_bytes(pickle.dumps((trained_bags, extra)))
    print(f"tokens ready {time.perf_counter() - started:.0f} s", flush=True)
    others = [n for n in draw.names if n not in draw.queries]
    query_bags = {a: game_bags(draw.query_tokens[a]) for a in authors}
    cut_bags = {a: _bags(draw.cut_games[a], a) for a in authors}

    tables = {cut: opening_profiles(model, draw.cut_games if cut else None)[0] for cut in (0, 1)}
    variants = {
        "417 players": [],
        "+ extra >= 40": [n for n, b in extra.items() if len(b) >= 40],
        "+ extra >= 20": [n for n, b in extra.items() if len(b) >= 20],
        "+ extra >= 10": [n for n, b in extra.items() if len(b) >= 10],
    }
    for label, extra_names in variants.items():
        per_player = [trained_bags[n][0::2] for n in others] + [extra[n] for n in extra_names]
        began = time.perf_counter()
        tokens = train_token_vectors(per_player, EMBEDDING_SETTINGS)
        print(
            f"{label}: {len(per_player)} identities, trained {time.perf_counter() - began:.0f} s",
            flush=True,
        )
        embedding = GameEmbedding.trained(
            tokens, np.full((len(model.players), EMBEDDING_SIZE), np.nan, np.float32)
        )
        for n in others:
            embedding.set_row(model.task_id(n), trained_bags[n][1::2] or trained_bags[n])
        for cut in (False, True):
            for a in authors:
                embedding.set_row(model.task_id(a), cut_bags[a] if cut else trained_bags[a])
            for size, parts in ((20, 5), (5, 20)):
                ranks: dict[str, list[int]] = {}
                for a in authors:
                    truth = draw.truth(a)
                    for part in range(parts):
                        chosen = slice(part * size, (part + 1) * size)
                        found = joined_repertoire(draw.query_tokens[a][chosen])
                        z_open = standardised(tables[cut].scores(found.openings)[tasks])
                        cosine = embedding.scores(query_bags[a][chosen], draw.trained)[tasks]
                        z_emb = standardised(np.where(np.isfinite(cosine), cosine, 0.0))
                        ranks.setdefault("alone", []).append(rank_of(z_emb, truth))
                        for w in WEIGHTS:
                            total = 16 * z_open + w * z_emb
                            ranks.setdefault(f"w{w}", []).append(rank_of(total, truth))
                kind = "cut" if cut else "whole"
                print(f"  {kind:>5} {size:>2} games: {hit_rates(ranks)}", flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
