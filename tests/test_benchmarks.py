"""The benchmarks run end to end on small inputs and report what the README quotes."""

from __future__ import annotations

import json

from pgn_factory import many_games

from stylespace.cli import main


def test_bench_ingest_reports_rates_stages_and_size(tmp_path, cli):
    path = tmp_path / "g.pgn"
    path.write_text("".join(many_games(40)))
    code, report = cli("bench", "ingest", str(path), "--repeats", "1", "--json")
    assert code == 0
    assert report["games"] == 40 and report["added"] == 40
    assert report["median_games_per_second"] > 0 and report["store_megabytes"] > 0
    assert set(report["stage_seconds"]) == {"read_split", "decode_check", "store"}


def test_bench_decoder_finds_the_decoders_agree(tmp_path, cli):
    path = tmp_path / "g.pgn"
    bad = many_games(1, start_seed=99)[0].replace("\n1. ", "\n1. Ke2 ", 1)
    path.write_text("".join(many_games(20)) + bad)
    code, report = cli("bench", "decoder", str(path), "--workers", "1", "--json")
    assert code == 0
    assert (report["games"], report["illegal_games"], report["disagreements"]) == (21, 1, 0)


def test_bench_model_times_both_stages_and_inference(cli):
    code, report = cli(
        "bench", "model", "--preset", "tiny", "--players", "10", "--repeats", "1", "--json"
    )
    assert code == 0
    assert report["stage1_train_positions_per_second"] > 0
    assert report["stage2_train_positions_per_second"] > 0
    assert set(report["inference_positions_per_second"]) == {
        "batch1_base",
        "batch1_style",
        "batch256_base",
        "batch256_style",
    }
    assert report["peak_rss_megabytes"] > 0


def test_bench_identify_times_the_whole_command(planted_store, planted_model, capsys):
    capsys.readouterr()
    code = main(
        [
            "--db",
            str(planted_store),
            "bench",
            "identify",
            "--model",
            str(planted_model),
            "--sizes",
            "20",
            "5",
            "--hidden-openings",
            "5",
            "--hidden-from-ply",
            "8",
            "--repeats",
            "1",
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["author"] in ("Lefty, Lea", "Righty, Rob")
    assert report["20"]["positions"] == 20 * 7 and report["5"]["positions"] == 5 * 7
    assert report["5 from ply 8"]["positions"] == 5 * 3  # the author's plies 8, 10 and 12
    # Timings are reported, never compared here: two wall clocks on a shared CI machine race.
    assert report["20"]["median_wall_seconds"] > 0 and report["import_seconds"]["torch"] > 0
    assert report["20"]["engine"] == "onnxruntime"  # a trained model carries its graph
