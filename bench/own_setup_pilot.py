"""Pilot: a player's opening choices keyed by their own setup, whatever the opponent did.

Question: the opening likelihood (`openings.MoveChoices`) keys a choice by the exact position, so
it only speaks where the player has stood before; the 5-game queries find 47% of seen authors
(`models/demo/MODEL_CARD.md`). Many players play *systems* (the London, the King's Indian, the
Colle): the same moves from the same own setup against whatever the opponent chose. Keyed by the
mover's own pieces only (or their own pieces and every pawn), a choice recurs across the
opponent's variations. Does that evidence, beside the shipped openings and game embedding,
find more authors from 20 and 5 games?

Method: the pilots' 60 authors (`pilot_queries.py`), queries of 20 (five each) and 5 (twenty
each) validation games, ranked among the 477 trained players by 16 x openings + 4 x embedding
(the shipped `fused` without its style evidence, each z-scored) + w x the setup evidence (the same
likelihood ratio as the openings', `MoveChoices.scores`, on the new keys, first 12 moves).
"cut": the 60 authors' rows made from 100 of their train games (as enrolled).
Usage: PYTHONPATH=. python bench/own_setup_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Sequence

import numpy as np
from tqdm import tqdm

from bench.pilot_queries import (
    embedding_evidence,
    hit_rates,
    opening_profiles,
    pilot_draw,
    rank_of,
    standardised,
)
from stylespace.openings import (
    HASH_BUCKETS,
    MOVE_SLOTS,
    OPENING_PLIES,
    MoveChoices,
    _author_games,
    _mix,
    joined_repertoire,
)
from stylespace.positions import PlayedGame

OWN_TOKENS = np.array([1, 2, 3, 4, 5, 6, 13])
PAWNS = np.array([1, 7])
KEYINGS = {
    "own pieces": OWN_TOKENS,
    "own pieces + all pawns": np.union1d(OWN_TOKENS, PAWNS),
}
WEIGHTS = (0, 2, 4, 8, 16)


def setup_keys(games: Sequence[PlayedGame], player: str, kept: np.ndarray) -> list[np.ndarray]:
    """Per game, the player's first-12-move choices keyed by the squares holding `kept` tokens."""
    found = []
    for encoded, plies in _author_games(games, player, OPENING_PLIES):
        rows = np.asarray(list(plies), dtype=np.int64)
        if not len(rows):
            found.append(np.zeros(0, np.int64))
            continue
        squares = np.where(np.isin(encoded.squares[rows], kept), encoded.squares[rows], 0)
        words = np.ascontiguousarray(squares, dtype=np.uint8).view(np.uint64)
        buckets = (_mix(rows % 2, *words.T) % np.uint64(HASH_BUCKETS)).astype(np.int64)
        found.append(buckets * MOVE_SLOTS + encoded.moves[rows].astype(np.int64))
    return found


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def main() -> None:
    started = time.perf_counter()
    draw = pilot_draw(sys.argv[1:])
    model, names, tasks, queries = draw.model, draw.names, draw.tasks, draw.queries
    tables, query_setups, cut_rows = {}, {}, {}
    for label, kept in KEYINGS.items():
        rows = [np.zeros(0, np.int64)] * len(model.players)
        for name in tqdm(names, desc=label, leave=False):
            rows[model.task_id(name)] = _joined(setup_keys(draw.train_games[name], name, kept))
        tables[label] = MoveChoices.from_tokens(rows)
        query_setups[label] = {a: setup_keys(g, a, kept) for a, g in queries.items()}
        cut_rows[label] = {
            model.task_id(a): _joined(setup_keys(g, a, kept)) for a, g in draw.cut_games.items()
        }
    print(f"ready {time.perf_counter() - started:.0f} s", flush=True)
    for cut in (False, True):
        table, embedding = opening_profiles(model, draw.cut_games if cut else None)
        setups = {}
        for label, whole in tables.items():
            setups[label] = whole
            if cut:
                setups[label] = copy.deepcopy(whole)
                setups[label].set_rows(cut_rows[label])
        for size, parts in ((20, 5), (5, 20)):
            ranks: dict[str, list[int]] = {}
            for a in tqdm(queries, desc=f"{'cut' if cut else 'whole'} {size}", leave=False):
                truth = draw.truth(a)
                for part in range(parts):
                    chosen = slice(part * size, (part + 1) * size)
                    joined = joined_repertoire(draw.query_tokens[a][chosen])
                    z_open = standardised(table.scores(joined.openings)[tasks])
                    z_emb = embedding_evidence(
                        embedding, draw.query_tokens[a][chosen], draw.trained, tasks
                    )
                    shipped = 16 * z_open + 4 * z_emb
                    for label, setup in setups.items():
                        keys = _joined(query_setups[label][a][chosen])
                        z_setup = standardised(setup.scores(keys)[tasks])
                        for w in WEIGHTS:
                            total = shipped + w * z_setup
                            ranks.setdefault(f"{label}|w{w}", []).append(rank_of(total, truth))
                        ranks.setdefault(f"{label}|alone", []).append(rank_of(z_setup, truth))
            print(f"{'cut' if cut else 'whole'} {size:>2} games:", flush=True)
            for label in KEYINGS:
                print(
                    f"  {label}: "
                    + hit_rates(
                        {k.split("|")[1]: r for k, r in ranks.items() if k.split("|")[0] == label}
                    ),
                    flush=True,
                )
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
