"""Players of a very different kind: does `fused` hear the style model when the openings say
nothing? (pilot; figures in bench/results/off-map.md)

Bots with planted habits (`bench/off_map_bots.py`: five that open at random, four that share one
opening setup) are enrolled from 100 games each into a copy of the demo model; the style
fingerprint alone names every bot from 5 games, while `fused` as shipped before missed many even
from 100. `collect` caches every query's evidence over all candidates, z-scored but not yet
scaled by `fused.opening_reach`, and how many of its opening moves somebody in the model chose
before, for the bots and for masters (validation queries of the pilots' 60 authors); `rules`
compares weightings offline:

    .venv/bin/python bench/off_map_bots.py runs/bots   # or: runs/london london ("London ...")
    cp -r models/demo runs/bot-model
    for h in random captures pawns queen knights; do .venv/bin/stylespace enroll \
        --model runs/bot-model --games runs/bots/$h-enrol.pgn --as "Bot ${h^}"; done
    PYTHONPATH=. .venv/bin/python bench/off_map_pilot.py collect runs/bot-model runs/bots \
        data/stylespace.duckdb runs/off_map.npz [bots|london]
    PYTHONPATH=. .venv/bin/python bench/off_map_pilot.py rules runs/off_map.npz
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from off_map_bots import FAMILIES, Family

from stylespace import fused
from stylespace.authors import AuthorQuery
from stylespace.fused import query_evidence, style_evidence
from stylespace.game_embedding import game_bags
from stylespace.game_files import read_game_file
from stylespace.graph_fingerprints import GraphFingerprinter
from stylespace.openings import game_repertoires, joined_repertoire
from stylespace.player_table import PlayerTable
from stylespace.store import GameStore

SIZES = {100: 1, 20: 2, 5: 4}  # query sets per author and size


def opening_coverage(table: PlayerTable, openings) -> tuple[int, int, int]:
    """(the query's opening moves, those in positions somebody in the table reached, those
    somebody there chose)."""
    if not len(openings):
        return 0, 0, 0
    chose, _, repeats = table.repertoires.query_counts(openings)
    chosen = int(repeats[chose.sum(axis=0) > 0].sum())
    return len(openings), int(repeats.sum()), chosen


def query_record(table, fingerprinter, games, author) -> dict:
    query = AuthorQuery.read(games, author, 0, legal_masks=False)
    per_game = game_repertoires(games, query.author, 0)
    repertoire, bags = joined_repertoire(per_game), game_bags(per_game)
    others = query_evidence(table, *repertoire, games=bags).scores
    found = fingerprinter(query.positions, seed=0, settled=None)
    evidence = {"style": style_evidence(table, found.sketch), **others}
    moves, reached, chosen = opening_coverage(table, repertoire.openings)
    return {
        "evidence": evidence,
        "moves": moves,
        "reached": reached,
        "chosen": chosen,
        "positions": len(query.positions),
    }


def master_queries(table: PlayerTable, db: Path, players: int = 60):
    """(kind, author, games) for the pilots' 60 trained authors: validation games, disjoint
    sets of each size."""
    names = [p["name"] for p in table.players if not p.get("enrolled")]
    with GameStore(db, read_only=True) as store:
        held = store.games_by_player(["val"], names)
    rng = np.random.default_rng(7)
    chosen = [n for n in names if len(held[n]) >= 100]
    rng.shuffle(chosen)
    authors = [("seen", a) for a in chosen[:players]]
    # The unseen players were enrolled from games of every split: no query of theirs here.
    for kind, author in authors:
        games = held[author]
        order = np.random.default_rng(11).permutation(len(games))
        start = 0
        for size, count in SIZES.items():
            for _ in range(count):
                if start + size > len(games):
                    break
                yield kind, author, [games[i] for i in order[start : start + size]]
                start += size


def bot_queries(bots_dir: Path, family: Family):
    for habit in family.habits:
        games = read_game_file(str(bots_dir / f"{habit}-q100.pgn")).games
        start = 0
        for size, count in SIZES.items():
            for _ in range(count):
                yield "bot", f"{family.prefix} {habit.title()}", games[start : start + size]
                start = (start + size) % 100


def collect(model_dir: Path, bots_dir: Path, db: Path, out: Path, family: Family) -> None:
    fused.OPENINGS_REACH = (-1.0, 0.0)  # every query's openings at full weight: the raw z
    table = PlayerTable.load(model_dir)
    fingerprinter = GraphFingerprinter(model_dir, table.trained_mean)
    names = table.player_names()
    rows = []
    queries = list(bot_queries(bots_dir, family)) + list(master_queries(table, db))
    for index, (kind, author, games) in enumerate(queries):
        record = query_record(table, fingerprinter, games, author)
        record.update(kind=kind, truth=names.index(author), size=len(games))
        rows.append(record)
        if index % 20 == 0:
            print(f"{index + 1}/{len(queries)} {kind} {author} {len(games)}", flush=True)
    kinds = sorted({k for r in rows for k in r["evidence"]})
    np.savez_compressed(
        out,
        kind=np.array([r["kind"] for r in rows]),
        truth=np.array([r["truth"] for r in rows]),
        size=np.array([r["size"] for r in rows]),
        moves=np.array([r["moves"] for r in rows]),
        reached=np.array([r["reached"] for r in rows]),
        chosen=np.array([r["chosen"] for r in rows]),
        positions=np.array([r["positions"] for r in rows]),
        **{
            f"ev_{k}": np.stack([r["evidence"].get(k, np.full(len(names), np.nan)) for r in rows])
            for k in kinds
        },
    )
    print(f"{len(rows)} queries -> {out}")


def author_ranks(cache, weights_of) -> np.ndarray:
    """The author's rank (0 = first, ties against) in every cached query under `weights_of(i)`
    (evidence kind -> weight for query i)."""
    evidence = {name[3:]: cache[name] for name in cache.files if name.startswith("ev_")}
    ranks = []
    for i, truth in enumerate(cache["truth"]):
        total = sum(
            weight * np.nan_to_num(evidence[kind][i], nan=0.0, neginf=-1e9)
            for kind, weight in weights_of(i).items()
        )
        ranks.append(int((total >= total[truth]).sum()) - 1)
    return np.array(ranks)


def rules(path: Path) -> None:
    cache = np.load(path)
    kind, size = cache["kind"], cache["size"]
    known = cache["chosen"] / np.maximum(cache["moves"], 1)
    for group in ("bot", "seen"):
        for games in SIZES:
            rows = (kind == group) & (size == games)
            share = known[rows]
            print(
                f"{group} {games} games: {rows.sum()} queries, opening moves chosen before by "
                f"somebody {share.mean():.0%} (min {share.min():.0%}, max {share.max():.0%})"
            )
    shipped = {"style": 1.0, "openings": 16.0, "embedding": 4.0}

    def reach_of(low: float, full: float, power: float = 1.0):
        def weights(i: int) -> dict[str, float]:
            reach = float(np.clip((known[i] - low) / (full - low), 0.0, 1.0)) ** power
            return {"style": 1.0, "openings": 16.0 * reach, "embedding": 4.0 * reach}

        return weights

    variants = {
        "shipped before (no reach)": lambda i: shipped,
        "style alone": lambda i: {"style": 1.0},
        **{f"(share / {f})^{p}": reach_of(0.0, f, p) for f in (0.2, 0.3, 0.4) for p in (1, 2, 3)},
        **{
            f"ramp {lo}-{f}": reach_of(lo, f)
            for lo, f in ((0.05, 0.4), (0.1, 0.3), (0.1, 0.4), (0.2, 0.6), (0.2, 0.8), (0.3, 1.0))
        },
    }
    cells = [(g, n) for g in ("bot", "seen") for n in SIZES]
    print("| weighting | " + " | ".join(f"{g} {n}" for g, n in cells) + " |")
    print("|---" * (len(cells) + 1) + "|")
    for label, weights_of in variants.items():
        ranks = author_ranks(cache, weights_of)
        rates = [
            ((ranks == 0) & (kind == g) & (size == n)).sum() / ((kind == g) & (size == n)).sum()
            for g, n in cells
        ]
        print(f"| {label} | " + " | ".join(f"{r:.0%}" for r in rates) + " |")


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    if command == "collect":
        family = FAMILIES[arguments[4] if len(arguments) > 4 else "bots"]
        collect(*(Path(a) for a in arguments[:4]), family)
    elif command == "rules":
        rules(Path(arguments[0]))
