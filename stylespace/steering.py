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
from stylespace.positions import PlayedGame
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


@torch.no_grad()
def measure_proxies(
    model: StyleModel, vector: torch.Tensor | None, positions: PositionSet
) -> dict[str, float]:
    """Each proxy's expected value under the model's move distribution in this style."""
    t = positions.tensors
    logits = model.logits(t["squares"], t["last_move"], t["elo"], style=vector)
    probabilities = torch.softmax(logits.masked_fill(~positions.mask, float("-inf")), dim=-1)
    found = {}
    for name in PROXIES:
        rows = positions.applies[name]
        if rows.any():
            mass = (probabilities[rows] * positions.counts[name][rows]).sum(dim=-1)
            found[name] = float(mass.mean())
    return found


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


def steering_directions(
    model: StyleModel, properties: dict[str, dict[str, float]], top_fraction: float = 0.25
) -> dict[str, torch.Tensor]:
    """Per property: mean vector of its top players minus the mean of all (the paper's delta)."""
    directions = {}
    names = [p["name"] for p in model.players if not p.get("enrolled")]
    for prop in PROXIES:
        known = [
            (name, properties[name][prop]) for name in names if prop in properties.get(name, {})
        ]
        if len(known) < 8:
            continue
        values = np.array([value for _, value in known])
        cut = np.quantile(values, 1 - top_fraction)
        high = [model.task_id(name) for name, value in known if value >= cut]
        everyone = [model.task_id(name) for name, _ in known]
        directions[prop] = model.style_vectors[high].mean(0) - model.style_vectors[everyone].mean(0)
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


def bench_steering(
    model: StyleModel,
    positions: PositionSet,
    directions: dict[str, torch.Tensor],
    players: Sequence[str],
    strengths: Sequence[float] = (-1.0, -0.5, 0.0, 0.5, 1.0),
    tolerance: float = 0.05,
) -> dict:
    """Proxy values per property, player and strength.

    A property passes when the players' mean proxy rises with the strength at every step (a dip
    smaller than `tolerance` of the curve's range is noise) and ends higher than it starts.
    """
    report: dict[str, dict] = {}
    for prop, direction in directions.items():
        curves = {}
        for name in players:
            base = model.style_vectors[model.task_id(name)]
            measured = [measure_proxies(model, base + s * direction, positions) for s in strengths]
            if all(prop in m for m in measured):
                curves[name] = [m[prop] for m in measured]
        if not curves:
            continue
        mean = np.mean(np.array(list(curves.values())), axis=0)
        slack = tolerance * (mean.max() - mean.min())
        rises = bool(
            mean[-1] > mean[0] and all(b >= a - slack for a, b in itertools.pairwise(mean))
        )
        players_rising = sum(
            all(b >= a - tolerance * (max(c) - min(c)) for a, b in itertools.pairwise(c))
            and c[-1] > c[0]
            for c in curves.values()
        )
        report[prop] = {
            "passes": rises,
            "strengths": list(strengths),
            "mean": [round(float(v), 5) for v in mean],
            "players_monotone": f"{players_rising}/{len(curves)}",
            "per_player": {k: [round(float(v), 5) for v in c] for k, c in curves.items()},
        }
    return report


def save_directions(
    model_dir: Path | str, directions: dict[str, torch.Tensor], report: dict
) -> None:
    """Store every direction and which passed the benchmark; the app offers only those."""
    model_dir = Path(model_dir)
    save_file(
        {k: v.contiguous() for k, v in directions.items()}, model_dir / "steering.safetensors"
    )
    summary = {
        prop: {"passes": row["passes"], "strengths": row["strengths"], "mean": row["mean"]}
        for prop, row in report.items()
    }
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
    strengths: Sequence[float] = (-1.0, -0.5, 0.0, 0.5, 1.0),
    seed: int = 0,
) -> tuple[dict, dict[str, torch.Tensor]]:
    """Directions from the store's player properties, checked on validation-split positions."""
    properties = store.properties()
    if not properties:
        raise ValueError("no player properties in the store: run `stylespace properties --compute`")
    games = store.played_games(["val"])[: 20 * positions]
    position_set = PositionSet.from_games(games, size=positions, seed=seed)
    directions = steering_directions(model, properties)
    trained = [p["name"] for p in model.players if not p.get("enrolled")]
    chosen = [trained[i] for i in np.random.default_rng(seed).permutation(len(trained))[:players]]
    return bench_steering(model, position_set, directions, chosen, strengths=strengths), directions
