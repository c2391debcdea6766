"""The style model learns per-player preferences, resumes exactly, saves, loads and evaluates."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import chess
import chess.pgn
import numpy as np
import torch
from planted import PLANTED, planted_pgn, tiny_train_args, train_tiny

from stylespace.cli import main
from stylespace.style_model import StyleModel
from stylespace.training import PlayerGroupedRows


def _probability(model: StyleModel, style, uci: str, board: chess.Board | None = None) -> float:
    predictions = model.predict(board or chess.Board(), style=style, top_k=30)
    return next((p.probability for p in predictions if p.uci == uci), 0.0)


def test_each_style_vector_reproduces_its_players_choice_and_the_base_cannot(planted_model):
    model = StyleModel.load(planted_model)
    assert sorted(model.player_names()) == sorted(PLANTED)
    for player, (first, _) in PLANTED.items():
        other_first = next(moves[0] for name, moves in PLANTED.items() if name != player)
        assert _probability(model, player, first) > 0.7
        assert _probability(model, player, other_first) < 0.2
        assert _probability(model, None, first) < 0.65  # the base can only split the difference
    after_a4 = chess.Board()
    for uci in ("a2a4", "e7e5"):
        after_a4.push_uci(uci)
    assert _probability(model, "Lefty, Lea", "b2b4", after_a4) > 0.5


def test_saving_and_loading_keeps_every_prediction(planted_model, tmp_path):
    model = StyleModel.load(planted_model)
    model.save(tmp_path / "copy")
    again = StyleModel.load(tmp_path / "copy")
    for style in (None, "Lefty, Lea", model.style_vectors[1]):
        assert model.predict(chess.Board(), style=style) == again.predict(
            chess.Board(), style=style
        )
    assert json.loads((planted_model / "players.json").read_text())[0]["task_id"] == 0
    assert (planted_model / "command.txt").read_text().startswith("stylespace ")


def test_new_players_grow_the_table_without_touching_the_others(planted_model):
    model = StyleModel.load(planted_model)
    before = model.style_vectors.clone()
    task = model.set_player("Newcomer, Nia", before[0] * 0.5)
    assert task == 2 and model.style_vectors.shape[0] == 3
    assert torch.equal(model.style_vectors[:2], before)
    assert model.predict(chess.Board(), style="Newcomer, Nia")


def test_play_samples_a_legal_game_in_a_style(planted_model):
    model = StyleModel.load(planted_model)
    board = model.play("Lefty, Lea", max_plies=30, temperature=0.5, seed=3)
    assert 0 < len(board.move_stack) <= 30
    assert chess.Board().variation_san(board.move_stack)


def test_eval_reports_the_contract_fields(planted_store, planted_model, capsys):
    capsys.readouterr()
    code = main(
        [
            "--db",
            str(planted_store),
            "eval",
            "--model",
            str(planted_model),
            "--split",
            "train",
            "--json",
        ]
    )
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"base_top1", "style_top1", "base_top3", "style_top3", "players", "positions"} <= set(
        result
    )
    assert {"network_base_top1", "network_style_top1"} <= set(result)  # without the books
    assert result["players"] == 2
    assert result["style_top1"] > result["base_top1"]
    assert result["network_style_top1"] > result["network_base_top1"]


def test_eval_skips_and_counts_malformed_games(planted_model, tmp_path, capsys):
    pgn = planted_pgn(games_each=5, seed=9)
    broken = pgn.replace("1. a4", "1. a5", 1)
    (tmp_path / "g.pgn").write_text(broken)
    capsys.readouterr()
    assert (
        main(["eval", "--model", str(planted_model), "--games", str(tmp_path / "g.pgn"), "--json"])
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["rejected"] == 1 and result["games_read"] == 10


def _vectors(out: Path) -> torch.Tensor:
    return StyleModel.load(out).style_vectors


def test_a_killed_run_resumes_to_the_same_result(planted_store, tmp_path):
    steps = ("--base-steps", "200", "--style-steps", "200")
    whole = tmp_path / "whole"
    assert train_tiny(planted_store, whole, *steps) == 0

    killed = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "stylespace",
        *tiny_train_args(planted_store, killed),
        *steps,
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = killed / "checkpoint.pt"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if checkpoint.exists() and torch.load(checkpoint, weights_only=False)["stage"] == 2:
            break
        time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (killed / "config.json").exists(), "killed before it finished"
    assert train_tiny(planted_store, killed, *steps, "--resume") == 0
    assert torch.allclose(_vectors(whole), _vectors(killed), atol=1e-6)


def test_resuming_a_finished_run_keeps_its_fingerprints(planted_store, planted_model, tmp_path):
    copy = tmp_path / "finished"
    shutil.copytree(planted_model, copy)
    model = StyleModel.load(copy)
    model.fingerprints[:] = 7.0  # a mark that recomputing would overwrite
    model.save_player_table(copy)
    steps = ("--base-steps", "300", "--style-steps", "400")
    assert train_tiny(planted_store, copy, *steps, "--resume") == 0
    resumed = StyleModel.load(copy)
    assert torch.equal(resumed.style_vectors, model.style_vectors)
    assert bool((resumed.fingerprints == 7.0).all())
    # and how many positions each reference read, so `references` finds nothing to redo
    assert [p.get("reference") for p in resumed.players] == [
        p.get("reference") for p in model.players
    ]
    assert all(p.get("reference") for p in resumed.players if not p.get("enrolled"))


def test_an_existing_run_is_not_overwritten_without_resume(planted_store, planted_model, capsys):
    assert train_tiny(planted_store, planted_model) == 2
    assert "--resume" in capsys.readouterr().err


def test_torchrun_trains_data_parallel_on_two_cpu_processes(planted_store, tmp_path):
    out = tmp_path / "ddp"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "-m",
        "stylespace",
        *tiny_train_args(planted_store, out),
        "--base-steps",
        "30",
        "--style-steps",
        "30",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["world_size"] == 2
    assert StyleModel.load(out).style_vectors.shape[0] == 2


def test_stage_two_can_be_redone_on_the_trained_base(planted_store, planted_model, tmp_path):
    copy = tmp_path / "again"
    shutil.copytree(planted_model, copy)
    assert (copy / "base_stage1.safetensors").exists()
    before = StyleModel.load(copy)
    code = train_tiny(
        planted_store,
        copy,
        "--base-steps",
        "300",
        "--style-steps",
        "100",
        "--resume",
        "--restart-style",
    )
    assert code == 0
    after = StyleModel.load(copy)
    assert all(torch.equal(before.base_state()[k], v) for k, v in after.base_state().items())
    assert not torch.equal(before.style_vectors, after.style_vectors)
    log = json.loads((copy / "metrics.json").read_text())["log"]
    assert [entry["stage"] for entry in log] == [1, 1, 1, 2]  # stage 1 kept, stage 2 anew


def test_stage_two_can_start_from_a_shipped_base_on_a_new_machine(
    planted_store, planted_model, tmp_path, capsys
):
    out = tmp_path / "from-base"  # no run, no checkpoint: only the base network's file
    code = train_tiny(
        planted_store, out, "--base", str(planted_model / "base.safetensors"), "--style-steps", "60"
    )
    assert code == 0
    given = StyleModel.load(planted_model).base_state()
    assert all(torch.equal(given[k], v) for k, v in StyleModel.load(out).base_state().items())
    log = json.loads((out / "metrics.json").read_text())["log"]
    assert {entry["stage"] for entry in log} == {2}  # stage 1 skipped
    capsys.readouterr()
    assert train_tiny(planted_store, tmp_path / "x", "--base", str(tmp_path / "none")) == 2
    assert "no base network at" in capsys.readouterr().err
    assert train_tiny(planted_store, tmp_path / "y", "--base", str(out / "skills.safetensors")) == 2
    assert "is not a base network" in capsys.readouterr().err


def test_stage_two_in_player_grouped_batches_without_routing_noise_learns_the_styles(
    planted_store, planted_model, tmp_path
):
    copy = tmp_path / "grouped"
    shutil.copytree(planted_model, copy)
    options = ["--players-per-batch", "2", "--no-routing-noise", "--routing-lr-scale", "10"]
    code = train_tiny(
        planted_store, copy, "--style-steps", "300", "--resume", "--restart-style", *options
    )
    assert code == 0
    metrics = json.loads((copy / "metrics.json").read_text())
    assert (metrics["players_per_batch"], metrics["routing_noise"]) == (2, False)
    assert metrics["routing_lr_scale"] == 10
    model = StyleModel.load(copy)
    for player, (first, _) in PLANTED.items():
        assert _probability(model, player, first) > 0.7


def test_player_grouped_rows_give_each_chosen_player_an_equal_share():
    owners = np.repeat(np.arange(5), [10, 200, 30, 40, 3])  # very unequal players
    pool = np.flatnonzero(owners != 3)  # player 3's rows are not in this stage's pool
    draw = PlayerGroupedRows(pool, owners, players=2, seed=7)
    rows = draw(step=4, batch=64, rank=0)
    assert len(rows) == 64 and set(rows) <= set(pool)
    counts = np.bincount(owners[rows], minlength=5)
    assert sorted(counts[counts > 0]) == [32, 32] and counts[3] == 0
    assert np.array_equal(rows, draw(step=4, batch=64, rank=0))  # resumable: same step, same rows
    assert not np.array_equal(rows, draw(step=5, batch=64, rank=0))
    assert not np.array_equal(rows, draw(step=4, batch=64, rank=1))


def test_an_elo_never_seen_in_training_reads_as_unknown(planted_model):
    model = StyleModel.load(planted_model)
    assert model.extra_config["known_elo_buckets"] == [0]  # the planted games carry no Elo
    assert model.predict(chess.Board(), elo=1500) == model.predict(chess.Board(), elo=None)
