"""A training run's shards travel without their boards and come back identical, so a GPU
machine without the store (or duckdb) can train, and the run finishes where the store is."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stylespace.cli import main
from stylespace.shards import FIELDS, open_shard


def test_a_packed_run_unpacks_to_the_same_shards_at_a_fraction_of_their_size(
    planted_model, tmp_path
):
    shards = planted_model / "shards"
    pack, work = tmp_path / "run.xz", tmp_path / "elsewhere"
    assert main(["pack-shards", "--work", str(planted_model), "--out", str(pack)]) == 0
    assert main(["unpack-shards", str(pack), "--work", str(work), "--workers", "1"]) == 0
    board_bytes = 0
    for split in ("train", "val"):
        original, rebuilt = open_shard(shards / split), open_shard(work / "shards" / split)
        for name in FIELDS:
            assert np.array_equal(original.arrays[name], rebuilt.arrays[name]), (split, name)
        board_bytes += original.arrays["squares"].nbytes
    assert pack.stat().st_size < board_bytes / 20
    assert (work / "shards" / "players.json").read_bytes() == (shards / "players.json").read_bytes()


def test_training_from_unpacked_shards_needs_no_store(planted_model, tmp_path, capsys):
    pack, work = tmp_path / "run.xz", tmp_path / "gpu-run"
    assert main(["pack-shards", "--work", str(planted_model), "--out", str(pack)]) == 0
    assert main(["unpack-shards", str(pack), "--work", str(work)]) == 0
    missing = tmp_path / "no-store.duckdb"
    args = ["train", "--preset", "tiny", "--out", str(work), "--base-steps", "20"]
    code = main(["--db", str(missing), *args, "--style-steps", "20", "--json"])
    assert code == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out.splitlines()[-1])["players"] == len(
        json.loads((work / "shards" / "players.json").read_text())
    )
    assert f"no store at {missing}" in captured.err
    assert not missing.exists()
    assert (work / "style_vectors.safetensors").exists()


def test_a_shard_whose_fields_do_not_follow_from_its_games_is_refused(planted_model, tmp_path):
    from stylespace.shard_pack import pack_shards

    copy = tmp_path / "shards"
    for split in ("train", "val"):
        (copy / split).mkdir(parents=True)
        for source in (planted_model / "shards" / split).iterdir():
            (copy / split / source.name).write_bytes(source.read_bytes())
    (copy / "players.json").write_bytes((planted_model / "shards" / "players.json").read_bytes())
    player = np.load(copy / "train" / "player.npy")
    player[3] = player[1] + 1  # Black's second move made by somebody else
    np.save(copy / "train" / "player.npy", player)
    with pytest.raises(ValueError, match="player"):
        pack_shards(copy, tmp_path / "bad.xz")
