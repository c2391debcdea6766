"""Reference fingerprints read many more of a player's positions than a query may, and an
older model is upgraded to them resumably, all at once."""

from __future__ import annotations

import json
import shutil

import numpy as np
import torch
from planted import PLANTED, planted_pgn
from safetensors.torch import load_file

from stylespace.authors import author_positions
from stylespace.cli import main
from stylespace.fingerprints import compute_fingerprint
from stylespace.game_files import read_game_file
from stylespace.references import REFERENCE_POSITIONS, reference_fingerprint, reference_rows
from stylespace.sketch import FINGERPRINT_POSITIONS
from stylespace.store import GameStore
from stylespace.style_model import StyleModel
from stylespace.stylometry import enroll


def test_a_reference_reads_every_position_up_to_its_cap_and_a_fixed_draw_beyond():
    assert REFERENCE_POSITIONS >= 4 * FINGERPRINT_POSITIONS
    assert np.array_equal(reference_rows(300, cap=500), np.arange(300))
    drawn = reference_rows(2_000, cap=500)
    assert len(np.unique(drawn)) == 500 and np.all(np.diff(drawn) > 0)
    assert np.array_equal(drawn, reference_rows(2_000, cap=500))  # the same on every run
    assert set(reference_rows(2_000, cap=500)) <= set(reference_rows(2_000, cap=800))


def _older_copy(planted_model, tmp_path):
    """The planted model as built before references had their own cap: no `reference` entries."""
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir, ignore=shutil.ignore_patterns("shards"))
    players = json.loads((model_dir / "players.json").read_text())
    for player in players:
        player.pop("reference", None)
    (model_dir / "players.json").write_text(json.dumps(players))
    return model_dir


def _run(capsys, *args: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(list(args))
    return code, json.loads(capsys.readouterr().out)


def test_the_references_command_recomputes_every_trained_players_reference_from_the_store(
    planted_model, planted_store, tmp_path, capsys
):
    model_dir, work = _older_copy(planted_model, tmp_path), tmp_path / "work"
    command = ["--db", str(planted_store), "references", "--model", str(model_dir)]
    command += ["--positions", "500", "--work", str(work), "--json"]

    code, result = _run(capsys, *command)
    assert code == 0 and result["refreshed"] == result["computed"] == len(PLANTED)
    model = StyleModel.load(model_dir)
    with GameStore(planted_store, read_only=True) as store:
        games = store.games_by_player(["train"], ["Lefty, Lea"])["Lefty, Lea"]
    positions = author_positions(games, "Lefty, Lea", legal_masks=False)
    lea = model.players[model.task_id("Lefty, Lea")]
    assert (
        lea["reference"] == {"positions": 500, "available": len(positions)} and len(positions) > 500
    )
    expected = compute_fingerprint(model, positions.subset(reference_rows(len(positions), 500)))
    assert torch.allclose(model.fingerprints[lea["task_id"]], expected.sketch, atol=1e-6)

    code, again = _run(capsys, *command)  # current now: nothing to do
    assert code == 0 and again["refreshed"] == again["computed"] == 0


def test_a_stopped_refresh_resumes_from_its_work_table_and_only_then_touches_the_model(
    planted_model, planted_store, tmp_path, capsys
):
    first, work = _older_copy(planted_model, tmp_path), tmp_path / "work"
    command = ["--db", str(planted_store), "references", "--positions", "500", "--json"]
    assert _run(capsys, *command, "--model", str(first), "--work", str(work))[0] == 0
    finished = load_file(work / "references.safetensors")
    assert (finished["counts"][:, 0] > 0).sum() == len(PLANTED)

    second = _older_copy(planted_model, tmp_path / "again")  # as if the first had been stopped
    code, result = _run(capsys, *command, "--model", str(second), "--work", str(work))
    assert code == 0 and result["refreshed"] == len(PLANTED) and result["computed"] == 0
    assert torch.equal(StyleModel.load(second).fingerprints, StyleModel.load(first).fingerprints)

    other_cap = ["--model", str(_older_copy(planted_model, tmp_path / "cap")), "--work", str(work)]
    code, result = _run(
        capsys, "--db", str(planted_store), "references", "--positions", "400", "--json", *other_cap
    )
    assert code == 0 and result["computed"] == len(PLANTED)  # another cap: nothing reused


def test_an_enrolled_players_reference_is_read_like_a_trained_players(planted_model, tmp_path):
    path = tmp_path / "lea.pgn"
    path.write_text(
        planted_pgn(games_each=130, seed=8, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    games = read_game_file(str(path)).games
    model = StyleModel.load(planted_model)
    enroll(model, games, "Lefty, Lea", label="Lea again")
    positions = author_positions(games, "Lefty, Lea")
    again = model.players[model.task_id("Lea again")]
    assert again["reference"] == {"positions": len(positions), "available": len(positions)}
    expected = reference_fingerprint(model, positions)
    assert torch.allclose(model.fingerprints[again["task_id"]], expected, atol=1e-6)
