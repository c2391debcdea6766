"""The `stylespace` command line: one subcommand per job, `--json` for machine-readable results.
The commands live with their kind: `cli_store`, `cli_stylometry`, `cli_explore`, `cli_training`
and `cli_bench`; this module puts them together and runs one."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from stylespace import __version__
from stylespace.cli_bench import add_bench_commands
from stylespace.cli_common import CommandError, command_adder
from stylespace.cli_explore import add_explore_commands
from stylespace.cli_store import add_store_commands
from stylespace.cli_stylometry import add_stylometry_commands
from stylespace.cli_training import add_training_commands
from stylespace.game_files import UnreadableGames
from stylespace.store import default_db_path


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

    command = command_adder(commands, common)
    add_store_commands(command)
    add_stylometry_commands(command)
    add_explore_commands(command)
    add_training_commands(command)
    add_bench_commands(command("bench", lambda _: 2, "Benchmarks."), common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    args.db = getattr(args, "db", None) or default_db_path()
    args.json = getattr(args, "json", False)
    try:
        return args.handler(args)
    except (CommandError, UnreadableGames, FileNotFoundError, KeyError, ValueError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"stylespace: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stylespace: interrupted; committed work is kept, rerun to continue", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`stylespace identify ... | head`): nothing left to tell it.
        # Python's own advice: point stdout at devnull, so the exit flush does not fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:  # a full disk, a read-only or odd directory: said, not a traceback
        where = f": {error.filename}" if error.filename else ""
        print(f"stylespace: {error.strerror or error}{where}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
