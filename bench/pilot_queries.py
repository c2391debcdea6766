"""The pilots' shared draw (trained players' train games, 100-game validation queries) and the
small helpers every pilot needs: cut tables, standardised scores, top-1/top-5 lines.

Every pilot draws the same players the same way (seed 7, players with >= 100 validation games),
so their figures compare; the test split stays for the shipped benchmark.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

from stylespace.game_embedding import GameEmbedding, game_bags
from stylespace.openings import (
    MoveChoices,
    RepertoireTokens,
    game_repertoires,
    repertoire_tokens,
)
from stylespace.optout import normalise_name
from stylespace.positions import PlayedGame, Positions, collect_positions
from stylespace.store import GameStore
from stylespace.style_model import StyleModel
from stylespace.table_splits import check_held_out

T = TypeVar("T")


def pilot_paths(arguments: list[str], model: str = "models/demo") -> tuple[Path, Path]:
    """A pilot's MODEL_DIR and DB from its command line, with the usual defaults."""
    return (
        Path(arguments[0]) if arguments else Path(model),
        Path(arguments[1]) if len(arguments) > 1 else Path("data/stylespace.duckdb"),
    )


def validation_queries(
    model_dir: Path, db: Path, players: int
) -> tuple[list[str], dict[str, list[PlayedGame]], dict[str, list[PlayedGame]]]:
    """The trained players' names, their train games, and 100 validation games of `players`
    of them. A model whose tables hold the validation games (the shipped demo) is refused:
    pilot on a copy with train-only tables (`stylespace repertoires --model COPY`)."""
    check_held_out(model_dir, "val", "A pilot")
    model = StyleModel.load(model_dir)
    names = [p["name"] for p in model.players if not p.get("enrolled")]
    with GameStore(db, read_only=True) as store:
        train = store.games_by_player(["train"], names)
        held = store.games_by_player(["val"], names)
    rng = np.random.default_rng(7)
    chosen = [n for n in names if len(held[n]) >= 100]
    rng.shuffle(chosen)
    queries = {
        a: [held[a][i] for i in rng.permutation(len(held[a]))[:100]] for a in chosen[:players]
    }
    return names, train, queries


@dataclass
class PilotDraw:
    """What the query pilots start from: the model, the trained players (`tasks`, the
    candidates), their train games, the 60 authors' validation games, those games' tokens one
    game at a time, and 100 train games of each author (`hundred_game_cuts`)."""

    model: StyleModel
    names: list[str]
    tasks: np.ndarray
    trained: np.ndarray
    train_games: dict[str, list[PlayedGame]]
    queries: dict[str, list[PlayedGame]]
    query_tokens: dict[str, list[RepertoireTokens]]
    cut_games: dict[str, list[PlayedGame]]

    def truth(self, author: str) -> int:
        """The author's place among the candidates."""
        return int(np.flatnonzero(self.tasks == self.model.task_id(author))[0])


def pilot_draw(arguments: list[str], players: int = 60) -> PilotDraw:
    """The shared draw for a pilot run with these command-line arguments (`pilot_paths`)."""
    model_dir, db = pilot_paths(arguments)
    model = StyleModel.load(model_dir)
    names, train_games, queries = validation_queries(model_dir, db, players)
    return PilotDraw(
        model=model,
        names=names,
        tasks=np.array([model.task_id(n) for n in names]),
        trained=model.trained_mask(),
        train_games=train_games,
        queries=queries,
        query_tokens=per_game_tokens(queries),
        cut_games=hundred_game_cuts(train_games, queries),
    )


def trained_task_ids(model: StyleModel) -> dict[str, int]:
    """The model's trained (not enrolled) players: normalised name -> task id."""
    return {normalise_name(p["name"]): p["task_id"] for p in model.players if not p.get("enrolled")}


def trained_positions(
    model: StyleModel, games: list[PlayedGame], max_positions: int | None
) -> Positions:
    """The positions where the model's trained players move in `games`, labelled with their
    task ids, the first `max_positions` (as `stylespace eval` counts them)."""
    trained = trained_task_ids(model)
    return collect_positions(
        games, lambda name: trained.get(normalise_name(name)), max_positions=max_positions
    )


def network_batches(
    model: StyleModel, found: Positions, size: int = 1024
) -> Iterator[tuple[Positions, dict[str, np.ndarray]]]:
    """`found` in chunks, each with the network's legal-move probabilities for the base model
    and for each position's own player (`base`, `style`)."""
    for start in range(0, len(found), size):
        part = found.subset(np.arange(start, min(start + size, len(found))))
        batch = part.tensors()
        inputs = (batch["squares"], batch["last_move"], batch["elo"])
        probabilities = {}
        with torch.no_grad():
            for kind, style in (("base", None), ("style", batch["label"])):
                logits = model.logits(*inputs, style=style).masked_fill(~batch["mask"], -torch.inf)
                probabilities[kind] = torch.softmax(logits, dim=-1).numpy()
        yield part, probabilities


def hundred_game_cuts(
    train: dict[str, list[PlayedGame]], authors: Iterable[str], seed: int = 11
) -> dict[str, list[PlayedGame]]:
    """100 random train games of each author: the profile of a player enrolled from 100."""
    rng = np.random.default_rng(seed)
    return {a: [train[a][i] for i in rng.permutation(len(train[a]))[:100]] for a in authors}


def cut_table(table: T, model: StyleModel, games: dict[str, list[PlayedGame]], field: str) -> T:
    """A copy of one of the model's tables with the named players' rows made from only these
    games' `field` tokens (`RepertoireTokens`): as if they were enrolled from them."""
    table = copy.deepcopy(table)
    table.set_rows(
        {
            model.task_id(name): getattr(repertoire_tokens(g, name), field)
            for name, g in games.items()
        }
    )
    return table


def opening_profiles(
    model: StyleModel, cuts: dict[str, list[PlayedGame]] | None
) -> tuple[MoveChoices, GameEmbedding]:
    """The model's opening table and game embedding, or copies with the `cuts` players' rows
    and profiles made from those games only (as if enrolled from them)."""
    if not cuts:
        return model.repertoires, model.game_embedding
    embedding = copy.deepcopy(model.game_embedding)
    for name, games in cuts.items():
        embedding.set_row(model.task_id(name), game_bags(game_repertoires(games, name)))
    return cut_table(model.repertoires, model, cuts, "openings"), embedding


def per_game_tokens(
    queries: dict[str, list[PlayedGame]],
) -> dict[str, list[RepertoireTokens]]:
    """Each author's query games, one repertoire per game, so that query sets of any size
    are joined from them (`joined_repertoire`)."""
    return {
        author: [game_repertoires(games[i : i + 1], author)[0] for i in range(len(games))]
        for author, games in queries.items()
    }


def embedding_evidence(
    embedding: GameEmbedding,
    games: list[RepertoireTokens],
    trained: np.ndarray,
    tasks: np.ndarray,
) -> np.ndarray:
    """The game embedding's evidence for a query of these games' tokens, z-scored over the
    `tasks` candidates (a candidate without a profile at the mean, as `fused`)."""
    cosine = embedding.scores(game_bags(games), trained)[tasks]
    return standardised(np.where(np.isfinite(cosine), cosine, 0.0))


def rank_of(scores: np.ndarray, truth: int) -> int:
    """The author's rank (0 = first) with ties counted against them: an evidence that says
    nothing about a query (every score equal) must not put its author first."""
    return int((scores >= scores[truth]).sum()) - 1


def standardised(scores: np.ndarray) -> np.ndarray:
    """Scores in standard deviations from their mean over the candidates."""
    return (scores - scores.mean()) / max(float(scores.std()), 1e-12)


def hit_rates(ranks: dict[str, list[int]]) -> str:
    """'label top-1/top-5' for each ranking's ranks of the author (0 = first)."""
    return "  ".join(
        f"{label} {np.mean(np.array(r) == 0):.0%}/{np.mean(np.array(r) < 5):.0%}"
        for label, r in ranks.items()
        if r
    )
