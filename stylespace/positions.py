"""Positions where chosen players move, ready for the model: tokens, legal masks, moves played.

Shared by evaluation (known players), enrolment (one new player) and identification (one unknown
author), so all three see positions exactly the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import chess
import numpy as np

from stylespace.encoding import N_MOVES, GameEncoder, elo_bucket, legal_move_mask
from stylespace.optout import normalise_name
from stylespace.placeholders import is_placeholder_name

if TYPE_CHECKING:  # torch is imported where tensors are made: reading PGN files needs none
    import torch


@dataclass(frozen=True, slots=True)
class PlayedGame:
    """A game as the model needs it: UCI moves from the standard start, names and Elo."""

    moves: list[str]
    white: str
    black: str
    white_elo: int | None = None
    black_elo: int | None = None
    result: str | None = None  # "1-0", "0-1", "1/2-1/2", "*"; None where not read
    year: int | None = None


@dataclass
class Positions:
    """Encoded positions with the move played and which player (an integer label) played it."""

    squares: np.ndarray  # (n, 64) uint8
    last_move: np.ndarray  # (n, 2) uint8
    elo: np.ndarray  # (n,) int64
    move: np.ndarray  # (n,) int64
    mask: np.ndarray  # (n, 1858) bool, legal moves
    label: np.ndarray  # (n,) int64
    game: np.ndarray  # (n,) int64, index of the game in the input
    ply: np.ndarray  # (n,) int64, half-moves played before this position

    def __len__(self) -> int:
        return len(self.move)

    def subset(self, rows: np.ndarray) -> Positions:
        return Positions(*(getattr(self, name)[rows] for name in self.__dataclass_fields__))

    def tensors(self, device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
        import torch

        return {
            name: torch.from_numpy(np.ascontiguousarray(getattr(self, name))).to(device)
            for name in ("squares", "last_move", "elo", "move", "mask", "label")
        }


def collect_positions(
    games: Iterable[PlayedGame],
    label_of: Callable[[str], int | None],
    from_ply: int = 0,
    max_positions: int | None = None,
    legal_masks: bool = True,
) -> Positions:
    """Positions from ply `from_ply` on where `label_of(mover's name)` is not None.

    Earlier moves still set the positions up; only the moves that are counted are skipped.
    Without `legal_masks` every move counts as allowed (the unmasked likelihood that training
    and fingerprints use): no board is replayed, which is most of the time a query takes here.
    """
    encoder = GameEncoder()
    parts: dict[str, list] = {name: [] for name in Positions.__dataclass_fields__}
    every_move = np.ones(N_MOVES, dtype=bool)
    total = 0
    for game_index, game in enumerate(games):
        labels = (label_of(game.white), label_of(game.black))
        if labels == (None, None) or len(game.moves) <= from_ply:
            continue
        encoded = encoder.encode(game.moves)
        board = chess.Board() if legal_masks else None
        for ply, uci in enumerate(game.moves):
            label = labels[ply % 2]
            if label is not None and ply >= from_ply:
                parts["squares"].append(encoded.squares[ply])
                parts["last_move"].append(encoded.last_move[ply])
                parts["elo"].append(elo_bucket(game.white_elo if ply % 2 == 0 else game.black_elo))
                parts["move"].append(int(encoded.moves[ply]))
                parts["mask"].append(every_move if board is None else legal_move_mask(board))
                parts["label"].append(label)
                parts["game"].append(game_index)
                parts["ply"].append(ply)
                total += 1
            if board is not None:
                board.push_uci(uci)
        if max_positions is not None and total >= max_positions:
            break
    if not total:
        return Positions(
            np.empty((0, 64), np.uint8),
            np.empty((0, 2), np.uint8),
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty((0, 1858), bool),
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty(0, np.int64),
        )
    return Positions(
        squares=np.stack(parts["squares"]),
        last_move=np.stack(parts["last_move"]),
        elo=np.asarray(parts["elo"], dtype=np.int64),
        move=np.asarray(parts["move"], dtype=np.int64),
        mask=np.stack(parts["mask"]),
        label=np.asarray(parts["label"], dtype=np.int64),
        game=np.asarray(parts["game"], dtype=np.int64),
        ply=np.asarray(parts["ply"], dtype=np.int64),
    )


def players_by_games(games: Sequence[PlayedGame]) -> list[tuple[str, int]]:
    """Every name in the games that may be an author (placeholders such as "NN" are not), with
    the number of games they play in, most first: when nobody plays in every game, the author
    is most likely the name in most of them. Spellings that differ only in case or spacing are
    one name, spelt as in its first game."""
    spelling: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for game in games:
        here = {normalise_name(name): name for name in (game.white, game.black)}
        for key, name in here.items():
            if not is_placeholder_name(name):
                spelling.setdefault(key, name)
                counts[key] += 1
    return sorted(
        ((spelling[key], n) for key, n in counts.items()), key=lambda row: (-row[1], row[0])
    )


def common_players(games: Sequence[PlayedGame]) -> list[str]:
    """Names that appear in every game (the candidates for a set's single author); a
    placeholder such as "NN" is many opponents, never the author."""
    return sorted(name for name, n in players_by_games(games) if games and n == len(games))
