"""What every part of the `stylespace` command line shares: defaults, the error a user can fix,
printing results (text or `--json`) and argument types."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

DEFAULT_MODEL = Path("models") / "demo"
# training.PRESETS, named without importing torch
PRESET_NAMES = ["tiny", "demo", "demo-gpu", "demo-d96-gpu", "full"]


Handler = Callable[[argparse.Namespace], int]
AddCommand = Callable[[str, Handler, str], argparse.ArgumentParser]


def command_adder(
    subcommands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> AddCommand:
    """A function that adds one subcommand, with `common`'s --db and --json, its handler and its
    one-line help (also its description)."""

    def add(name: str, handler: Handler, text: str) -> argparse.ArgumentParser:
        sub = subcommands.add_parser(name, parents=[common], help=text, description=text)
        sub.set_defaults(handler=handler)
        return sub

    return add


class CommandError(Exception):
    """A problem the user can fix; printed as one line, never as a traceback."""


def emit(args: argparse.Namespace, result: object, text: str) -> None:
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        print(text)


def names_from(values: list[str] | None) -> list[str]:
    """Names given on the command line, or read from @FILE (one a line)."""
    names: list[str] = []
    for value in values or []:
        if value.startswith("@"):
            lines = Path(value[1:]).read_text(encoding="utf-8").splitlines()
            names.extend(
                line.strip() for line in lines if line.strip() and not line.startswith("#")
            )
        else:
            names.append(value)
    return names


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `minimum`, else a usage error that says so
    (a negative --top once printed every player but the last; --top 0, a traceback)."""

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return whole_number


AT_LEAST_0, AT_LEAST_1 = at_least(0), at_least(1)
