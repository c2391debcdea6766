"""The fingerprint pass as a plain forward graph, exported to ONNX for `identify`.

A fingerprint is a gradient (`fingerprints.py`), which torch computes by autograd; but importing
torch alone takes 1-3 s of a 20-game `identify` on 2 CPU cores. ONNX Runtime imports in a tenth
of that and runs forward graphs, so the gradient is written here with forward operations only:
the network's forward pass, then its backward pass by hand (log-softmax, the head's bilinear
grid read back to its 4,096 cells, layer norms, GELU, attention, residuals) down to the weight
of every adapted layer. Those 16 weight gradients give the skills' and the style vector's by a
few small products (`graph_fingerprints.py`), with the skills mixed at the trained mean folded
into the weights as `mhr.RoutedLinear` does.

Every weight is an input of the graph, not a constant: the file holds the architecture alone,
so it never goes stale when a model is retrained or players are enrolled. Pilot and figures:
`bench/onnx_fingerprint_pilot.py`, `bench/results/onnx-fingerprint.md`.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from stylespace.encoding import VOCABULARY_CELLS
from stylespace.graph_fingerprints import GRAPH_FILE
from stylespace.model import ADAPTED_LAYERS, ModelConfig, MovePredictor

POSITION_INPUTS = ("squares", "last_move", "elo", "move")
EPS = 1e-5  # nn.LayerNorm's


def weight_inputs(config: ModelConfig) -> list[str]:
    """The graph's weight inputs, in order: the base network's weights under their plain
    names (the adapted ones with the skills folded in) and `promotion_bias`, the head's
    per-move offset."""
    names = [name for name, _ in MovePredictor(config).named_parameters()]
    return [name for name in names if name != "promotion_offset"] + ["promotion_bias"]


def gradient_outputs(config: ModelConfig) -> list[str]:
    """The graph's outputs: each adapted layer's weight gradient, block by block."""
    return [f"blocks.{i}.{name}" for i in range(config.n_layers) for name in ADAPTED_LAYERS]


def _layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> tuple:
    centred = x - x.mean(-1, keepdim=True)
    rstd = torch.rsqrt((centred * centred).mean(-1, keepdim=True) + EPS)
    normed = centred * rstd
    return normed * weight + bias, normed, rstd


def _layer_norm_backward(grad, normed, rstd, weight):
    scaled = grad * weight
    return rstd * (
        scaled - scaled.mean(-1, keepdim=True) - normed * (scaled * normed).mean(-1, keepdim=True)
    )


def _gelu_with_slope(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    cdf = 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))
    pdf = torch.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    return x * cdf, cdf + x * pdf


def _cell_sources() -> torch.Tensor:
    """For each of the head's 4,096 cells, the vocabulary moves read from it (padded with an
    index past the last move): the logits' gradient summed back by a gather, not a scatter."""
    cells = VOCABULARY_CELLS.tolist()
    by_cell: list[list[int]] = [[] for _ in range(4096)]
    for index, cell in enumerate(cells):
        by_cell[cell].append(index)  # under-promotions share their cell
    sources = torch.full((4096, max(map(len, by_cell))), len(cells), dtype=torch.long)
    for cell, moves in enumerate(by_cell):
        sources[cell, : len(moves)] = torch.tensor(moves, dtype=torch.long)
    return sources


class WeightGradientPass(nn.Module):
    """(squares, last move, Elo bucket, move, *weights) -> the gradient of the moves' summed
    log-likelihood (unmasked, as in training) with respect to each adapted layer's weight
    (`gradient_outputs`); forward operations only."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.names = weight_inputs(config)
        self.register_buffer("cells", torch.from_numpy(VOCABULARY_CELLS), persistent=False)
        self.register_buffer("sources", _cell_sources(), persistent=False)

    def forward(self, squares, last_move, elo, move, *weights):
        w = dict(zip(self.names, weights, strict=True))
        batch, tokens = squares.shape[0], 64
        came = F.one_hot(last_move[:, 0], 65)[:, :64]
        went = F.one_hot(last_move[:, 1], 65)[:, :64]
        marks = torch.where(went > 0, 2, torch.where(came > 0, 1, 0))
        x = (
            w["piece_embedding.weight"][squares]
            + w["square_embedding"]
            + w["last_move_embedding.weight"][marks]
            + w["elo_embedding.weight"][elo][:, None, :]
        )
        d = x.shape[-1]
        heads = self.config.n_heads
        width = d // heads
        saved = []
        for i in range(self.config.n_layers):
            p = f"blocks.{i}."
            h1, n1, r1 = _layer_norm(x, w[p + "norm1.weight"], w[p + "norm1.bias"])
            qkv = h1 @ w[p + "qkv.weight"].T + w[p + "qkv.bias"]
            q, k, v = (
                t.reshape(batch, tokens, heads, width).transpose(1, 2) for t in qkv.split(d, -1)
            )
            attention = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(width), dim=-1)
            attended = (attention @ v).transpose(1, 2).reshape(batch, tokens, d)
            x1 = x + attended @ w[p + "out.weight"].T + w[p + "out.bias"]
            h2, n2, r2 = _layer_norm(x1, w[p + "norm2.weight"], w[p + "norm2.bias"])
            hidden, slope = _gelu_with_slope(h2 @ w[p + "fc.weight"].T + w[p + "fc.bias"])
            x = x1 + hidden @ w[p + "proj.weight"].T + w[p + "proj.bias"]
            saved.append((h1, n1, r1, q, k, v, attention, attended, h2, n2, r2, slope, hidden))
        z, nz, rz = _layer_norm(x, w["norm.weight"], w["norm.bias"])
        origin = z @ w["from_projection.weight"].T + w["from_projection.bias"]
        target = z @ w["to_projection.weight"].T + w["to_projection.bias"]
        scale = 1.0 / math.sqrt(origin.shape[-1])
        grid = (origin @ target.transpose(1, 2)) * scale
        logits = grid.reshape(batch, 4096)[:, self.cells] + w["promotion_bias"]
        # the backward pass, from d(sum of log P(move)) / d(logits)
        grad = F.one_hot(move, logits.shape[1]).to(logits.dtype) - torch.softmax(logits, -1)
        grad = torch.cat([grad, torch.zeros(batch, 1, dtype=grad.dtype)], dim=1)
        grad_grid = grad[:, self.sources].sum(-1).reshape(batch, 64, 64) * scale
        grad_z = (grad_grid @ target) @ w["from_projection.weight"] + (
            grad_grid.transpose(1, 2) @ origin
        ) @ w["to_projection.weight"]
        gx = _layer_norm_backward(grad_z, nz, rz, w["norm.weight"])
        rows = batch * tokens
        found: list[torch.Tensor] = []
        for i in reversed(range(self.config.n_layers)):
            p = f"blocks.{i}."
            h1, n1, r1, q, k, v, attention, attended, h2, n2, r2, slope, hidden = saved[i]
            grad_proj = gx.reshape(rows, d).T @ hidden.reshape(rows, -1)
            grad_fc_out = (gx @ w[p + "proj.weight"]) * slope
            grad_fc = grad_fc_out.reshape(rows, -1).T @ h2.reshape(rows, d)
            gx1 = gx + _layer_norm_backward(
                grad_fc_out @ w[p + "fc.weight"], n2, r2, w[p + "norm2.weight"]
            )
            grad_out = gx1.reshape(rows, d).T @ attended.reshape(rows, d)
            grad_attended = (gx1 @ w[p + "out.weight"]).reshape(batch, tokens, heads, width)
            grad_attended = grad_attended.transpose(1, 2)
            grad_attention = grad_attended @ v.transpose(-1, -2)
            grad_v = attention.transpose(-1, -2) @ grad_attended
            grad_scores = attention * (
                grad_attention - (grad_attention * attention).sum(-1, keepdim=True)
            )
            grad_q = (grad_scores @ k) / math.sqrt(width)
            grad_k = (grad_scores.transpose(-1, -2) @ q) / math.sqrt(width)
            grad_qkv_out = torch.cat(
                [t.transpose(1, 2).reshape(batch, tokens, d) for t in (grad_q, grad_k, grad_v)], -1
            )
            grad_qkv = grad_qkv_out.reshape(rows, -1).T @ h1.reshape(rows, d)
            gx = gx1 + _layer_norm_backward(
                grad_qkv_out @ w[p + "qkv.weight"], n1, r1, w[p + "norm1.weight"]
            )
            found = [grad_qkv, grad_out, grad_fc, grad_proj, *found]
        return tuple(found)


def _example_inputs(config: ModelConfig) -> tuple[torch.Tensor, ...]:
    """Inputs of the right shapes and kinds to trace the graph with (values do not matter)."""
    network = MovePredictor(config)
    own = dict(network.named_parameters())
    weights = [
        own[name].detach() if name in own else network.promotion_offset[network.promotion].detach()
        for name in weight_inputs(config)
    ]
    positions = (
        torch.zeros(2, 64, dtype=torch.long),
        torch.full((2, 2), 64, dtype=torch.long),
        torch.zeros(2, dtype=torch.long),
        torch.zeros(2, dtype=torch.long),
    )
    return (*positions, *weights)


def export_fingerprint_graph(config: ModelConfig, directory: Path | str) -> Path:
    """Write the graph of `config`'s network into a model directory (`GRAPH_FILE`)."""
    path = Path(directory) / GRAPH_FILE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # Python floats: sizes, fixed
        # The TorchScript exporter is deprecated for the torch.export one, which needs
        # onnxscript and gave no gain here; this one writes the graph the tests hold equal.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            WeightGradientPass(config),
            _example_inputs(config),
            str(path),
            input_names=[*POSITION_INPUTS, *weight_inputs(config)],
            output_names=gradient_outputs(config),
            dynamic_axes={name: {0: "positions"} for name in POSITION_INPUTS},
            dynamo=False,
            opset_version=18,
        )
    return path


def write_graph(directory: Path | str) -> dict:
    """`export_fingerprint_graph` for the model saved in `directory` (its config)."""
    started = time.perf_counter()
    directory = Path(directory)
    if not (directory / "config.json").exists():
        raise FileNotFoundError(f"no style model at {directory} (config.json missing)")
    config = ModelConfig(**json.loads((directory / "config.json").read_text())["model"])
    path = export_fingerprint_graph(config, directory)
    return {
        "graph": str(path),
        "bytes": path.stat().st_size,
        "seconds": round(time.perf_counter() - started, 2),
    }
