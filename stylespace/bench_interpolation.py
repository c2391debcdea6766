"""Does a mix of two players play in between? Measured, not assumed.

`steering.interpolate(a, b, w)` is a straight line between two style vectors; nothing forces
the network to read a point on it as a player between the two. So, as the paper suggests for a
weaker and a stronger player: on each player's own held-out moves (legal moves masked, the
network alone, since a mixed vector has no games behind it), how well does the mix at each
weight predict them? Moving from the first player toward the second, the first player's moves
should grow less likely and the second's more, step by step, and every mix in between should
land between the two ends on both.

Pairs are chosen by the player table's mean Elo: the weakest trained players with enough
held-out games, each mixed toward one of the strongest (weakest with strongest, and so on).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import torch

from stylespace.authors import author_positions
from stylespace.positions import PlayedGame, Positions
from stylespace.progress import progress_bar
from stylespace.steering import interpolate
from stylespace.store import GameStore
from stylespace.style_model import StyleModel

WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)
HELD_OUT = ("val", "test")


def elo_pairs(
    model: StyleModel, held_out_games: dict[str, int], pairs: int, min_games: int
) -> list[tuple[str, str]]:
    """(weaker, stronger) pairs of trained players with a mean Elo and at least `min_games`
    held-out games: the `pairs` weakest, the i-th weakest with the i-th strongest."""
    rated = sorted(
        (player["mean_elo"], player["name"])
        for player in model.players
        if not player.get("enrolled")
        and player.get("mean_elo")
        and held_out_games.get(player["name"], 0) >= min_games
    )
    pairs = min(pairs, len(rated) // 2)
    weakest, strongest = rated[:pairs], rated[::-1][:pairs]
    return [(weak[1], strong[1]) for weak, strong in zip(weakest, strongest, strict=True)]


@torch.no_grad()
def played_move_log_likelihoods(
    model: StyleModel, positions: Positions, vectors: Sequence[torch.Tensor], batch: int = 1024
) -> tuple[np.ndarray, np.ndarray]:
    """Per vector and position: log P(the move played), legal moves masked, and whether it was
    the network's first choice. Two (len(vectors), positions) arrays."""
    likelihoods = np.zeros((len(vectors), len(positions)), dtype=np.float64)
    firsts = np.zeros((len(vectors), len(positions)), dtype=bool)
    for start in range(0, len(positions), batch):
        rows = np.arange(start, min(start + batch, len(positions)))
        part = positions.subset(rows).tensors(model.device)
        played = part["move"][:, None]
        for index, vector in enumerate(vectors):
            logits = model.logits(part["squares"], part["last_move"], part["elo"], style=vector)
            logits = logits.masked_fill(~part["mask"], float("-inf")).log_softmax(dim=-1)
            likelihoods[index, rows] = logits.gather(1, played)[:, 0].double().cpu().numpy()
            firsts[index, rows] = (logits.argmax(dim=-1) == part["move"]).cpu().numpy()
    return likelihoods, firsts


def _held_out_positions(games: list[PlayedGame], name: str, cap: int, seed: int) -> Positions:
    """At most `cap` of the player's held-out positions, drawn without looking at them."""
    positions = author_positions(games, name)
    if len(positions) <= cap:
        return positions
    rows = np.sort(np.random.default_rng(seed).permutation(len(positions))[:cap])
    return positions.subset(rows)


def _rises(values: Sequence[float]) -> bool:
    return all(b > a for a, b in itertools.pairwise(values))


def measure_pair(
    model: StyleModel,
    first: tuple[str, Positions],
    second: tuple[str, Positions],
    weights: Sequence[float] = WEIGHTS,
) -> dict:
    """The mix's move matching on each player's held-out moves at every weight (0 = first)."""
    (first_name, first_positions), (second_name, second_positions) = first, second
    start, end = model.style_vector(first_name), model.style_vector(second_name)
    mixes = [interpolate(start, end, weight) for weight in weights]
    row: dict = {}
    for side, name, positions in (
        ("first", first_name, first_positions),
        ("second", second_name, second_positions),
    ):
        likelihoods, firsts = played_move_log_likelihoods(model, positions, mixes)
        change = likelihoods[-1] - likelihoods[0]  # per position: last weight against the first
        row[side] = {
            "player": name,
            "positions": len(positions),
            "log_likelihood": [round(float(v), 5) for v in likelihoods.mean(axis=1)],
            "top1": [round(float(v), 4) for v in firsts.mean(axis=1)],
            "change": round(float(change.mean()), 5),
            "change_se": round(float(change.std(ddof=1) / np.sqrt(len(change))), 5),
        }
    lean = np.subtract(row["second"]["log_likelihood"], row["first"]["log_likelihood"])
    row["lean"] = [round(float(v), 5) for v in lean]
    row["in_between"] = _rises(lean)
    return row


def bench_interpolation(
    model: StyleModel,
    games_of: dict[str, list[PlayedGame]],
    pairs: Sequence[tuple[str, str]],
    positions_per_player: int = 2000,
    weights: Sequence[float] = WEIGHTS,
    seed: int = 0,
) -> dict:
    """Every pair measured (`measure_pair`) on its players' held-out games (`games_of`), and
    the verdict: the mean lean toward the second player (the second's moves' mean log-likelihood
    minus the first's) rises at every step, and every mix between the ends lies between them on
    both players' moves."""
    rows = []
    with progress_bar(total=len(pairs), desc="interpolation", unit="pair") as bar:
        for first, second in pairs:
            sides = [
                (name, _held_out_positions(games_of[name], name, positions_per_player, seed))
                for name in (first, second)
            ]
            rows.append(measure_pair(model, sides[0], sides[1], weights))
            bar.update(1)
    if not rows:
        raise ValueError("no pair of players to mix")
    mean = {
        side: np.mean([row[side]["log_likelihood"] for row in rows], axis=0)
        for side in ("first", "second")
    }
    lean = mean["second"] - mean["first"]
    between = all(
        min(curve[0], curve[-1]) < value < max(curve[0], curve[-1])
        for curve in mean.values()
        for value in curve[1:-1]
    )
    top1 = {
        side: np.mean([row[side]["top1"] for row in rows], axis=0) for side in ("first", "second")
    }
    report = {
        "weights": list(weights),
        "pairs": rows,
        "mean_log_likelihood": {side: [round(float(v), 5) for v in c] for side, c in mean.items()},
        "mean_top1": {side: [round(float(v), 4) for v in c] for side, c in top1.items()},
        "mean_lean": [round(float(v), 5) for v in lean],
        "pairs_in_between": sum(row["in_between"] for row in rows),
        "passes": bool(_rises(lean) and between),
    }
    report["summary"] = _summary(report)
    return report


def _summary(report: dict) -> str:
    weights, rows = report["weights"], report["pairs"]
    lines = [
        f"mixing {len(rows)} pairs of players (first -> second) at weights "
        f"{', '.join(f'{w:g}' for w in weights)}; mean log-likelihood per move of each one's "
        "held-out moves:"
    ]
    for side in ("first", "second"):
        curve = " ".join(f"{v:+.4f}" for v in report["mean_log_likelihood"][side])
        change = np.mean([row[side]["change"] for row in rows])
        error = np.sqrt(np.sum(np.square([row[side]["change_se"] for row in rows]))) / len(rows)
        top1 = " ".join(f"{v:.1%}" for v in report["mean_top1"][side])
        lines.append(
            f"  {side:>6} player's moves: {curve}  (0 -> 1: {change:+.4f} +- {error:.4f} "
            f"nats/move; top-1 {top1})"
        )
    lines.append(
        f"  lean toward the second: {' '.join(f'{v:+.4f}' for v in report['mean_lean'])}; "
        f"rising at every step for {report['pairs_in_between']} of {len(rows)} pairs"
    )
    verdict = "plays in between" if report["passes"] else "does NOT play in between"
    lines.append(f"the mix {verdict} (mean over pairs)")
    return "\n".join(lines)


def interpolation_benchmark(
    model: StyleModel,
    store: GameStore,
    pairs: int = 8,
    min_games: int = 40,
    positions_per_player: int = 2000,
    chosen: Sequence[tuple[str, str]] | None = None,
    weights: Sequence[float] = WEIGHTS,
    seed: int = 0,
) -> dict:
    """`bench_interpolation` on the store's held-out games, of the `chosen` pairs or of
    `elo_pairs` (weaker first)."""
    if chosen:
        for name in {name for pair in chosen for name in pair}:
            model.task_id(name)  # an unknown name is a KeyError that says so
        chosen = list(chosen)
    else:
        held_out: dict[str, int] = {}
        for split in HELD_OUT:
            for name, count in store.player_game_counts(split).items():
                held_out[name] = held_out.get(name, 0) + count
        chosen = elo_pairs(model, held_out, pairs, min_games)
        if not chosen:
            raise ValueError(
                f"no two trained players have a mean Elo and {min_games} held-out games each: "
                "lower --min-games or name a --pair"
            )
    games_of = store.games_by_player(HELD_OUT, {name for pair in chosen for name in pair})
    return bench_interpolation(model, games_of, chosen, positions_per_player, weights, seed)
