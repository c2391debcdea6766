"""Stylometry benchmark: top-1/top-5 identification from 100, 20 and 5 games, beside the baseline.

Seen players are the model's trained players; their query games come from the held-out splits
(validation and test: never used to fit weights). Unseen players are players left out of training
entirely (`--exclude-players` at training time): each is enrolled from 100 reference games and
identified from other, disjoint games. Every query is ranked among all players in the model
(unseen ones included once enrolled) by the chosen method (default `fused`: style fingerprint plus
opening repertoire) and, in the same run and on the same queries, by the style fingerprint alone
(`style_alone_*`: what the style model knows) and by the opening TF-IDF baseline alone.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from stylespace.intervals import wilson_interval
from stylespace.openings import OpeningProfiles, opening_tokens
from stylespace.placeholders import is_placeholder_name
from stylespace.positions import PlayedGame
from stylespace.progress import progress_bar
from stylespace.ranking_methods import DEFAULT_METHOD
from stylespace.store import GameStore
from stylespace.style_model import StyleModel
from stylespace.stylometry import (
    IDENTIFY_SETTINGS,
    FitSettings,
    enroll,
    identify,
    style_alone_scores,
    whole_fingerprint,
)
from stylespace.table_splits import check_held_out

REFERENCE_GAMES = 100
# Bands of the games a player's profile was made from (train games; an enrolled player's 100
# reference games): how far the accuracy rests on how much the model saw of each author.
PROFILE_BANDS = ((0, 200, "<200"), (200, 1000, "200-999"), (1000, None, ">=1000"))


def _query_sets(
    games: list[PlayedGame], size: int, count: int, rng: np.random.Generator
) -> list[list[PlayedGame]]:
    order = rng.permutation(len(games))
    return [
        [games[i] for i in order[k * size : (k + 1) * size]]
        for k in range(min(count, len(games) // size))
    ]


def _hits(ranking: list[str], author: str) -> tuple[bool, bool]:
    return (bool(ranking) and ranking[0] == author, author in ranking[:5])


def bench_stylometry(
    model_dir: Path,
    db: Path,
    sizes: Sequence[int] = (100, 20, 5),
    from_ply: int = 0,
    unseen: Sequence[str] = (),
    queries: int | Mapping[int, int] = 2,
    max_players: int | None = None,
    method: str = DEFAULT_METHOD,
    seed: int = 0,
    settings: FitSettings = IDENTIFY_SETTINGS,
    later_plies: dict[int, Sequence[int]] | None = None,
) -> dict:
    """Run the benchmark; returns accuracies per group (seen/unseen) and query size.

    `later_plies` {ply: sizes} repeats the run on the same query sets with only the moves from
    that ply on (the unseen players are enrolled once); their reports go under `from_ply_N`.
    `queries` is the number of disjoint query sets per player, or that number per size.
    """
    for split in ("val", "test"):
        check_held_out(model_dir, split, "The stylometry benchmark")
    per_size = queries if isinstance(queries, Mapping) else dict.fromkeys(sizes, queries)
    rng = np.random.default_rng(seed)
    model = StyleModel.load(model_dir)
    trained = [p["name"] for p in model.players if not p.get("enrolled")]
    # Players enrolled already (as in a shipped model) are enrolled again, from the reference
    # games only, in memory: the benchmark never queries games a profile was built from.
    unseen = [name for name in unseen if name not in set(trained)]
    with GameStore(db, read_only=True) as store:
        train_games = store.games_by_player(["train"], trained)
        held_out = store.games_by_player(["val", "test"], trained)
        unseen_games = store.games_by_player(["train", "val", "test"], unseen)

    profiles = {name: opening_tokens(train_games[name], name) for name in trained}
    plan: list[tuple[str, str, int, list[PlayedGame]]] = []  # group, author, size, games
    enrolled = []
    with progress_bar(total=len(unseen), desc="enrolling unseen players", unit="player") as bar:
        for name in unseen:
            bar.update(1)
            games = unseen_games.get(name, [])
            if len(games) < REFERENCE_GAMES + min(sizes):
                continue
            order = rng.permutation(len(games))
            reference = [games[i] for i in order[:REFERENCE_GAMES]]
            rest = [games[i] for i in order[REFERENCE_GAMES:]]
            enroll(model, reference, name)
            profiles[name] = opening_tokens(reference, name)
            enrolled.append(name)
            for size in sizes:
                plan += [
                    ("unseen", name, size, q) for q in _query_sets(rest, size, per_size[size], rng)
                ]
    seen_players = [name for name in trained if held_out.get(name)]
    rng.shuffle(seen_players)
    seen_players = [name for name in seen_players if not is_placeholder_name(name)]
    for name in seen_players[: max_players or len(seen_players)]:
        for size in sizes:
            plan += [
                ("seen", name, size, q)
                for q in _query_sets(held_out[name], size, per_size[size], rng)
            ]
    baseline = OpeningProfiles(profiles)
    profile_games = {name: len(train_games[name]) for name in trained}
    profile_games |= dict.fromkeys(enrolled, REFERENCE_GAMES)
    context = {
        "model": str(model_dir),
        "method": method,
        "settings": asdict(settings),
        "players_in_model": len(model.players),
        "unseen_enrolled": len(enrolled),
    }

    def run(ply: int, wanted: Sequence[int]) -> dict:
        chosen = [item for item in plan if item[2] in set(wanted)]
        return _run_queries(model, chosen, baseline, ply, method, settings, context, profile_games)

    report = run(from_ply, sizes)
    for ply, wanted in (later_plies or {}).items():
        report[f"from_ply_{ply}"] = run(ply, wanted)
        report["summary"] += "\n" + report[f"from_ply_{ply}"]["summary"]
    return report


def _run_queries(
    model: StyleModel,
    plan: list[tuple[str, str, int, list[PlayedGame]]],
    baseline: OpeningProfiles,
    from_ply: int,
    method: str,
    settings: FitSettings,
    context: dict,
    profile_games: dict[str, int],
) -> dict:
    results: dict[tuple[str, int], list[tuple[bool, ...]]] = defaultdict(list)
    authors: dict[tuple[str, int], list[str]] = defaultdict(list)
    names = model.player_names()
    seconds = []
    with progress_bar(total=len(plan), desc=f"stylometry from ply {from_ply}", unit="query") as bar:
        for group, author, size, games in plan:
            started = time.perf_counter()
            try:
                found = identify(
                    model,
                    games,
                    author=author,
                    top=5,
                    from_ply=from_ply,
                    method=method,
                    settings=settings,
                )
                seconds.append(time.perf_counter() - started)
                ranking = [c["player"] for c in found["candidates"]]
                style_ranking = ranking
                if found["fingerprint"] is not None:  # the style model's evidence alone
                    whole = whole_fingerprint(model, games, found, from_ply)
                    alone = style_alone_scores(model, whole)
                    style_ranking = [names[t] for t in np.argsort(-alone, kind="stable")[:5]]
            except ValueError:  # no moves left from `from_ply` on
                ranking = style_ranking = []
            tokens = opening_tokens(games, author, from_ply)
            base_ranking = [name for name, _ in baseline.rank(tokens)] if tokens else []
            authors[(group, size)].append(author)
            results[(group, size)].append(
                (
                    *_hits(ranking, author),
                    *_hits(base_ranking, author),
                    *_hits(style_ranking, author),
                )
            )
            bar.update(1)

    report: dict = {
        **context,
        "from_ply": from_ply,
        "median_identify_seconds": round(statistics.median(seconds), 2) if seconds else None,
    }
    for (group, size), rows in sorted(results.items()):
        hits = np.array(rows, dtype=float)
        players = len({author for g, author, s, _ in plan if g == group and s == size})
        report.setdefault(group, {})[str(size)] = {
            "queries": len(rows),
            "players": players,
            "top1": round(hits[:, 0].mean(), 4),
            "top1_interval": [
                round(x, 4) for x in wilson_interval(int(hits[:, 0].sum()), len(rows))
            ],
            "top5": round(hits[:, 1].mean(), 4),
            "baseline_top1": round(hits[:, 2].mean(), 4),
            "baseline_top5": round(hits[:, 3].mean(), 4),
            "style_alone_top1": round(hits[:, 4].mean(), 4),
            "style_alone_top5": round(hits[:, 5].mean(), 4),
            "top1_by_profile_games": _by_profile(
                hits[:, 0], [profile_games[a] for a in authors[(group, size)]]
            ),
        }
    players_in_model = context["players_in_model"]
    lines = [f"from ply {from_ply}, {players_in_model} players in the model ({method}):"]
    for group in ("seen", "unseen"):
        for size, row in report.get(group, {}).items():
            lines.append(
                f"  {group:<6} {size:>3} games: top-1 {row['top1']:.1%} "
                f"({row['top1_interval'][0]:.0%}-{row['top1_interval'][1]:.0%}) "
                f"top-5 {row['top5']:.1%} "
                f"| style alone {row['style_alone_top1']:.1%} "
                f"| opening baseline {row['baseline_top1']:.1%} ({row['queries']} queries)"
            )
    report["summary"] = "\n".join(lines)
    return report


def _by_profile(top1: np.ndarray, games: list[int]) -> dict[str, dict]:
    """Top-1 of the queries whose author's profile came from each band's number of games."""
    games_array = np.asarray(games)
    found = {}
    for low, high, label in PROFILE_BANDS:
        inside = (games_array >= low) & (games_array < (high or np.inf))
        if inside.any():
            found[label] = {
                "queries": int(inside.sum()),
                "top1": round(float(top1[inside].mean()), 4),
            }
    return found
