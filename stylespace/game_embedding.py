"""A learned embedding of games, trained to tell players apart (after McIlroy-Young et al., 2021).

Why: the opening tables (`openings.py`) only match the exact lines a profile has seen, so a
player enrolled from 100 games is found again from 20 query games far less often than one known
from a thousand. A dense space in which related lines and structures lie close generalises from
fewer games. Each game the author played becomes a bag of hashed tokens (the same keys the
tables count: position-move pairs of the first 20 moves and the pawn structures from move 11
on); a game is the mean of its tokens' vectors, normalised; a player's profile is the mean of
their games'. The token vectors are trained with a cosine-softmax over the model's trained
players on sets of a few games each, half of every game's tokens dropped at random so that no
single line can carry a game. Identification compares a query's mean with every profile by a
centred cosine (`scores`); enrolment adds a profile from the enrolment games, nothing retrained.
On its own it finds fewer authors than the opening likelihood; beside it, it finds more
(`bench/results/game-embedding.md`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from stylespace.openings import RepertoireTokens, _mix

if TYPE_CHECKING:  # only training needs torch: identifying with the embedding does not
    import torch

EMBEDDING_BUCKETS = 1 << 18
EMBEDDING_SIZE = 32


@dataclass(frozen=True)
class EmbeddingSettings:
    """How the token vectors are trained (`bench/game_embedder_pilot.py` chose these)."""

    steps: int = 3000
    players_per_batch: int = 256
    games_per_set: int = 4
    keep_tokens: float = 0.5
    learning_rate: float = 0.01
    scale: float = 16.0  # the cosine-softmax temperature
    seed: int = 0


EMBEDDING_SETTINGS = EmbeddingSettings()


def game_bags(per_game: Sequence[RepertoireTokens]) -> list[np.ndarray]:
    """Each game's tokens of all three kinds, hashed into the embedding's buckets."""
    bags = []
    for game in per_game:
        parts = [
            _mix(np.full(len(keys), kind + 1, np.uint64), np.asarray(keys, np.uint64))
            for kind, keys in enumerate(game)
        ]
        joined = np.concatenate(parts) if parts else np.zeros(0, np.uint64)
        bags.append((joined % np.uint64(EMBEDDING_BUCKETS)).astype(np.int64))
    return bags


def _packed(bags: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(b) for b in bags], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    flat = np.concatenate(bags) if len(bags) else np.zeros(0, np.int64)
    return flat.astype(np.int64), offsets


def _game_vectors(tokens: np.ndarray, bags: Sequence[np.ndarray]) -> np.ndarray:
    """Unit vector of each game (the mean of its tokens'); every bag has a token."""
    flat, offsets = _packed(bags)
    lengths = np.array([len(b) for b in bags], dtype=np.float32)
    means = np.add.reduceat(tokens[flat], offsets, axis=0) / lengths[:, None]
    return means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)


def quantised(tokens: np.ndarray) -> dict[str, np.ndarray]:
    """The token vectors as one byte a number and one scale a row: 8 MB instead of 32."""
    tokens = np.asarray(tokens, dtype=np.float32)
    scale = np.maximum(np.abs(tokens).max(axis=1, keepdims=True), 1e-8) / np.float32(127.0)
    codes = np.clip(np.round(tokens / scale), -127, 127).astype(np.int8)
    return {"token_codes": codes, "token_scales": scale.astype(np.float32)}


def dequantised(stored: dict[str, np.ndarray]) -> np.ndarray:
    return stored["token_codes"].astype(np.float32) * stored["token_scales"]


class GameEmbedding:
    """The token vectors and every player's profile (row = task id, NaN where unknown).

    The vectors are held as they are stored (`quantised`), so a profile computed here matches
    one computed after loading (`trained` rounds freshly trained ones)."""

    def __init__(self, tokens: np.ndarray, profiles: np.ndarray) -> None:
        self.tokens = tokens
        self.profiles = profiles.astype(np.float32)

    @classmethod
    def trained(cls, tokens: torch.Tensor, profiles: np.ndarray) -> GameEmbedding:
        """Freshly trained vectors, rounded as `quantised` stores them (0.5 s: not at load)."""
        return cls(dequantised(quantised(tokens.float().numpy())), profiles)

    @property
    def known(self) -> np.ndarray:
        return ~np.isnan(self.profiles).any(axis=1)

    def profile(self, bags: Sequence[np.ndarray]) -> np.ndarray:
        """The mean of the games' unit vectors: a player's profile or a query's."""
        bags = [b for b in bags if len(b)]
        if not bags:
            return np.full(self.tokens.shape[1], np.nan, np.float32)
        vectors = np.concatenate(
            [_game_vectors(self.tokens, bags[i : i + 4096]) for i in range(0, len(bags), 4096)]
        )
        return vectors.mean(axis=0)

    def set_row(self, task: int, bags: Sequence[np.ndarray] | None) -> None:
        """Set (or forget, with None) one player's profile, growing the table for a new one."""
        if task >= len(self.profiles):
            grown = np.full((task + 1, self.profiles.shape[1]), np.nan, np.float32)
            grown[: len(self.profiles)] = self.profiles
            self.profiles = grown
        self.profiles[task] = np.nan if bags is None else self.profile(bags)

    def scores(self, bags: Sequence[np.ndarray], trained: np.ndarray) -> np.ndarray:
        """Centred cosine of the query's profile with every player's (-inf where unknown);
        the centre is the mean profile of the `trained` rows, so enrolments never move it."""
        scores = np.full(len(self.profiles), -np.inf)
        query = self.profile(bags)
        known = self.known
        reference = known & trained
        if np.isnan(query).any() or not reference.any():
            return scores
        centre = self.profiles[reference].mean(axis=0)
        table, query = self.profiles[known] - centre, query - centre
        norms = np.linalg.norm(table, axis=1) * max(float(np.linalg.norm(query)), 1e-12)
        scores[known] = table @ query / np.maximum(norms, 1e-12)
        return scores


def train_token_vectors(
    per_player: Sequence[Sequence[np.ndarray]],
    settings: EmbeddingSettings = EMBEDDING_SETTINGS,
    on_step: Callable[[int, float], None] | None = None,
) -> torch.Tensor:
    """Token vectors that tell these players apart from a few games each (cosine softmax)."""
    import torch
    import torch.nn.functional as F

    if len(per_player) < 2:
        raise ValueError("a game embedding needs at least two players to tell apart")
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    tokens = torch.nn.Embedding(EMBEDDING_BUCKETS, EMBEDDING_SIZE, sparse=True)
    torch.nn.init.normal_(tokens.weight, std=0.1)
    head = torch.nn.Parameter(torch.randn(len(per_player), EMBEDDING_SIZE) * 0.1)
    sparse_optimizer = torch.optim.SparseAdam(list(tokens.parameters()), lr=settings.learning_rate)
    dense_optimizer = torch.optim.Adam([head], lr=settings.learning_rate)
    batch, per_set = settings.players_per_batch, settings.games_per_set
    for step in range(settings.steps):
        players = rng.integers(len(per_player), size=batch)
        chosen = [
            _dropped(per_player[p][g], settings.keep_tokens, rng)
            for p in players
            for g in rng.integers(len(per_player[p]), size=per_set)
        ]
        flat, offsets = (torch.from_numpy(a) for a in _packed(chosen))
        games = F.normalize(
            F.embedding_bag(flat, tokens.weight, offsets, mode="mean", sparse=True), dim=-1
        )
        sets = F.normalize(games.view(batch, per_set, -1).mean(dim=1), dim=-1)
        logits = settings.scale * sets @ F.normalize(head, dim=-1).T
        loss = F.cross_entropy(logits, torch.from_numpy(players))
        sparse_optimizer.zero_grad()
        dense_optimizer.zero_grad()
        loss.backward()
        sparse_optimizer.step()
        dense_optimizer.step()
        if on_step is not None:
            on_step(step + 1, loss.item())
    return tokens.weight.detach()


def _dropped(bag: np.ndarray, keep: float, rng: np.random.Generator) -> np.ndarray:
    """A random share `keep` of the bag's tokens (at least one)."""
    if keep >= 1.0 or len(bag) < 2:
        return bag
    kept = bag[rng.random(len(bag)) < keep]
    return kept if len(kept) else bag[:1]
