"""Progress bars that show on a terminal and stay quiet in pipes, logs and CI."""

from __future__ import annotations

import sys

from tqdm import tqdm


def progress_bar(total: float | None = None, desc: str = "", unit: str = "it", **kwargs) -> tqdm:
    """A tqdm bar on stderr, disabled when stderr is not a terminal."""
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        dynamic_ncols=True,
        **kwargs,
    )
