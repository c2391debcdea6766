"""How large a network `identify` can afford: the whole command timed on larger networks.

The quality goals wait on a larger or longer-trained network (bench/results/gpu-model.md), and
`identify` must stay within 10 s for 100 games on the 2-core CPU. This builds copies of
`models/demo` whose network is of another size (random weights: the time does not depend on
what the weights say), with the same player table, exports each one's fingerprint graph, and
runs `stylespace bench identify` on it.

Usage: PYTHONPATH=. .venv/bin/python bench/size_headroom.py OUT [d:layers:heads:mlp:head_dim ...]
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

from stylespace.model import ModelConfig
from stylespace.style_model import StyleModel

SIZES = ["64:4:4:2:32", "96:6:4:2:48", "128:6:4:2:64", "128:8:8:4:64"]


def sized_copy(source: Path, target: Path, config: ModelConfig) -> None:
    """`source` with its network replaced by a randomly initialised one of `config`'s size."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    demo = StyleModel.load(source)
    model = StyleModel(config, demo.style_config, demo.players, demo.extra_config)
    torch.manual_seed(0)
    skills = {k: torch.randn_like(v) * 0.02 for k, v in model.skill_parameters().items()}
    settings = json.loads((source / "config.json").read_text())
    settings["model"] = config.to_dict()
    (target / "config.json").write_text(json.dumps(settings, indent=2))
    save_file(
        {k: v.contiguous() for k, v in model.base_state().items()}, target / "base.safetensors"
    )
    save_file(skills, target / "skills.safetensors")


def main(out: Path, sizes: list[str]) -> None:
    stylespace = [sys.executable, "-m", "stylespace"]
    results = {}
    for size in sizes:
        d_model, layers, heads, mlp, head_dim = (int(x) for x in size.split(":"))
        config = ModelConfig(d_model, layers, heads, mlp, head_dim)
        target = out / f"d{d_model}x{layers}"
        sized_copy(Path("models/demo"), target, config)
        subprocess.run([*stylespace, "export-graph", "--model", str(target)], check=True)
        bench = subprocess.run(
            [*stylespace, "bench", "identify", "--model", str(target), "--repeats", "3", "--json"],
            check=True,
            capture_output=True,
            text=True,
        )
        results[size] = json.loads(bench.stdout)
        print(size, json.dumps(results[size]), flush=True)
    (out / "size-headroom.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:] or SIZES)
