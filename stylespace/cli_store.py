"""`stylespace ingest | players | stats | properties`: the game store's commands (`players
--model` lists a model's players instead)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from stylespace.cli_common import (
    AT_LEAST_0,
    AT_LEAST_1,
    AddCommand,
    CommandError,
    emit,
)
from stylespace.optout import default_opt_out_path, load_opt_out
from stylespace.store import GameStore


def _cmd_ingest(args: argparse.Namespace) -> int:
    from stylespace.ingest import ingest

    opted_out = load_opt_out(args.opt_out)
    with GameStore(args.db) as store:
        summary = ingest(args.paths, store, opted_out=opted_out, batch_size=args.batch_size)
    for path, why in summary.unreadable.items():
        print(f"stylespace: cannot read {path}: {why}", file=sys.stderr)
    for path, why in summary.incomplete.items():
        print(f"stylespace: {path}: {why}", file=sys.stderr)
    emit(args, asdict(summary), summary.line())
    if summary.added + summary.duplicates + summary.opted_out == 0:
        print("stylespace: no readable game in the input", file=sys.stderr)
        return 1
    return 0


def _cmd_players(args: argparse.Namespace) -> int:
    if args.model is not None:
        return _model_players(args)
    with GameStore(args.db, read_only=True) as store:
        rows = store.players(min_games=args.min_games, search=args.search, limit=args.limit)
    if args.json:
        emit(args, [asdict(row) for row in rows], "")
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


def _model_players(args: argparse.Namespace) -> int:
    """`players --model DIR`: the players a model knows, with the same filters."""
    from stylespace.player_table import model_roster

    needle = (args.search or "").casefold()
    rows = [
        row
        for row in model_roster(args.model, load_opt_out(args.opt_out))
        if needle in row["player"].casefold() and (row["games"] or 0) >= args.min_games
    ][: args.limit]
    if args.json:
        emit(args, rows, "")
        return 0
    print(f"{'player':<36} {'kind':<8} {'games':>6} {'mean Elo':>8}  years")
    for row in rows:
        elo = f"{row['mean_elo']:.0f}" if row["mean_elo"] is not None else "-"
        years = f"{row['first_year'] or '?'}-{row['last_year'] or '?'}"
        games = row["games"] if row["games"] is not None else "-"
        print(f"{row['player'][:36]:<36} {row['kind']:<8} {games:>6} {elo:>8}  {years}")
    enrolled = sum(row["kind"] == "enrolled" for row in rows)
    print(f"{len(rows)} players of {args.model} ({enrolled} enrolled)")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    with GameStore(args.db, read_only=True) as store:
        counts = store.counts()
    splits = ", ".join(f"{k} {v:,}" for k, v in counts["splits"].items())  # type: ignore[union-attr]
    emit(
        args,
        {"db": str(args.db), **counts},
        f"{args.db}: {counts['games']:,} games ({splits}), {counts['players']:,} players, "
        f"{counts['rejected']:,} rejected games on record",
    )
    return 0


def _cmd_properties(args: argparse.Namespace) -> int:
    from stylespace.properties import PROPERTIES, RECORD_PROPERTIES, compute_store_properties

    if args.compute:
        with GameStore(args.db) as store:
            compute_store_properties(store, args.min_games, workers=args.workers)
    with GameStore(args.db, read_only=True) as store:
        found = store.properties([args.player] if args.player else None)
    if args.player and not found:
        raise CommandError(
            f"no properties for {args.player!r}: check the name, or run with --compute"
        )
    labels = {**PROPERTIES, **RECORD_PROPERTIES}
    lines = [f"{len(found)} players with properties"]
    if args.player:
        lines = [args.player] + [
            f"  {labels.get(k, (k,))[0]:<20} {v:8.3f}"
            for k, v in sorted(found[args.player].items())
        ]
    emit(args, found, "\n".join(lines))
    return 0


def add_store_commands(command: AddCommand) -> None:
    """The game store's commands: reading games in and what they hold."""
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
    ingest.add_argument("--batch-size", type=AT_LEAST_1, default=20_000, help="games per commit")

    players = command(
        "players",
        _cmd_players,
        "List players in the store (or, with --model, a model's), most games first.",
    )
    players.add_argument(
        "--model", type=Path, default=None, help="list this model's players instead of the store's"
    )
    players.add_argument(
        "--opt-out", type=Path, default=None, help="opt-out list (with --model; default: as ingest)"
    )
    players.add_argument("--min-games", type=AT_LEAST_0, default=1)
    players.add_argument("--search", default=None, help="part of a name, case-insensitive")
    players.add_argument("--limit", type=AT_LEAST_1, default=None)

    command("stats", _cmd_stats, "Games, players, splits and rejected games in the store.")

    props = command("properties", _cmd_properties, "Style properties per player, from their games.")
    props.add_argument("--compute", action="store_true", help="(re)compute them from the store")
    props.add_argument(
        "--min-games", type=AT_LEAST_0, default=20, help="players with this many games"
    )
    props.add_argument("--player", default=None, help="show one player")
    props.add_argument("--workers", type=AT_LEAST_1, default=2)
