"""Move matching: how often the model's top moves are the moves the players really played.

Counted on the positions where a player the model knows is to move, for the base model and for
that player's own style vector, overall and per player. Illegal moves are masked, as in play.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import chess
import numpy as np
import torch

from stylespace.encoding import GameEncoder, elo_bucket, legal_move_mask
from stylespace.optout import normalise_name
from stylespace.progress import progress_bar
from stylespace.style_model import StyleModel


@dataclass(frozen=True, slots=True)
class EvalGame:
    moves: list[str]
    white: str
    black: str
    white_elo: int | None
    black_elo: int | None


@dataclass
class _Positions:
    squares: list[np.ndarray]
    last_move: list[np.ndarray]
    elo: list[int]
    move: list[int]
    task: list[int]
    mask: list[np.ndarray]


def _collect(model: StyleModel, games: Iterable[EvalGame], max_positions: int | None) -> _Positions:
    """Encode the positions where a known player moves, with their legal-move masks."""
    known = {normalise_name(name): model.task_id(name) for name in model.player_names()}
    encoder = GameEncoder()
    found = _Positions([], [], [], [], [], [])
    for game in games:
        white_task = known.get(normalise_name(game.white))
        black_task = known.get(normalise_name(game.black))
        if white_task is None and black_task is None:
            continue
        encoded = encoder.encode(game.moves)
        board = chess.Board()
        for ply, uci in enumerate(game.moves):
            task = white_task if ply % 2 == 0 else black_task
            if task is not None:
                found.squares.append(encoded.squares[ply])
                found.last_move.append(encoded.last_move[ply])
                found.elo.append(elo_bucket(game.white_elo if ply % 2 == 0 else game.black_elo))
                found.move.append(int(encoded.moves[ply]))
                found.task.append(task)
                found.mask.append(legal_move_mask(board))
            board.push_uci(uci)
        if max_positions is not None and len(found.move) >= max_positions:
            break
    return found


@torch.no_grad()
def move_matching(
    model: StyleModel,
    games: Iterable[EvalGame],
    max_positions: int | None = None,
    batch_size: int = 1024,
) -> dict:
    """Top-1 and top-3 move matching, base vs own style vector, overall and per player."""
    found = _collect(model, games, max_positions)
    count = len(found.move)
    hits = {
        f"{kind}_top{k}": np.zeros(count, dtype=bool) for kind in ("base", "style") for k in (1, 3)
    }
    device = model.device
    with progress_bar(total=count, desc="eval", unit="pos", unit_scale=True) as bar:
        for start in range(0, count, batch_size):
            end = min(start + batch_size, count)
            squares = torch.from_numpy(np.stack(found.squares[start:end])).to(device)
            last = torch.from_numpy(np.stack(found.last_move[start:end])).to(device)
            elo = torch.tensor(found.elo[start:end], device=device)
            mask = torch.from_numpy(np.stack(found.mask[start:end])).to(device)
            truth = torch.tensor(found.move[start:end], device=device)[:, None]
            tasks = torch.tensor(found.task[start:end], device=device)
            for kind, style in (("base", None), ("style", tasks)):
                logits = model.logits(squares, last, elo, style).masked_fill(~mask, float("-inf"))
                top3 = logits.topk(3, dim=-1).indices
                hits[f"{kind}_top1"][start:end] = (top3[:, :1] == truth).any(-1).cpu().numpy()
                hits[f"{kind}_top3"][start:end] = (top3 == truth).any(-1).cpu().numpy()
            bar.update(end - start)
    tasks = np.array(found.task, dtype=np.int64)
    per_player: dict[str, dict] = defaultdict(dict)
    names = model.player_names()
    for task in np.unique(tasks):
        rows = tasks == task
        per_player[names[task]] = {
            "positions": int(rows.sum()),
            **{key: round(float(value[rows].mean()), 4) for key, value in hits.items()},
        }
    overall = {key: round(float(value.mean()), 4) if count else None for key, value in hits.items()}
    return {
        **overall,
        "players": len(per_player),
        "positions": count,
        "per_player": dict(per_player),
    }
