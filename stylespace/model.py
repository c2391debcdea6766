"""The base move predictor: a small transformer over the 64 squares, and nothing else.

Every linear layer that the style adapters adapt (`qkv`, `out`, `fc`, `proj`) is an `nn.Linear`
applied to (batch, tokens, features), which is exactly what peft's Poly tuner supports.
The policy head scores every from-to pair with a bilinear form of the two squares' features and
reads the 1,858 vocabulary moves from that 64x64 grid; under-promotions add a learned offset.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from stylespace.encoding import (
    N_ELO_BUCKETS,
    N_SQUARE_TOKENS,
    NO_SQUARE,
    VOCABULARY_CELLS,
    VOCABULARY_PROMOTION,
)

ADAPTED_LAYERS = ("qkv", "out", "fc", "proj")


@dataclass(frozen=True)
class ModelConfig:
    """Every size of the network, by name."""

    d_model: int = 128
    n_layers: int = 4
    n_heads: int = 4
    mlp_ratio: int = 4
    head_dim: int = 64  # width of the policy head's from/to projections

    def to_dict(self) -> dict:
        return asdict(self)


class Block(nn.Module):
    """Pre-norm transformer block; its four linears are the adapters' targets."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        d = config.d_model
        self.n_heads = config.n_heads
        self.norm1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, config.mlp_ratio * d)
        self.proj = nn.Linear(config.mlp_ratio * d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).split(d, dim=-1)
        shape = (batch, tokens, self.n_heads, d // self.n_heads)
        q, k, v = (t.reshape(shape).transpose(1, 2) for t in (q, k, v))
        attended = F.scaled_dot_product_attention(q, k, v)
        x = x + self.out(attended.transpose(1, 2).reshape(batch, tokens, d))
        return x + self.proj(F.gelu(self.fc(self.norm2(x))))


class MovePredictor(nn.Module):
    """Position -> logits over the move vocabulary (mover's frame; mask illegal moves outside)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        d = config.d_model
        self.piece_embedding = nn.Embedding(N_SQUARE_TOKENS, d)
        self.square_embedding = nn.Parameter(torch.randn(64, d) * 0.02)
        self.last_move_embedding = nn.Embedding(3, d)  # 0 neither, 1 came from, 2 went to
        self.elo_embedding = nn.Embedding(N_ELO_BUCKETS, d)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.norm = nn.LayerNorm(d)
        self.from_projection = nn.Linear(d, config.head_dim)
        self.to_projection = nn.Linear(d, config.head_dim)
        self.promotion_offset = nn.Parameter(torch.zeros(4))
        self.register_buffer("cells", torch.from_numpy(VOCABULARY_CELLS), persistent=False)
        self.register_buffer("promotion", torch.from_numpy(VOCABULARY_PROMOTION), persistent=False)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=0.02)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)

    def forward(
        self, squares: torch.Tensor, last_move: torch.Tensor, elo: torch.Tensor
    ) -> torch.Tensor:
        """squares (B, 64) tokens, last_move (B, 2) squares (64 = none), elo (B,) buckets."""
        batch = squares.shape[0]
        marks = torch.zeros(batch, 65, dtype=torch.long, device=squares.device)
        rows = torch.arange(batch, device=squares.device)
        marks[rows, last_move[:, 0].long()] = 1
        marks[rows, last_move[:, 1].long()] = 2
        x = (
            self.piece_embedding(squares.long())
            + self.square_embedding
            + self.last_move_embedding(marks[:, :NO_SQUARE])
            + self.elo_embedding(elo.long())[:, None, :]
        )
        for block in self.blocks:
            x = block(x)
        x = self.norm(x)
        origin = self.from_projection(x)
        target = self.to_projection(x)
        grid = origin @ target.transpose(1, 2) / math.sqrt(origin.shape[-1])  # (B, 64, 64)
        return grid.reshape(batch, 4096)[:, self.cells] + self.promotion_offset[self.promotion]
