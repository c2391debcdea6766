"""Stylometry fingerprints: the skills' likelihood gradient, sketched, with no side effects."""

from __future__ import annotations

import json
import shutil

import numpy as np
import torch
import torch.nn.functional as F
from planted import PLANTED, planted_pgn
from safetensors.torch import load_file, save_file

from stylespace import fingerprints
from stylespace.cli import main
from stylespace.fingerprints import compute_fingerprint, count_sketch
from stylespace.game_files import read_game_file
from stylespace.positions import collect_positions
from stylespace.sketch import FINGERPRINT_SIZE, Fingerprint
from stylespace.style_model import StyleModel


def test_a_count_sketch_is_fixed_and_keeps_the_angle_between_long_vectors():
    generator = torch.Generator().manual_seed(0)
    first = torch.randn(200_000, generator=generator)
    second = 0.6 * first + 0.8 * torch.randn(200_000, generator=generator)  # cosine 0.6
    one, two = count_sketch(first), count_sketch(second)
    assert one.shape == (FINGERPRINT_SIZE,)
    assert torch.equal(one, count_sketch(first.clone()))
    assert abs(float(F.cosine_similarity(one, two, dim=0)) - 0.6) < 0.05


def _lea_positions(tmp_path, legal_masks: bool = True):
    path = tmp_path / "lea.pgn"
    path.write_text(
        planted_pgn(games_each=8, seed=4, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    games = read_game_file(str(path)).games
    return collect_positions(
        games, lambda name: 0 if name == "Lefty, Lea" else None, legal_masks=legal_masks
    )


def test_a_fingerprint_is_the_sketched_skills_gradient_and_leaves_the_model_as_it_was(
    planted_model, tmp_path
):
    positions = _lea_positions(tmp_path)
    model = StyleModel.load(planted_model)
    before = {name: p.clone() for name, p in model.skill_parameters().items()}
    found = compute_fingerprint(model, positions)

    for name, parameter in model.skill_parameters().items():
        assert torch.equal(parameter, before[name])
        assert parameter.grad is None and not parameter.requires_grad
    reference = StyleModel.load(planted_model)  # the same gradient, the plain autograd way
    skills = list(reference.skill_parameters().values())
    for parameter in skills:
        parameter.requires_grad_(True)
    vector = reference.trained_mean.clone().requires_grad_(True)
    batch = positions.tensors()
    logits = reference.logits(batch["squares"], batch["last_move"], batch["elo"], style=vector)
    F.cross_entropy(logits, batch["move"], reduction="mean").neg().backward()
    expected = count_sketch(torch.cat([p.grad.flatten() for p in skills]))
    assert torch.allclose(found.sketch, expected, atol=1e-6)
    assert torch.allclose(found.style_gradient, vector.grad, atol=1e-7)


def test_a_fingerprint_needs_no_legal_moves_so_a_query_skips_replaying_its_boards(
    planted_model, tmp_path
):
    masked = _lea_positions(tmp_path)
    unmasked = _lea_positions(tmp_path, legal_masks=False)
    model = StyleModel.load(planted_model)

    assert unmasked.mask.all() and not masked.mask.all()
    for field in ("squares", "last_move", "elo", "move", "label", "game", "ply"):
        assert np.array_equal(getattr(masked, field), getattr(unmasked, field))
    assert torch.equal(
        compute_fingerprint(model, masked).sketch, compute_fingerprint(model, unmasked).sketch
    )


def _run(capsys, *args: str) -> tuple[int, dict | str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code == 0 and "--json" in args else captured.err


def test_the_fingerprints_command_restores_them_and_resumes_where_it_stopped(
    planted_model, tmp_path, capsys
):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir, ignore=shutil.ignore_patterns("shards"))
    table = load_file(model_dir / "style_vectors.safetensors")
    stale = torch.zeros(len(table["style_vectors"]), 128)  # an older, narrower kind
    save_file({**table, "fingerprints": stale}, model_dir / "style_vectors.safetensors")
    assert StyleModel.load(model_dir).fingerprints.isnan().all()  # read as unknown
    shard = str(planted_model / "shards" / "train")
    command = ["fingerprints", "--model", str(model_dir), "--shard", shard, "--json"]

    code, result = _run(capsys, *command)
    assert code == 0 and result["computed"] == result["players"] == 2
    restored = StyleModel.load(model_dir).fingerprints
    assert torch.equal(restored, StyleModel.load(planted_model).fingerprints)
    code, again = _run(capsys, *command)
    assert code == 0 and again["computed"] == 0
    assert np.isfinite(restored.numpy()).all()


def test_the_fingerprints_command_explains_a_missing_shard(planted_model, tmp_path, capsys):
    code, message = _run(
        capsys, "fingerprints", "--model", str(planted_model), "--shard", str(tmp_path)
    )
    assert code != 0 and "shard" in message and "Traceback" not in message


def test_a_fingerprint_stopped_early_is_the_fingerprint_of_the_moves_it_read(
    planted_model, tmp_path, monkeypatch
):
    positions = _lea_positions(tmp_path)
    model = StyleModel.load(planted_model)
    monkeypatch.setattr(fingerprints, "BATCH", 16)
    asked = []

    def settled(so_far: Fingerprint) -> bool:
        asked.append(so_far.positions)
        return so_far.positions >= 32

    stopped = compute_fingerprint(model, positions, seed=3, settled=settled)
    read = np.sort(np.random.default_rng(3).permutation(len(positions))[:32])
    expected = compute_fingerprint(model, positions.subset(read))

    assert asked == [16, 32] and stopped.positions == 32
    assert torch.allclose(stopped.sketch, expected.sketch, atol=1e-6)
    assert torch.allclose(stopped.style_gradient, expected.style_gradient, atol=1e-7)
    assert compute_fingerprint(model, positions, settled=lambda _: False).positions == len(
        positions
    )
