"""Pilot: the fingerprint pass without torch, so that `identify` need not import it.

Why: on the slow instance of this machine kind a 20-game `identify` takes 5.3-6 s, of which
importing torch is 2.4-2.8 s (`bench identify`); the goal is 4 s. ONNX Runtime imports in about
0.2 s. It runs inference graphs, not autograd, so the pass is written here with forward
operations only: the network's forward pass, then by hand the backward pass from the moves'
log-likelihood down to every adapted layer's weight (the routing at the trained mean folded into
the weights, as `fingerprints.compute_fingerprint` takes it). The skills' gradient follows from
those 16 weight gradients by a few small products (left for the engine), so the graph is all a
torch-free `identify` needs from the network.

Measured here: the hand-written gradients against autograd's, the exported graph's against
them, and the time per 512 positions of torch's autograd pass (`compute_fingerprint`) and of ONNX
Runtime on the graph, alternating, median of 7, in one run.
Needs `onnxruntime==1.32.0 onnx==1.23.2` beside the requirements (not shipped).
Usage: PYTHONPATH=. python bench/onnx_fingerprint_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from bench.pilot_queries import pilot_paths, validation_queries
from stylespace.authors import author_positions
from stylespace.fingerprints import compute_fingerprint
from stylespace.mhr import routing_weights
from stylespace.style_model import StyleModel

EPS = 1e-5  # nn.LayerNorm's


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


class WeightGradientPass(nn.Module):
    """(squares, last move, Elo bucket, move) -> the gradient of the moves' summed
    log-likelihood (unmasked) with respect to each adapted layer's weight, in `ADAPTED_LAYERS`
    order per block; forward operations only."""

    def __init__(self, weights: dict[str, torch.Tensor], n_layers: int, n_heads: int) -> None:
        super().__init__()
        self.n_layers, self.n_heads = n_layers, n_heads
        self.weights = weights
        cells = weights["cells"].tolist()
        by_cell: list[list[int]] = [[] for _ in range(4096)]
        for index, cell in enumerate(cells):
            by_cell[cell].append(index)  # under-promotions share their cell
        sources = torch.full((4096, max(map(len, by_cell))), len(cells), dtype=torch.long)
        for cell, moves in enumerate(by_cell):
            sources[cell, : len(moves)] = torch.tensor(moves, dtype=torch.long)
        self.sources = sources  # a gather of the logits' gradient (plus a zero), not a scatter

    def forward(self, squares, last_move, elo, move):
        w = self.weights
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
        heads, width = self.n_heads, d // self.n_heads
        saved = []
        for i in range(self.n_layers):
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
        logits = grid.reshape(batch, 4096)[:, w["cells"]] + w["promotion_bias"]
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
        for i in reversed(range(self.n_layers)):
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


def folded_weights(model: StyleModel) -> dict[str, torch.Tensor]:
    """The network's weights with the skills mixed by the trained mean folded into every
    adapted layer (as `RoutedLinear` does for one vector), plus the head's constants."""
    network, config = model.styled.network, model.styled.config
    mixing = routing_weights(model.trained_mean[None], config.n_splits, config.n_skills)
    weights = {
        name.replace(".base_layer", ""): p.detach().clone()
        for name, p in network.named_parameters()
    }
    for name, layer in model.styled.layers.items():
        n_in, n_out = layer.base_layer.in_features, layer.base_layer.out_features
        a = torch.einsum("bqs,qsdr->bqdr", mixing, layer.poly_lora_A).reshape(n_in, -1)
        b = torch.einsum("bqs,qsrd->bqrd", mixing, layer.poly_lora_B)
        b = b.transpose(1, 2).reshape(-1, n_out)
        weights[f"{name}.weight"] = (layer.base_layer.weight + (a @ b).T / layer.rank).detach()
    weights["cells"] = network.cells.clone()
    weights["promotion_bias"] = network.promotion_offset[network.promotion].detach().clone()
    return weights


def autograd_gradients(model: StyleModel, weights: dict, inputs: tuple) -> list[torch.Tensor]:
    """The same gradients by autograd through the shipped network, for comparison."""
    leaves = {
        f"{name}.base_layer.weight": weights[f"{name}.weight"].clone().requires_grad_(True)
        for name in model.styled.layers
    }
    squares, last_move, elo, move = inputs
    logits = functional_call(model.styled.network, leaves, (squares, last_move, elo))
    torch.log_softmax(logits, -1).gather(1, move[:, None]).sum().backward()
    return [leaves[f"{name}.base_layer.weight"].grad for name in model.styled.layers]


def relative_difference(found: list, reference: list) -> float:
    return max(
        float(np.abs(np.asarray(a) - np.asarray(b)).max() / np.abs(np.asarray(b)).max())
        for a, b in zip(found, reference, strict=True)
    )


def main() -> None:
    import onnxruntime

    model_dir, db = pilot_paths(sys.argv[1:])
    model = StyleModel.load(model_dir)
    _, _, queries = validation_queries(model_dir, db, 1)
    author, games = next(iter(queries.items()))
    positions = author_positions(games, author, legal_masks=False)
    part = positions.subset(np.arange(512))
    batch = part.tensors()
    inputs = (
        batch["squares"].long(),
        batch["last_move"].long(),
        model.known_elo(batch["elo"]).long(),
        batch["move"].long(),
    )
    weights = folded_weights(model)
    graph = WeightGradientPass(
        weights, len(model.styled.network.blocks), model.styled.network.blocks[0].n_heads
    )
    with torch.no_grad():
        by_hand = [g.clone() for g in graph(*inputs)]
    reference = autograd_gradients(model, weights, inputs)
    print(
        f"by hand vs autograd: largest relative gap {relative_difference(by_hand, reference):.1e}"
    )

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "fingerprint.onnx"
        names = ["squares", "last_move", "elo", "move"]
        torch.onnx.export(
            graph,
            inputs,
            str(path),
            input_names=names,
            output_names=[f"grad_{i}" for i in range(len(by_hand))],
            dynamic_axes={name: {0: "positions"} for name in names},
            dynamo=False,
            opset_version=18,
        )
        print(f"graph: {path.stat().st_size / 2**20:.1f} MB")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        feed = {name: t.numpy() for name, t in zip(names, inputs, strict=True)}
        exported = session.run(None, feed)
        print(
            f"graph vs by hand: largest relative gap {relative_difference(exported, by_hand):.1e}"
        )
        times: dict[str, list[float]] = {
            "torch autograd (compute_fingerprint)": [],
            "onnxruntime": [],
        }
        for _ in range(7):
            started = time.perf_counter()
            compute_fingerprint(model, part, max_positions=512)
            times["torch autograd (compute_fingerprint)"].append(time.perf_counter() - started)
            started = time.perf_counter()
            session.run(None, feed)
            times["onnxruntime"].append(time.perf_counter() - started)
        for label, values in times.items():
            print(f"{label}: median {statistics.median(values):.3f} s per 512 positions")
    for module in ("torch", "onnxruntime"):
        command = [sys.executable, "-c", f"import {module}"]
        subprocess.run(command, check=True)
        spent = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run(command, check=True)
            spent.append(time.perf_counter() - started)
        print(f"python -c 'import {module}': median {statistics.median(spent):.2f} s")


if __name__ == "__main__":
    main()
