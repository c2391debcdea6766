"""Does a game's fit to the attributed player find the game that is not theirs?

`identify` reports each game's fit to its first candidate (`stylespace/game_fit.py`): the
candidate's opening evidence from that game alone and their rank among all players on it. This
measures whether that finds an intruder: for trained players with enough test games, a set of
SIZE - 1 of their test games plus one test game of another trained player (drawn at random,
playing the same colour's moves), scored for the true author; where does the intruder rank
among the set's games by fit (1 = fits least), and how often is it the least fitting?
Also with the openings left out (from ply 30: the pawn structures).

Usage: PYTHONPATH=. .venv/bin/python bench/odd_game_out.py [MODEL_DIR] [DB] [--sets N] [--size S]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from stylespace.fused import eligible_players
from stylespace.game_fit import game_fits
from stylespace.openings import game_repertoires
from stylespace.optout import normalise_name
from stylespace.player_table import PlayerTable
from stylespace.store import GameStore
from stylespace.table_splits import check_held_out


def intruder_places(table, sets: list, from_ply: int) -> list[int]:
    """For each (author, games with the intruder last): the intruder's place among the set's
    games, least fitting first (ties share the better place)."""
    eligible = eligible_players(table, frozenset())
    names = table.player_names()
    places = []
    for author, games in sets:
        per_game = game_repertoires(games, author, from_ply)
        fits = game_fits(table, games, author, per_game, names.index(author), eligible)
        ranks = np.array([-1 if f.rank is None else f.rank for f in fits])
        places.append(1 + int(np.count_nonzero(ranks > ranks[-1])))
    return places


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", nargs="?", type=Path, default=Path("models/demo"))
    parser.add_argument("db", nargs="?", type=Path, default=Path("data/stylespace.duckdb"))
    parser.add_argument("--sets", type=int, default=200)
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    check_held_out(args.model, "test", "The odd-game-out benchmark")
    table = PlayerTable.load(args.model)
    trained = [
        p["name"]
        for p in json.loads((args.model / "players.json").read_text())
        if not p.get("enrolled") and p["name"] != "NN"
    ]
    with GameStore(args.db, read_only=True) as store:
        by_player = store.games_by_player(["test"], trained)
    enough = sorted(name for name, games in by_player.items() if len(games) >= args.size)
    rng = random.Random(args.seed)
    sets = []
    for _ in range(args.sets):
        author, other = rng.sample(enough, 2)
        own = rng.sample(by_player[author], args.size - 1)
        wanted = normalise_name(author)
        candidates = [
            g
            for g in by_player[other]
            if wanted not in (normalise_name(g.white), normalise_name(g.black))
        ]
        intruder = rng.choice(candidates)
        # The intruder's games are read as the author's: give the intruder the author's name.
        side = "white" if normalise_name(intruder.white) == normalise_name(other) else "black"
        sets.append((author, [*own, replace(intruder, **{side: author})]))
    report = {"players": len(enough), "sets": len(sets), "size": args.size}
    for from_ply in (0, 30):
        places = np.array(intruder_places(table, sets, from_ply))
        report[f"from_ply_{from_ply}"] = {
            "least_fitting": round(float(np.mean(places == 1)), 3),
            "in_least_3": round(float(np.mean(places <= 3)), 3),
            "median_place": float(np.median(places)),
            "chance_least_fitting": round(1 / args.size, 3),
        }
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
