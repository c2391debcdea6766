"""Our own forward pass of the Multi-Head Routing adapters, for inference and vector fitting.

Training goes through peft (`style_adapters.py`). Once the skills are trained and frozen, two
things matter that peft does not offer: a quick start (importing peft pulls in transformers,
seconds of an `identify` run) and the fact that in a stylometry fit every position shares one
vector. Then the skills are mixed once per call and folded into each layer's weight, so a styled
forward pass costs what a base one does, instead of one skill mix and two small matrix products
per position. The arithmetic is peft's poly `Linear` (A and B concatenated over splits, scaled by
1/r); a test holds the two engines equal on ids and on free vectors.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from stylespace.graph_fingerprints import ROUTER_EPS, SKILL_PREFIX
from stylespace.model import ADAPTED_LAYERS, MovePredictor


@dataclass(frozen=True)
class StyleConfig:
    """Sizes of the skill inventory; a style vector has n_splits * n_skills entries."""

    n_skills: int = 16
    n_splits: int = 8
    rank: int = 8

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def vector_size(self) -> int:
        return self.n_splits * self.n_skills


def routing_weights(logits: torch.Tensor, n_splits: int, n_skills: int) -> torch.Tensor:
    """Style vectors (b, splits*skills) -> per-head skill mixes (b, splits, skills), as peft's
    router does in eval mode: sigmoid, then normalised within each head."""
    weights = torch.sigmoid(logits.reshape(-1, n_splits, n_skills))
    return weights / (weights.sum(dim=-1, keepdim=True) + ROUTER_EPS)


def resized_table(table: torch.Tensor, n_players: int) -> torch.Tensor:
    """The player table grown (new rows near zero, as peft initialises them) or cut."""
    new = torch.empty(n_players, table.shape[1], device=table.device, dtype=table.dtype)
    nn.init.uniform_(new, -1e-3, 1e-3)
    keep = min(n_players, table.shape[0])
    new[:keep] = table[:keep]
    return new


class StyleTable(nn.Module):
    """The player table: row t of `module_logits` is player t's style vector."""

    def __init__(self, config: StyleConfig, n_players: int) -> None:
        super().__init__()
        self.config = config
        self.module_logits = nn.Parameter(torch.zeros(max(n_players, 1), config.vector_size))

    def resize(self, n_players: int) -> None:
        self.module_logits = nn.Parameter(
            resized_table(self.module_logits.data, n_players),
            requires_grad=self.module_logits.requires_grad,
        )


class RoutedLinear(nn.Module):
    """A frozen linear layer plus MHR skills, mixed by the weights its network sets per call."""

    def __init__(self, base_layer: nn.Linear, config: StyleConfig) -> None:
        super().__init__()
        self.base_layer = base_layer
        self.rank = config.rank
        n_in, n_out = base_layer.in_features, base_layer.out_features
        splits, skills, rank = config.n_splits, config.n_skills, config.rank
        self.poly_lora_A = nn.Parameter(torch.zeros(splits, skills, n_in // splits, rank))
        self.poly_lora_B = nn.Parameter(torch.zeros(splits, skills, rank, n_out // splits))
        self.mixing: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mixing = self.mixing
        if mixing is None:
            return self.base_layer(x)
        batch = mixing.shape[0]
        n_in, n_out = self.base_layer.in_features, self.base_layer.out_features
        a = torch.einsum("bqs,qsdr->bqdr", mixing, self.poly_lora_A).reshape(batch, n_in, -1)
        b = torch.einsum("bqs,qsrd->bqrd", mixing, self.poly_lora_B)
        b = b.transpose(1, 2).reshape(batch, -1, n_out)
        if batch == 1:  # one style for the whole batch: fold the skills into the weight
            delta = (a[0] @ b[0]).T / self.rank
            return F.linear(x, self.base_layer.weight + delta, self.base_layer.bias)
        return self.base_layer(x) + x.bmm(a).bmm(b) / self.rank


class RoutedPredictor(nn.Module):
    """The base network with every adapted linear routed by one shared style table."""

    def __init__(self, base: MovePredictor, config: StyleConfig, n_players: int) -> None:
        super().__init__()
        self.config = config
        self.network = base
        self.router = StyleTable(config, n_players)
        self.layers: dict[str, RoutedLinear] = {}
        for index, block in enumerate(base.blocks):
            for name in ADAPTED_LAYERS:
                routed = RoutedLinear(getattr(block, name), config)
                setattr(block, name, routed)
                self.layers[f"blocks.{index}.{name}"] = routed

    def skill_parameters(self) -> dict[str, torch.Tensor]:
        """The skills under the names peft gives them, so both engines share one file format."""
        return {
            f"{SKILL_PREFIX}{name}.{kind}": getattr(layer, kind)
            for name, layer in self.layers.items()
            for kind in ("poly_lora_A", "poly_lora_B")
        }

    def forward(
        self,
        squares: torch.Tensor,
        last_move: torch.Tensor,
        elo: torch.Tensor,
        style: torch.Tensor | None,
    ) -> torch.Tensor:
        """`style`: None (base), task ids (b,), one vector (d,) for all, or vectors (b, d)."""
        mixing = None
        if style is not None:
            logits = style if style.is_floating_point() else self.router.module_logits[style]
            mixing = routing_weights(logits, self.config.n_splits, self.config.n_skills)
        for layer in self.layers.values():
            layer.mixing = mixing
        try:
            return self.network(squares, last_move, elo)
        finally:
            for layer in self.layers.values():
                layer.mixing = None
