"""Move matching: how often the model's top moves are the moves the players really played.

Counted on the positions where a player the model knows is to move, for the base model and for
that player's own style vector, overall and per player. Illegal moves are masked, as in play.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from stylespace.optout import normalise_name
from stylespace.positions import PlayedGame, collect_positions
from stylespace.progress import progress_bar
from stylespace.style_model import StyleModel


@torch.no_grad()
def move_matching(
    model: StyleModel,
    games: Iterable[PlayedGame],
    max_positions: int | None = None,
    batch_size: int = 1024,
) -> dict:
    """Top-1 and top-3 move matching, base vs own style vector, overall and per player."""
    known = {normalise_name(name): model.task_id(name) for name in model.player_names()}
    found = collect_positions(
        games, lambda name: known.get(normalise_name(name)), max_positions=max_positions
    )
    count = len(found)
    hits = {
        f"{kind}_top{k}": np.zeros(count, dtype=bool) for kind in ("base", "style") for k in (1, 3)
    }
    with progress_bar(total=count, desc="eval", unit="pos", unit_scale=True) as bar:
        for start in range(0, count, batch_size):
            rows = np.arange(start, min(start + batch_size, count))
            batch = found.subset(rows).tensors(model.device)
            args = (batch["squares"], batch["last_move"], batch["elo"])
            truth = batch["move"][:, None]
            for kind, style in (("base", None), ("style", batch["label"])):
                logits = model.logits(*args, style=style).masked_fill(~batch["mask"], float("-inf"))
                top3 = logits.topk(3, dim=-1).indices
                hits[f"{kind}_top1"][rows] = (top3[:, :1] == truth).any(-1).cpu().numpy()
                hits[f"{kind}_top3"][rows] = (top3 == truth).any(-1).cpu().numpy()
            bar.update(len(rows))
    names = model.player_names()
    per_player = {}
    for task in np.unique(found.label):
        rows = found.label == task
        per_player[names[task]] = {
            "positions": int(rows.sum()),
            **{key: round(float(value[rows].mean()), 4) for key, value in hits.items()},
        }
    overall = {key: round(float(value.mean()), 4) if count else None for key, value in hits.items()}
    return {**overall, "players": len(per_player), "positions": count, "per_player": per_player}
