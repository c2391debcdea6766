"""Steering a style toward a property, and checking that it really moves there.

A direction is the paper's delta: the mean vector of the players high in a property (top quarter)
minus the mean of all players. `steer` adds directions times strengths to a vector.

Whether steering works is measured, not assumed: on a fixed set of real positions, each property
has a move-level proxy (the probability mass the model puts on castling, captures, checks, early
queen moves, ...). The steering benchmark applies each direction at several strengths to several
players and keeps only properties whose proxy rises monotonically with the strength.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import chess
import numpy as np
import torch
from safetensors.torch import load_file, save_file

from stylespace.encoding import N_MOVES, encode_board, legal_move_mask, move_index
from stylespace.placeholders import is_placeholder_name
from stylespace.positions import PlayedGame
from stylespace.properties import FIRST_MOVE
from stylespace.store import GameStore
from stylespace.style_model import StyleModel

MoveTest = Callable[[chess.Board, chess.Move], bool]
PositionTest = Callable[[chess.Board], bool]


def _castles(board: chess.Board, move: chess.Move) -> bool:
    return board.is_castling(move)


def _storm(board: chess.Board, move: chess.Move) -> bool:
    king = board.king(not board.turn)
    if king is None or board.piece_type_at(move.from_square) != chess.PAWN:
        return False
    return (chess.square_file(move.from_square) >= 4) == (chess.square_file(king) >= 4)


# property -> (which moves count, in which positions)
PROXIES: dict[str, tuple[MoveTest, PositionTest]] = {
    "e4_share": (lambda b, m: m.uci() == "e2e4", lambda b: b.ply() == 0),
    "d4_share": (lambda b, m: m.uci() == "d2d4", lambda b: b.ply() == 0),
    "castling_rate": (_castles, lambda b: any(b.is_castling(m) for m in b.legal_moves)),
    "queenside_castling": (
        lambda b, m: b.is_queenside_castling(m),
        lambda b: (
            b.has_queenside_castling_rights(b.turn) and any(b.is_castling(m) for m in b.legal_moves)
        ),
    ),
    "captures_per_game": (
        lambda b, m: b.is_capture(m),
        lambda b: any(b.is_capture(m) for m in b.legal_moves),
    ),
    "checks_per_game": (lambda b, m: b.gives_check(m), lambda b: True),
    "early_queen": (
        lambda b, m: b.piece_type_at(m.from_square) == chess.QUEEN,
        lambda b: b.fullmove_number <= 10,
    ),
    "early_trades": (
        lambda b, m: b.piece_type_at(m.to_square) not in (None, chess.PAWN),
        lambda b: b.fullmove_number < 20,
    ),
    "pawn_storm": (_storm, lambda b: b.fullmove_number >= 8),
}


@dataclass
class PositionSet:
    """Fixed real positions with, per proxy, which legal moves count and which positions apply."""

    tensors: dict[str, torch.Tensor]
    mask: torch.Tensor  # (n, moves) legal
    counts: dict[str, torch.Tensor]  # proxy -> (n, moves) bool
    applies: dict[str, torch.Tensor]  # proxy -> (n,) bool

    @classmethod
    def from_games(cls, games: Sequence[PlayedGame], size: int = 512, seed: int = 0) -> PositionSet:
        rng = np.random.default_rng(seed)
        boards = [chess.Board()]  # the start position, for the first-move shares
        for game_index in rng.permutation(len(games)):
            game = games[game_index]
            board = chess.Board()
            stop = int(rng.integers(1, max(len(game.moves), 2)))
            for uci in game.moves[:stop]:
                board.push_uci(uci)
            if not board.is_game_over():
                boards.append(board)
            if len(boards) >= size:
                break
        return cls.from_boards(boards)

    @classmethod
    def from_boards(cls, boards: Sequence[chess.Board]) -> PositionSet:
        encoded = [encode_board(b) for b in boards]
        counts = {name: np.zeros((len(boards), N_MOVES), dtype=bool) for name in PROXIES}
        applies = {name: np.zeros(len(boards), dtype=bool) for name in PROXIES}
        for row, board in enumerate(boards):
            for name, (counts_move, applies_here) in PROXIES.items():
                applies[name][row] = applies_here(board)
                if applies[name][row]:
                    for move in board.legal_moves:
                        if counts_move(board, move):
                            counts[name][row, move_index(move, board.turn)] = True
        return cls(
            tensors={
                "squares": torch.from_numpy(np.stack([e.squares for e in encoded])),
                "last_move": torch.from_numpy(np.stack([e.last_move for e in encoded])),
                "elo": torch.tensor([e.elo for e in encoded]),
            },
            mask=torch.from_numpy(np.stack([legal_move_mask(b) for b in boards])),
            counts={k: torch.from_numpy(v) for k, v in counts.items()},
            applies={k: torch.from_numpy(v) for k, v in applies.items()},
        )


def _legal_log_probs(
    model: StyleModel, vector: torch.Tensor | None, positions: PositionSet
) -> torch.Tensor:
    t = positions.tensors
    logits = model.logits(t["squares"], t["last_move"], t["elo"], style=vector)
    return torch.log_softmax(logits.masked_fill(~positions.mask, float("-inf")), dim=-1)


def _proxies(log_probs: torch.Tensor, positions: PositionSet) -> dict[str, float]:
    probabilities = log_probs.exp()
    found = {}
    for name in PROXIES:
        rows = positions.applies[name]
        if rows.any():
            mass = (probabilities[rows] * positions.counts[name][rows]).sum(dim=-1)
            found[name] = float(mass.mean())
    return found


@torch.no_grad()
def measure_proxies(
    model: StyleModel, vector: torch.Tensor | None, positions: PositionSet
) -> dict[str, float]:
    """Each proxy's expected value under the model's move distribution in this style."""
    return _proxies(_legal_log_probs(model, vector, positions), positions)


def _move_change(steered: torch.Tensor, own: torch.Tensor, legal: torch.Tensor) -> float:
    """Mean KL divergence (nats a move) of the steered move distribution from the player's own:
    how much more than the property steering changed."""
    terms = torch.where(legal, steered.exp() * (steered - own), 0.0)
    return float(terms.sum(dim=-1).mean())


PROBE_FILE = "probe_games.json"


def generate_probe_games(
    model: StyleModel, games: int = 24, plies: int = 60, seed: int = 0
) -> list[list[str]]:
    """Games the base model plays against itself: positions to measure steered styles on,
    shipped with a model instead of anybody's real games."""
    played = []
    for index in range(games):
        board = model.play(None, max_plies=plies, temperature=1.0, seed=seed + index)
        played.append([move.uci() for move in board.move_stack])
    return played


def save_probe_games(model_dir: Path | str, games: list[list[str]]) -> None:
    (Path(model_dir) / PROBE_FILE).write_text(
        json.dumps({"generated_by": "base model", "games": games})
    )


def load_probe_positions(model_dir: Path | str, size: int = 256) -> PositionSet | None:
    """The shipped probe positions, or None when the model has none."""
    path = Path(model_dir) / PROBE_FILE
    if not path.exists():
        return None
    boards = [chess.Board()]
    for moves in json.loads(path.read_text())["games"]:
        board = chess.Board()
        for uci in moves:
            board.push_uci(uci)
            if not board.is_game_over():
                boards.append(board.copy())
    rows = np.random.default_rng(0).permutation(len(boards) - 1)[: size - 1] + 1
    return PositionSet.from_boards([boards[0], *(boards[int(i)] for i in sorted(rows))])


def _steerable_players(
    model: StyleModel, properties: dict[str, dict[str, float]], prop: str
) -> tuple[list[int], np.ndarray]:
    """Task ids and property values of the trained players measured in `prop` (no placeholder:
    "NN" is many people)."""
    known = [
        (model.task_id(p["name"]), properties[p["name"]][prop])
        for p in model.players
        if not p.get("enrolled")
        and not is_placeholder_name(p["name"])
        and prop in properties.get(p["name"], {})
    ]
    return [task for task, _ in known], np.array([value for _, value in known])


def steering_directions(
    model: StyleModel, properties: dict[str, dict[str, float]], top_fraction: float = 0.25
) -> dict[str, torch.Tensor]:
    """Per property: mean vector of its top players minus the mean of all (the paper's delta)."""
    directions = {}
    for prop in PROXIES:
        tasks, values = _steerable_players(model, properties, prop)
        if len(tasks) < 8:
            continue
        cut = np.quantile(values, 1 - top_fraction)
        high = [task for task, value in zip(tasks, values, strict=True) if value >= cut]
        directions[prop] = model.style_vectors[high].mean(0) - model.style_vectors[tasks].mean(0)
    return directions


def ridge_directions(
    model: StyleModel, properties: dict[str, dict[str, float]], like: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Per property, a linear probe: the centred vectors regressed on the standardised property
    (ridge, its penalty chosen by 5-fold cross-validation), scaled to the length of `like[prop]`.

    The delta follows whatever the top players share, the property or not; the probe weighs each
    entry by what it says of the property beside the others, so it moves the property with less
    change to the rest of the moves (`bench/results/steering-probe.md`)."""
    from sklearn.linear_model import RidgeCV  # imported here: the app's start does not need it

    directions = {}
    for prop, reference in like.items():
        tasks, values = _steerable_players(model, properties, prop)
        vectors = model.style_vectors[tasks].double().numpy()
        target = (values - values.mean()) / (values.std() + 1e-12)
        probe = RidgeCV(alphas=np.logspace(-3, 3, 13), cv=5).fit(vectors - vectors.mean(0), target)
        direction = torch.from_numpy(probe.coef_).float()
        directions[prop] = direction * (reference.norm() / direction.norm().clamp_min(1e-12))
    return directions


def steer(
    vector: torch.Tensor, strengths: dict[str, float], directions: dict[str, torch.Tensor]
) -> torch.Tensor:
    """`vector` moved along each named direction by its strength (0 = unchanged)."""
    steered = vector.clone()
    for prop, strength in strengths.items():
        if prop not in directions:
            raise KeyError(f"no steering direction for {prop!r}; available: {sorted(directions)}")
        steered = steered + strength * directions[prop]
    return steered


def interpolate(first: torch.Tensor, second: torch.Tensor, weight: float) -> torch.Tensor:
    """A mix of two styles: weight 0 is `first`, 1 is `second`."""
    return (1 - weight) * first + weight * second


def _rises(curve: Sequence[float], tolerance: float) -> bool:
    """Rising at every step (a dip under `tolerance` of the curve's range is noise), and ending
    higher than it starts."""
    slack = tolerance * (max(curve) - min(curve))
    return bool(curve[-1] > curve[0] and all(b >= a - slack for a, b in itertools.pairwise(curve)))


@torch.no_grad()
def bench_steering(
    model: StyleModel,
    positions: PositionSet,
    directions: dict[str, torch.Tensor],
    players: Sequence[str],
    strengths: Sequence[float] = (-1.0, -0.5, 0.0, 0.5, 1.0),
    tolerance: float = 0.05,
) -> dict:
    """Proxy values per property, player and strength, and how much else the moves change.

    A property passes when the players' mean proxy rises with the strength (`_rises`).
    `move_change`: per strength, the mean over players of the KL divergence of the steered moves
    from the player's own (`_move_change`); `side_effects`: the other proxies' mean curves.
    """
    own = {name: model.style_vectors[model.task_id(name)] for name in players}
    own_moves = {name: _legal_log_probs(model, vector, positions) for name, vector in own.items()}
    report: dict[str, dict] = {}
    for prop, direction in directions.items():
        curves: dict[str, list[float]] = {}
        changes: list[list[float]] = []
        others: dict[str, list[list[float]]] = {}
        for name in players:
            steered = [
                _legal_log_probs(model, own[name] + s * direction, positions) for s in strengths
            ]
            measured = [_proxies(moves, positions) for moves in steered]
            if all(prop in m for m in measured):
                curves[name] = [m[prop] for m in measured]
            changes.append([_move_change(m, own_moves[name], positions.mask) for m in steered])
            for other in set(measured[0]) - {prop}:
                others.setdefault(other, []).append([m[other] for m in measured])
        if not curves:
            continue
        mean = np.mean(np.array(list(curves.values())), axis=0)
        report[prop] = {
            "passes": _rises(mean, tolerance),
            "strengths": list(strengths),
            "mean": [round(float(v), 5) for v in mean],
            "players_monotone": f"{sum(_rises(c, tolerance) for c in curves.values())}"
            f"/{len(curves)}",
            "per_player": {k: [round(float(v), 5) for v in c] for k, c in curves.items()},
            "move_change": [round(float(v), 6) for v in np.mean(changes, axis=0)],
            "side_effects": {
                other: [round(float(v), 5) for v in np.mean(c, axis=0)]
                for other, c in sorted(others.items())
            },
        }
    return report


# Steering is calibrated, not assumed: each property's direction (the paper's delta or the ridge
# probe) and how far its slider reaches (a multiple of the delta's length) are chosen on the
# benchmark's positions as the farthest reach whose curve still rises and whose moves change by
# at most MOVE_CHANGE_BUDGET beside the property (`bench/results/steering-probe.md`).
REACH_MULTIPLIERS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
MOVE_CHANGE_BUDGET = 0.01  # nats a move; ~0.5 point of the players' own move matching
UNIT_STRENGTHS = (-1.0, -0.5, 0.0, 0.5, 1.0)
# The first move's shares are one position of the benchmark's 512, so the mean KL barely sees
# them, yet they are what a player's vector says most: a castling or checks slider that turned
# 1.d4 players into 1.e4 players would be an opening slider. So every other property's direction
# is first cleared of its pull on them (`holding_first_move`), and its reach may move either
# share by at most FIRST_MOVE_BUDGET over the whole slider.
FIRST_MOVE_BUDGET = 0.05
# `holding_first_move`: pulls whose system is worse conditioned than 1 : 1,000 are one pull
SINGULAR_PULLS = 1e-3


def _at_reach(row: dict, multiplier: float, tolerance: float) -> dict:
    """A sweep's row cut to strengths -m .. m and re-expressed in units of m (the slider's)."""
    where = [row["strengths"].index(multiplier * s) for s in UNIT_STRENGTHS]
    per_player = {k: [c[i] for i in where] for k, c in row["per_player"].items()}
    mean = [row["mean"][i] for i in where]
    return {
        "passes": _rises(mean, tolerance),
        "strengths": list(UNIT_STRENGTHS),
        "mean": mean,
        "players_monotone": f"{sum(_rises(c, tolerance) for c in per_player.values())}"
        f"/{len(per_player)}",
        "per_player": per_player,
        "move_change": max(row["move_change"][where[0]], row["move_change"][where[-1]]),
        "first_move_shift": round(
            max(
                (
                    abs(c[where[-1]] - c[where[0]])
                    for k, c in row["side_effects"].items()
                    if k in FIRST_MOVE
                ),
                default=0.0,
            ),
            5,
        ),
    }


def _farthest_reach(
    row: dict,
    multipliers: Sequence[float],
    budget: float,
    tolerance: float,
    first_move_budget: float | None = FIRST_MOVE_BUDGET,
) -> tuple[float, dict]:
    """The largest multiplier (each smaller one passing too) whose curve rises within the
    budgets (the moves' change; the first move's shares, unless None: a first-move property
    moves them by design), and reaches farther than the one before it by more than `tolerance`
    (past that the routing saturates: a longer slider would only add a flat end). The smallest
    when none passes: its row then says it fails."""
    found = (multipliers[0], _at_reach(row, multipliers[0], tolerance))
    reached = 0.0
    for multiplier in multipliers:
        cut = _at_reach(row, multiplier, tolerance)
        reach = cut["mean"][-1] - cut["mean"][0]
        too_far = cut["move_change"] > budget or (
            first_move_budget is not None and cut["first_move_shift"] > first_move_budget
        )
        if not cut["passes"] or too_far or reach <= reached * (1 + tolerance):
            break
        found, reached = (multiplier, cut), reach
    return found


@torch.no_grad()
def holding_first_move(
    model: StyleModel,
    positions: PositionSet,
    directions: dict[str, torch.Tensor],
    players: Sequence[str],
    step: float = 0.5,
) -> dict[str, torch.Tensor]:
    """Each non-first-move direction minus the combination of the first-move directions (of
    the same kind) that cancels its pull on the first move's shares, to first order: the
    shares' slopes along every direction are measured (central differences at +-`step`, mean
    over `players`) and a 2 x 2 system solved by least squares. Where the two first-move
    directions pull alike (players who open either 1.e4 or 1.d4 make one the other reversed),
    the system is singular, and an exact solve's weights in the millions, cancelling each
    other, would depend on the machine's rounding: the least-squares combination of smallest
    weights cancels what the two can cancel together. Kept at its length; unchanged when the
    kind lacks a first-move direction or neither moves the shares."""
    if not all(prop in directions for prop in FIRST_MOVE):
        return dict(directions)
    own = [model.style_vectors[model.task_id(name)] for name in players]

    def slopes(direction: torch.Tensor) -> np.ndarray:
        ends = [
            [measure_proxies(model, vector + sign * step * direction, positions) for vector in own]
            for sign in (-1, 1)
        ]
        return np.array(
            [
                np.mean([high[p] - low[p] for low, high in zip(*ends, strict=True)]) / (2 * step)
                for p in FIRST_MOVE
            ]
        )

    basis = [directions[p] for p in FIRST_MOVE]
    pulls = np.stack([slopes(d) for d in basis], axis=1)  # (share, basis direction)
    if not np.abs(pulls).max() > 0:
        return dict(directions)
    held = dict(directions)
    for prop, direction in directions.items():
        if prop in FIRST_MOVE:
            continue
        weights = clearing_weights(pulls, slopes(direction))
        cleared = direction - sum(float(w) * d for w, d in zip(weights, basis, strict=True))
        held[prop] = cleared * (direction.norm() / cleared.norm().clamp_min(1e-12))
    return held


def clearing_weights(pulls: np.ndarray, pull: np.ndarray) -> np.ndarray:
    """The weights of the first-move directions (`pulls`: the shares' slopes along each, one
    column a direction) whose combination pulls the shares as `pull` does: least squares,
    the smallest weights where the directions pull alike (`SINGULAR_PULLS`), so that rounding
    never picks between two huge weights that cancel each other."""
    return np.linalg.lstsq(pulls, pull, rcond=SINGULAR_PULLS)[0]


def calibrated_steering(
    model: StyleModel,
    positions: PositionSet,
    candidates: dict[str, dict[str, torch.Tensor]],
    players: Sequence[str],
    multipliers: Sequence[float] = REACH_MULTIPLIERS,
    budget: float = MOVE_CHANGE_BUDGET,
    tolerance: float = 0.05,
) -> tuple[dict, dict[str, torch.Tensor]]:
    """Per property, the candidate direction (by kind, e.g. delta and ridge) and the reach that
    move its proxy farthest within the budget; the direction saved is that reach's, so strength
    1 is the farthest measured setting. The first kind wins ties and properties none passes."""
    sweep = sorted(
        {0.0} | {sign * m * half for m in multipliers for sign in (-1, 1) for half in (0.5, 1.0)}
    )
    candidates = {
        kind: holding_first_move(model, positions, directions, players)
        for kind, directions in candidates.items()
    }
    measured = {
        kind: bench_steering(model, positions, directions, players, sweep, tolerance)
        for kind, directions in candidates.items()
    }
    first = next(iter(candidates))
    report: dict[str, dict] = {}
    chosen: dict[str, torch.Tensor] = {}
    for prop in measured[first]:
        first_move_budget = None if prop in FIRST_MOVE else FIRST_MOVE_BUDGET
        options = {
            kind: _farthest_reach(rows[prop], multipliers, budget, tolerance, first_move_budget)
            for kind, rows in measured.items()
            if prop in rows
        }
        passing = {kind: option for kind, option in options.items() if option[1]["passes"]}
        kind = max(
            passing or {first: options[first]},
            key=lambda k: (options[k][1]["mean"][-1] - options[k][1]["mean"][0], k == first),
        )
        multiplier, row = options[kind]
        chosen[prop] = multiplier * candidates[kind][prop]
        report[prop] = {
            **row,
            "direction": kind,
            "multiplier": multiplier,
            "alternatives": {
                k: {
                    "multiplier": m,
                    "passes": r["passes"],
                    "reach": round(r["mean"][-1] - r["mean"][0], 5),
                    "move_change": r["move_change"],
                    "first_move_shift": r["first_move_shift"],
                }
                for k, (m, r) in options.items()
            },
        }
    return report, chosen


def save_directions(
    model_dir: Path | str, directions: dict[str, torch.Tensor], report: dict
) -> None:
    """Store every direction and which passed the benchmark (the app offers only those), with
    the kind and reach chosen for it and what the alternatives measured."""
    model_dir = Path(model_dir)
    save_file(
        {k: v.contiguous() for k, v in directions.items()}, model_dir / "steering.safetensors"
    )
    kept = (
        "passes",
        "strengths",
        "mean",
        "direction",
        "multiplier",
        "move_change",
        "first_move_shift",
        "alternatives",
    )
    summary = {prop: {k: row[k] for k in kept if k in row} for prop, row in report.items()}
    (model_dir / "steering.json").write_text(json.dumps(summary, indent=1))


def load_directions(model_dir: Path | str, passing_only: bool = True) -> dict[str, torch.Tensor]:
    model_dir = Path(model_dir)
    path = model_dir / "steering.safetensors"
    if not path.exists():
        return {}
    directions = load_file(path)
    if passing_only:
        summary = json.loads((model_dir / "steering.json").read_text())
        directions = {k: v for k, v in directions.items() if summary.get(k, {}).get("passes")}
    return directions


def steering_benchmark(
    model: StyleModel,
    store: GameStore,
    players: int = 8,
    positions: int = 512,
    multipliers: Sequence[float] = REACH_MULTIPLIERS,
    budget: float = MOVE_CHANGE_BUDGET,
    seed: int = 0,
) -> tuple[dict, dict[str, torch.Tensor]]:
    """Directions from the store's player properties (the delta and the ridge probe), each
    property's kind and reach chosen on validation-split positions (`calibrated_steering`)."""
    properties = store.properties()
    if not properties:
        raise ValueError("no player properties in the store: run `stylespace properties --compute`")
    games = store.played_games(["val"])[: 20 * positions]
    position_set = PositionSet.from_games(games, size=positions, seed=seed)
    deltas = steering_directions(model, properties)
    candidates = {"delta": deltas, "ridge": ridge_directions(model, properties, deltas)}
    trained = [
        p["name"]
        for p in model.players
        if not p.get("enrolled") and not is_placeholder_name(p["name"])
    ]
    chosen = [trained[i] for i in np.random.default_rng(seed).permutation(len(trained))[:players]]
    return calibrated_steering(
        model, position_set, candidates, chosen, multipliers=multipliers, budget=budget
    )
