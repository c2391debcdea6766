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
Since built into the library (`stylespace/fingerprint_graph.py`, every weight a graph input
instead of a constant as in the figures of `bench/results/onnx-fingerprint.md`), which this
pilot now uses; re-running it measures the shipped graph.
Usage: PYTHONPATH=. python bench/onnx_fingerprint_pilot.py [MODEL_DIR] [DB]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch.func import functional_call

from bench.pilot_queries import pilot_paths, validation_queries
from stylespace.authors import author_positions
from stylespace.fingerprint_graph import (
    POSITION_INPUTS,
    WeightGradientPass,
    export_fingerprint_graph,
    weight_inputs,
)
from stylespace.fingerprints import compute_fingerprint
from stylespace.mhr import routing_weights
from stylespace.style_model import StyleModel


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
    config = model.model_config
    graph_weights = tuple(weights[name] for name in weight_inputs(config))
    with torch.no_grad():
        by_hand = [g.clone() for g in WeightGradientPass(config)(*inputs, *graph_weights)]
    reference = autograd_gradients(model, weights, inputs)
    print(
        f"by hand vs autograd: largest relative gap {relative_difference(by_hand, reference):.1e}"
    )

    with tempfile.TemporaryDirectory() as scratch:
        path = export_fingerprint_graph(config, scratch)
        print(f"graph: {path.stat().st_size / 2**20:.1f} MB")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        names = [*POSITION_INPUTS, *weight_inputs(config)]
        feed = {name: t.numpy() for name, t in zip(names, (*inputs, *graph_weights), strict=True)}
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
