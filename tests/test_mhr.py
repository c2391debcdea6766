"""Our own MHR forward pass computes exactly what peft's Poly tuner computes, from the same file."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from stylespace.mhr import StyleConfig
from stylespace.model import ModelConfig
from stylespace.style_model import StyleModel

SMALL = ModelConfig(d_model=32, n_layers=2, n_heads=4, mlp_ratio=2, head_dim=16)
STYLE = StyleConfig(n_skills=4, n_splits=4, rank=2)


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory) -> tuple[StyleModel, StyleModel]:
    """A peft-engine model with non-trivial skills and vectors, saved, loaded by each engine."""
    torch.manual_seed(0)
    players = [{"name": f"p{i}", "task_id": i} for i in range(6)]
    trained = StyleModel(SMALL, STYLE, players, engine="peft")
    with torch.no_grad():
        for parameter in trained.skill_parameters().values():
            parameter.normal_(0, 0.3)  # peft starts B at zero: make every skill count
        trained.router.module_logits.normal_(0, 2.0)
    directory = tmp_path_factory.mktemp("model")
    trained.save(directory)
    return StyleModel.load(directory, engine="peft"), StyleModel.load(directory, engine="torch")


def _batch(n: int = 5) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(1)
    squares = torch.randint(0, 13, (n, 64), generator=generator)
    last = torch.randint(0, 65, (n, 2), generator=generator)
    elo = torch.randint(0, 5, (n,), generator=generator)
    return squares, last, elo


@pytest.mark.parametrize("style", ["base", "ids", "one_vector", "vectors"])
def test_both_engines_give_the_same_logits(both_engines, style):
    with_peft, with_torch = both_engines
    squares, last, elo = _batch()
    chosen = {
        "base": None,
        "ids": torch.tensor([0, 3, 5, 1, 1]),
        "one_vector": torch.randn(STYLE.vector_size, generator=torch.Generator().manual_seed(2)),
        "vectors": torch.randn(5, STYLE.vector_size, generator=torch.Generator().manual_seed(3)),
    }[style]
    expected = with_peft.logits(squares, last, elo, chosen)
    found = with_torch.logits(squares, last, elo, chosen)
    assert torch.allclose(found, expected, atol=1e-5)
    if style != "base":  # and the adapters do change the answer
        assert not torch.allclose(found, with_torch.logits(squares, last, elo), atol=1e-3)


def test_both_engines_give_the_same_gradient_for_a_fitted_vector(both_engines):
    squares, last, elo = _batch()
    gradients = []
    for model in both_engines:
        vector = model.trained_mean.clone().requires_grad_(True)
        model.logits(squares, last, elo, vector).logsumexp(dim=-1).sum().backward()
        gradients.append(vector.grad)
    assert torch.allclose(gradients[0], gradients[1], atol=1e-5)


def test_loading_a_model_for_inference_does_not_import_peft(both_engines, tmp_path):
    both_engines[1].save(tmp_path)
    script = (
        "import sys; from stylespace.style_model import StyleModel; "
        f"StyleModel.load({str(tmp_path)!r}).predict('8/8/8/8/8/8/8/K6k w - - 0 1', 'p1'); "
        "print('peft' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
