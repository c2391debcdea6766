"""The opt-out list: players who asked not to be modelled. Ingest, training and the app honour it.

A plain-text file, one player name per line as it appears in PGN tags; blank lines and lines
starting with `#` are ignored; matching ignores case and surrounding spaces.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_OPT_OUT = Path("data") / "opt-out.txt"


def default_opt_out_path() -> Path:
    """`$STYLESPACE_OPT_OUT` when set, else `data/opt-out.txt`."""
    return Path(os.environ.get("STYLESPACE_OPT_OUT") or DEFAULT_OPT_OUT)


def normalise_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def load_opt_out(path: Path | str | None = None) -> frozenset[str]:
    """Normalised names on the opt-out list; empty when the file does not exist."""
    path = Path(path) if path is not None else default_opt_out_path()
    if not path.exists():
        return frozenset()
    names = set()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(normalise_name(line))
    return frozenset(names)


def is_opted_out(name: str, opted_out: frozenset[str]) -> bool:
    return bool(opted_out) and normalise_name(name) in opted_out
