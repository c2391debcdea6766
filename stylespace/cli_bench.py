"""`stylespace bench ...`: the benchmarks, each a library call with a one-line summary."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from stylespace.cli_common import (
    AT_LEAST_0,
    AT_LEAST_1,
    DEFAULT_MODEL,
    PRESET_NAMES,
    CommandError,
    command_adder,
    emit,
    names_from,
)
from stylespace.ranking_methods import DEFAULT_METHOD, METHODS
from stylespace.store import GameStore


def _bench_ingest(args: argparse.Namespace) -> int:
    from stylespace.bench_ingest import bench_ingest

    report = bench_ingest(args.file, repeats=args.repeats, batch_size=args.batch_size)
    emit(args, report, report["summary"])
    return 0


def _bench_decoder(args: argparse.Namespace) -> int:
    from stylespace.bench_decoder import compare_decoders

    report = compare_decoders(args.file, limit=args.limit, workers=args.workers)
    emit(args, report, report["summary"])
    return 0 if report["disagreements"] == 0 else 1


def _bench_model(args: argparse.Namespace) -> int:
    from stylespace.bench_model import bench_model

    report = bench_model(args.preset, players=args.players, repeats=args.repeats)
    emit(args, report, report["summary"])
    return 0


def _bench_stylometry(args: argparse.Namespace) -> int:
    from stylespace.bench_stylometry import bench_stylometry
    from stylespace.stylometry import IDENTIFY_SETTINGS

    if len(args.queries) not in (1, len(args.sizes)):
        raise CommandError(
            f"--queries takes one count, or one per size ({len(args.sizes)}), "
            f"not {len(args.queries)}"
        )
    counts = (
        args.queries if len(args.queries) == len(args.sizes) else args.queries * len(args.sizes)
    )
    queries = dict(zip(args.sizes, counts, strict=True))
    report = bench_stylometry(
        args.model,
        args.db,
        sizes=args.sizes,
        from_ply=args.from_ply,
        unseen=names_from(args.exclude_players),
        queries=queries,
        max_players=args.max_players,
        method=args.method,
        seed=args.seed,
        settings=replace(
            IDENTIFY_SETTINGS,
            **{
                k: v
                for k, v in (
                    ("steps", args.steps),
                    ("batch_size", args.batch_size),
                    ("patience", args.patience),
                )
                if v is not None
            },
        ),
    )
    emit(args, report, report["summary"])
    return 0


def _bench_steering(args: argparse.Namespace) -> int:
    from stylespace.steering import save_directions, steering_benchmark
    from stylespace.style_model import StyleModel

    model = StyleModel.load(args.model)
    calibration = {"multipliers": args.multipliers, "budget": args.budget}
    with GameStore(args.db, read_only=True) as store:
        report, directions = steering_benchmark(
            model,
            store,
            players=args.players,
            positions=args.positions,
            seed=args.seed,
            **{name: value for name, value in calibration.items() if value is not None},
        )
    if args.save:
        save_directions(args.model, directions, report)
    passed = sorted(prop for prop, row in report.items() if row["passes"])
    lines = [
        f"{len(passed)} of {len(report)} properties steer monotonically ({args.players} players):"
    ]
    for prop, row in report.items():
        curve = " ".join(f"{v:.3f}" for v in row["mean"])
        lines.append(
            f"  {'pass' if row['passes'] else 'FAIL'} {prop:<20} {curve} "
            f"({row['direction']} x{row['multiplier']:g}, moves change "
            f"{row['move_change']:.4f} nats; players monotone {row['players_monotone']})"
        )
    emit(args, {"passed": passed, "properties": report}, "\n".join(lines))
    return 0


def _bench_interpolation(args: argparse.Namespace) -> int:
    from stylespace.bench_interpolation import interpolation_benchmark
    from stylespace.style_model import StyleModel

    model = StyleModel.load(args.model)
    with GameStore(args.db, read_only=True) as store:
        report = interpolation_benchmark(
            model,
            store,
            pairs=args.pairs,
            min_games=args.min_games,
            positions_per_player=args.positions,
            chosen=[tuple(pair) for pair in args.pair or []],
            weights=args.weights,
            seed=args.seed,
        )
    emit(args, report, report["summary"])
    return 0


def _bench_app(args: argparse.Namespace) -> int:
    from stylespace.bench_app import bench_app

    report = bench_app(args.model, repeats=args.repeats, synthetic_players=args.players)
    emit(args, report, report["summary"])
    return 0


def _bench_identify(args: argparse.Namespace) -> int:
    from stylespace.bench_identify import bench_identify

    report = bench_identify(
        args.model,
        args.db,
        sizes=tuple(args.sizes),
        repeats=args.repeats,
        hidden_openings=tuple(args.hidden_openings),
        hidden_from_ply=args.hidden_from_ply,
    )
    emit(args, report, report["summary"])
    return 0


def add_bench_commands(bench: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """The `bench` command's subcommands; `common` carries --db and --json."""
    benches = command_adder(
        bench.add_subparsers(dest="bench", required=True, metavar="BENCH"), common
    )
    bench_ingest = benches(
        "ingest", _bench_ingest, "Ingest a file into a fresh store: games/s, store size."
    )
    bench_ingest.add_argument("file")
    bench_ingest.add_argument("--repeats", type=AT_LEAST_1, default=3)
    bench_ingest.add_argument("--batch-size", type=AT_LEAST_1, default=20_000)
    bench_decoder = benches(
        "decoder",
        _bench_decoder,
        "Decode every game with the Rust binding and python-chess; compare moves and speed.",
    )
    bench_decoder.add_argument("file")
    bench_decoder.add_argument("--limit", type=AT_LEAST_1, default=None, help="first N games only")
    bench_decoder.add_argument("--workers", type=AT_LEAST_1, default=None)
    bench_model = benches(
        "model", _bench_model, "Training and inference positions/s and peak memory."
    )
    bench_model.add_argument("--preset", choices=PRESET_NAMES, default="demo")
    bench_model.add_argument("--players", type=AT_LEAST_1, default=500)
    bench_model.add_argument("--repeats", type=AT_LEAST_1, default=5)
    bench_stylometry = benches(
        "stylometry",
        _bench_stylometry,
        "Identification top-1/top-5 from 100/20/5 games, beside the opening baseline.",
    )
    bench_stylometry.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    bench_stylometry.add_argument("--sizes", type=AT_LEAST_1, nargs="+", default=[100, 20, 5])
    bench_stylometry.add_argument("--from-ply", type=AT_LEAST_0, default=0)
    bench_stylometry.add_argument(
        "--exclude-players",
        nargs="*",
        default=None,
        metavar="NAME",
        help="players left out of the model's training: enrolled, then identified (names or @FILE)",
    )
    bench_stylometry.add_argument(
        "--queries",
        type=AT_LEAST_1,
        nargs="+",
        default=[2],
        help="disjoint query sets per player: one count, or one per size (the demo build: 1 3 5)",
    )
    bench_stylometry.add_argument("--max-players", type=AT_LEAST_1, default=None)
    bench_stylometry.add_argument(
        "--method", choices=METHODS, default=DEFAULT_METHOD, help="how candidates are ranked"
    )
    bench_stylometry.add_argument("--seed", type=int, default=0)
    bench_stylometry.add_argument("--steps", type=AT_LEAST_1, help="fit steps (identify's default)")
    bench_stylometry.add_argument("--batch-size", type=AT_LEAST_1, help="positions per fit step")
    bench_stylometry.add_argument(
        "--patience", type=AT_LEAST_0, help="early stop checks (0 = never)"
    )
    bench_steering = benches(
        "steering", _bench_steering, "Does steering move each property? Saves the directions."
    )
    bench_steering.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    bench_steering.add_argument("--players", type=AT_LEAST_1, default=8)
    bench_steering.add_argument("--positions", type=AT_LEAST_1, default=512)
    bench_steering.add_argument(
        "--multipliers",
        type=float,
        nargs="+",
        help="reaches tried, in lengths of the delta, smallest first (default 1 2 4 ... 64)",
    )
    bench_steering.add_argument(
        "--budget",
        type=float,
        help="most KL divergence (nats a move) of the steered moves from the player's own "
        "(default 0.01)",
    )
    bench_steering.add_argument("--save", action="store_true", help="write directions into --model")
    bench_steering.add_argument("--seed", type=int, default=0)
    bench_mix = benches(
        "interpolation",
        _bench_interpolation,
        "Does a mix of a weaker and a stronger player play in between? Move matching.",
    )
    bench_mix.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    bench_mix.add_argument(
        "--pairs", type=AT_LEAST_1, default=8, help="weakest with strongest, by Elo"
    )
    bench_mix.add_argument(
        "--min-games", type=AT_LEAST_0, default=40, help="held-out games a player"
    )
    bench_mix.add_argument(
        "--positions", type=AT_LEAST_1, default=2000, help="held-out moves a player"
    )
    bench_mix.add_argument(
        "--pair", nargs=2, action="append", metavar=("FIRST", "SECOND"), help="mix these instead"
    )
    bench_mix.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.25, 0.5, 0.75, 1.0])
    bench_mix.add_argument("--seed", type=int, default=0)
    bench_identify = benches(
        "identify", _bench_identify, "Wall time of the identify command, model load included."
    )
    bench_identify.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    bench_identify.add_argument("--sizes", type=AT_LEAST_1, nargs="+", default=[100, 20])
    bench_identify.add_argument(
        "--hidden-openings",
        type=AT_LEAST_1,
        nargs="*",
        default=[100],
        metavar="SIZE",
        help="query sizes also timed with the openings hidden (none: leave it out)",
    )
    bench_identify.add_argument(
        "--hidden-from-ply", type=AT_LEAST_1, default=30, help="where those queries start"
    )
    bench_identify.add_argument("--repeats", type=AT_LEAST_1, default=3)
    bench_app = benches("app", _bench_app, "Page, slider and map timings of the app, server side.")
    bench_app.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    bench_app.add_argument("--repeats", type=AT_LEAST_1, default=5)
    bench_app.add_argument("--players", type=AT_LEAST_1, default=50_000, help="synthetic map size")
