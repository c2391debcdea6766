"""The command line: every subcommand has help; the store comes from --db or the environment."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pgn_factory import many_games

from stylespace.cli import build_parser, main


@pytest.mark.parametrize(
    "command",
    [[], ["ingest"], ["players"], ["stats"], ["bench"], ["bench", "ingest"], ["bench", "decoder"]],
)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: stylespace" in capsys.readouterr().out


def test_python_dash_m_runs_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "stylespace", "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("stylespace ")


def test_the_store_path_comes_from_the_environment(tmp_path, monkeypatch, capsys):
    db = tmp_path / "env.duckdb"
    monkeypatch.setenv("STYLESPACE_DB", str(db))
    (tmp_path / "g.pgn").write_text("".join(many_games(3)))
    assert main(["ingest", str(tmp_path / "g.pgn")]) == 0
    assert db.exists()
    capsys.readouterr()
    assert main(["stats", "--json"]) == 0
    assert '"games": 3' in capsys.readouterr().out


def test_json_may_come_before_or_after_the_command(tmp_path, capsys):
    (tmp_path / "g.pgn").write_text("".join(many_games(3)))
    db = str(tmp_path / "s.duckdb")
    main(["--json", "--db", db, "ingest", str(tmp_path / "g.pgn")])
    main(["stats", "--db", db, "--json"])
    first, second = capsys.readouterr().out.splitlines()
    assert first.startswith("{") and second.startswith("{")


def test_the_command_line_offers_exactly_the_training_presets():
    from stylespace.cli_common import PRESET_NAMES
    from stylespace.training import PRESETS

    assert list(PRESETS) == PRESET_NAMES


@pytest.mark.parametrize("name", ["demo-gpu", "demo-d96-gpu"])
def test_a_gpu_preset_for_the_demo_builds_a_network_that_predicts_moves(name):
    import torch

    from stylespace.encoding import N_MOVES
    from stylespace.model import MovePredictor
    from stylespace.training import PRESETS

    preset = PRESETS[name]
    network = MovePredictor(preset.model)
    no_last_move = torch.full((2, 2), 64)
    logits = network(torch.zeros(2, 64, dtype=torch.long), no_last_move, torch.zeros(2))
    assert preset.gpu and logits.shape == (2, N_MOVES)


def test_a_reader_that_goes_away_gets_no_traceback(planted_store):
    # As in `stylespace players | head -1`: the pipe is closed before the command writes.
    command = [sys.executable, "-m", "stylespace", "--db", str(planted_store), "players"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    assert process.wait(timeout=120) == 1
    assert b"Traceback" not in process.stderr.read()
