"""Identify without torch: the exported gradient graph gives autograd's fingerprint, the numpy
player table reads what the model reads, and the command line ranks as the torch path does
while never importing torch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
from planted import PLANTED, planted_pgn

from stylespace.cli import main
from stylespace.fingerprint_graph import export_fingerprint_graph
from stylespace.fingerprints import compute_fingerprint
from stylespace.game_files import read_game_file
from stylespace.graph_fingerprints import GRAPH_FILE, GraphFingerprinter
from stylespace.model import ModelConfig
from stylespace.player_table import PlayerTable
from stylespace.positions import collect_positions
from stylespace.style_model import StyleModel


def _positions(tmp_path, games_each: int = 80):
    path = tmp_path / "lea.pgn"
    path.write_text(
        planted_pgn(games_each=games_each, seed=4, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    games = read_game_file(str(path)).games
    return collect_positions(
        games, lambda name: 0 if name == "Lefty, Lea" else None, legal_masks=False
    )


def _relative_gap(found, expected) -> float:
    found, expected = np.asarray(found), np.asarray(expected)
    return float(np.abs(found - expected).max() / np.abs(expected).max())


def test_the_graph_gives_autograds_fingerprint_and_style_gradient(planted_model, tmp_path):
    positions = _positions(tmp_path)  # 560 moves: two batches, the second one short
    model = StyleModel.load(planted_model)
    expected = compute_fingerprint(model, positions, seed=3)
    table = PlayerTable.load(planted_model)
    graph = GraphFingerprinter(planted_model, table.trained_mean)
    found = graph(positions, seed=3)
    assert found.positions == expected.positions == len(positions)
    assert _relative_gap(found.sketch, expected.sketch) < 1e-4
    assert _relative_gap(found.style_gradient, expected.style_gradient) < 1e-4
    # and where a caller stops the reading, both stop after the same positions
    stopped = graph(positions, seed=3, settled=lambda _: True)
    assert (
        stopped.positions
        == compute_fingerprint(model, positions, seed=3, settled=lambda _: True).positions
        == 512
    )


def test_the_player_table_reads_what_the_model_reads(planted_model):
    model, table = StyleModel.load(planted_model), PlayerTable.load(planted_model)
    assert table.player_names() == model.player_names()
    assert np.array_equal(table.style_vectors, model.style_vectors.numpy())
    assert np.allclose(table.trained_mean, model.trained_mean.numpy())
    assert np.allclose(table.fingerprint_centre, model.fingerprint_centre.numpy())
    assert np.array_equal(table.game_embedding.profiles, model.game_embedding.profiles)
    assert (table.repertoires.counts != model.repertoires.counts).nnz == 0


def _identify_in_a_fresh_process(*args: str) -> dict:
    """The identify command in its own interpreter: its JSON and whether torch or DuckDB (the
    store, which identify never opens) got imported."""
    script = (
        "import contextlib, io, json, sys\n"
        "from stylespace.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = main({list(args)!r})\n"
        "print(json.dumps({'code': code, 'result': json.loads(out.getvalue()),"
        " 'torch': 'torch' in sys.modules, 'duckdb': 'duckdb' in sys.modules}))\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(ran.stdout)


def test_identify_runs_without_torch_and_ranks_as_the_torch_path_does(
    planted_model, tmp_path, capsys
):
    query = tmp_path / "rob.pgn"
    query.write_text(
        planted_pgn(games_each=20, seed=78, players={"Righty, Rob": PLANTED["Righty, Rob"]})
    )
    common = ["identify", "--model", str(planted_model), "--games", str(query), "--json"]
    fast = _identify_in_a_fresh_process(*common)
    assert fast["code"] == 0 and not fast["torch"] and not fast["duckdb"]
    assert fast["result"]["engine"] == "onnxruntime"
    capsys.readouterr()
    assert main([*common, "--engine", "torch"]) == 0
    slow = json.loads(capsys.readouterr().out)
    assert slow["engine"] == "torch"
    assert [c["player"] for c in fast["result"]["candidates"]] == [
        c["player"] for c in slow["candidates"]
    ]
    assert fast["result"]["candidates"][0]["player"] == "Righty, Rob"
    for one, other in zip(fast["result"]["candidates"], slow["candidates"], strict=True):
        assert abs(one["score"] - other["score"]) < 1e-3
    assert fast["result"]["confidence"] == slow["confidence"]


def test_a_model_without_its_graph_identifies_with_torch_until_the_graph_is_written(
    planted_model, tmp_path, capsys
):
    model = tmp_path / "model"
    shutil.copytree(planted_model, model)
    (model / GRAPH_FILE).unlink()
    query = tmp_path / "lea.pgn"
    query.write_text(
        planted_pgn(games_each=5, seed=79, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    common = ["identify", "--model", str(model), "--games", str(query), "--json"]
    capsys.readouterr()
    assert main(common) == 0
    assert json.loads(capsys.readouterr().out)["engine"] == "torch"
    assert main([*common, "--engine", "onnxruntime"]) != 0
    assert "stylespace export-graph" in capsys.readouterr().err
    assert main(["export-graph", "--model", str(model), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bytes"] > 0
    assert main(common) == 0
    assert json.loads(capsys.readouterr().out)["engine"] == "onnxruntime"
    assert main([*common, "--method", "similarity", "--engine", "onnxruntime"]) != 0
    assert "--method fused" in capsys.readouterr().err


def test_a_graph_that_does_not_fit_the_model_is_reported_and_torch_identifies(
    planted_model, tmp_path, capsys
):
    model = tmp_path / "model"
    shutil.copytree(planted_model, model)
    query = tmp_path / "lea.pgn"
    query.write_text(
        planted_pgn(games_each=5, seed=80, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    common = ["identify", "--model", str(model), "--games", str(query), "--json"]
    other_network = ModelConfig(d_model=32, n_layers=1, n_heads=2, mlp_ratio=2, head_dim=16)
    for break_it in (
        lambda: export_fingerprint_graph(other_network, model),  # a stale graph
        lambda: (model / GRAPH_FILE).write_bytes(b"not a graph"),  # a damaged file
    ):
        break_it()
        capsys.readouterr()
        assert main(common) == 0
        captured = capsys.readouterr()
        result = json.loads(captured.out)
        assert result["engine"] == "torch" and result["candidates"][0]["player"] == "Lefty, Lea"
        assert "could not be used" in captured.err and "export-graph" in captured.err
        assert main([*common, "--engine", "onnxruntime"]) != 0
        assert "could not be used" in capsys.readouterr().err
