"""The `stylespace` command line: one subcommand per job, `--json` for machine-readable results."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from stylespace import __version__
from stylespace.optout import default_opt_out_path, load_opt_out
from stylespace.store import GameStore, default_db_path


class CommandError(Exception):
    """A problem the user can fix; printed as one line, never as a traceback."""


def _emit(args: argparse.Namespace, result: object, text: str) -> None:
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        print(text)


def _cmd_ingest(args: argparse.Namespace) -> int:
    from stylespace.ingest import ingest

    opted_out = load_opt_out(args.opt_out)
    with GameStore(args.db) as store:
        summary = ingest(args.paths, store, opted_out=opted_out, batch_size=args.batch_size)
    for path, why in summary.unreadable.items():
        print(f"stylespace: cannot read {path}: {why}", file=sys.stderr)
    _emit(args, asdict(summary), summary.line())
    if summary.added + summary.duplicates + summary.opted_out == 0:
        print("stylespace: no readable game in the input", file=sys.stderr)
        return 1
    return 0


def _cmd_players(args: argparse.Namespace) -> int:
    with GameStore(args.db, read_only=True) as store:
        rows = store.players(min_games=args.min_games, search=args.search, limit=args.limit)
    if args.json:
        _emit(args, [asdict(row) for row in rows], "")
        return 0
    print(f"{'player':<36} {'games':>6} {'white':>6} {'black':>6} {'mean Elo':>8}  years")
    for row in rows:
        elo = f"{row.mean_elo:.0f}" if row.mean_elo is not None else "-"
        years = f"{(row.first_date or '?')[:4]}-{(row.last_date or '?')[:4]}"
        print(
            f"{row.name[:36]:<36} {row.games:>6} {row.as_white:>6} {row.as_black:>6} "
            f"{elo:>8}  {years}"
        )
    print(f"{len(rows)} players with >= {args.min_games} games")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    with GameStore(args.db, read_only=True) as store:
        counts = store.counts()
    splits = ", ".join(f"{k} {v:,}" for k, v in counts["splits"].items())  # type: ignore[union-attr]
    _emit(
        args,
        {"db": str(args.db), **counts},
        f"{args.db}: {counts['games']:,} games ({splits}), {counts['players']:,} players, "
        f"{counts['rejected']:,} rejected games on record",
    )
    return 0


def _cmd_bench_ingest(args: argparse.Namespace) -> int:
    from stylespace.bench_ingest import bench_ingest

    report = bench_ingest(args.file, repeats=args.repeats, batch_size=args.batch_size)
    _emit(args, report, report["summary"])
    return 0


def _cmd_bench_decoder(args: argparse.Namespace) -> int:
    from stylespace.bench_decoder import compare_decoders

    report = compare_decoders(args.file, limit=args.limit, workers=args.workers)
    _emit(args, report, report["summary"])
    return 0 if report["disagreements"] == 0 else 1


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="game store file")
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    parser = argparse.ArgumentParser(
        prog="stylespace",
        description="Learn, explore and identify individual playing styles.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"stylespace {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], text: str):
        sub = commands.add_parser(name, parents=[common], help=text, description=text)
        sub.set_defaults(handler=handler)
        return sub

    ingest = command(
        "ingest", _cmd_ingest, "Read PGN games (.pgn, .pgn.gz, .pgn.zst, -) into the store."
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="PGN file, or - for stdin")
    ingest.add_argument(
        "--opt-out",
        type=Path,
        default=None,
        help="opt-out list, one name a line "
        f"(default: $STYLESPACE_OPT_OUT or {default_opt_out_path()})",
    )
    ingest.add_argument("--batch-size", type=int, default=20_000, help="games per commit")

    players = command("players", _cmd_players, "List players in the store, most games first.")
    players.add_argument("--min-games", type=int, default=1)
    players.add_argument("--search", default=None, help="part of a name, case-insensitive")
    players.add_argument("--limit", type=int, default=None)

    command("stats", _cmd_stats, "Games, players, splits and rejected games in the store.")

    bench = command("bench", lambda _: 2, "Benchmarks.")
    benches = bench.add_subparsers(dest="bench", required=True, metavar="BENCH")
    bench_ingest = benches.add_parser(
        "ingest", parents=[common], help="Ingest a file into a fresh store: games/s, store size."
    )
    bench_ingest.set_defaults(handler=_cmd_bench_ingest)
    bench_ingest.add_argument("file")
    bench_ingest.add_argument("--repeats", type=int, default=3)
    bench_ingest.add_argument("--batch-size", type=int, default=20_000)
    bench_decoder = benches.add_parser(
        "decoder",
        parents=[common],
        help="Decode every game with the Rust binding and python-chess; compare moves and speed.",
    )
    bench_decoder.set_defaults(handler=_cmd_bench_decoder)
    bench_decoder.add_argument("file")
    bench_decoder.add_argument("--limit", type=int, default=None, help="first N games only")
    bench_decoder.add_argument("--workers", type=int, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.db = getattr(args, "db", None) or default_db_path()
    args.json = getattr(args, "json", False)
    try:
        return args.handler(args)
    except (CommandError, FileNotFoundError, ValueError) as error:
        print(f"stylespace: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stylespace: interrupted; committed work is kept, rerun to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
