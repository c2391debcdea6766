"""Move matching: how often the model's top moves are the moves the players really played.

Counted on the positions where a player the model knows is to move, for the base model and for
that player's own style, overall and per player, with and without the opening books
(`book.py`). Illegal moves are masked, as in play.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np
import torch

from stylespace.book import with_books
from stylespace.known_games import LeftOut
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
    players: Collection[str] | None = None,
    left_out: LeftOut | None = None,
) -> dict:
    """Top-1 and top-3 move matching, base vs own style, overall and per player (of `players`
    only, when given): `base` and `style` as `predict` makes them (the network with the opening
    books: everybody's for the base, the player's own on top for the style), `network_base` and
    `network_style` the network alone. `left_out`: games the books read as if their tables had
    never counted them (`known_games.py`)."""
    counted = model.player_names() if players is None else players
    known = {normalise_name(name): model.task_id(name) for name in counted}
    found = collect_positions(
        games, lambda name: known.get(normalise_name(name)), max_positions=max_positions
    )
    count = len(found)
    kinds = ("base", "style", "network_base", "network_style")
    hits = {f"{kind}_top{k}": np.zeros(count, dtype=bool) for kind in kinds for k in (1, 3)}
    tables = model.book_tables(left_out)
    with progress_bar(total=count, desc="eval", unit="pos", unit_scale=True) as bar:
        for start in range(0, count, batch_size):
            rows = np.arange(start, min(start + batch_size, count))
            part = found.subset(rows)
            batch = part.tensors(model.device)
            args = (batch["squares"], batch["last_move"], batch["elo"])
            for kind, style in (("base", None), ("style", batch["label"])):
                logits = model.logits(*args, style=style).masked_fill(~batch["mask"], float("-inf"))
                network = torch.softmax(logits, dim=-1).cpu().numpy()
                owners = None if style is None else part.label
                booked = with_books(network, part.squares, part.ply, part.mask, tables, owners)
                for name, probabilities in ((f"network_{kind}", network), (kind, booked)):
                    top3 = torch.from_numpy(probabilities).topk(3, dim=-1).indices.numpy()
                    hits[f"{name}_top1"][rows] = top3[:, 0] == part.move
                    hits[f"{name}_top3"][rows] = (top3 == part.move[:, None]).any(axis=1)
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
