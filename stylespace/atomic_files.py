"""Files replaced whole or not at all, so that a kill or a full disk part way through saving an
enrolment never leaves a model directory whose files disagree (vectors for one player more than
its names, a half-written table)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRATCH_SUFFIX = ".partial"


@contextmanager
def replaced_together(*targets: Path) -> Iterator[tuple[Path, ...]]:
    """Scratch paths to write the targets' new contents to. When the block ends, every scratch
    file replaces its target, in the order given (renames: the targets are never seen half
    written); when the block fails, the scratch files are removed and the targets kept as
    they were."""
    scratches = tuple(target.with_name(target.name + SCRATCH_SUFFIX) for target in targets)
    try:
        yield scratches
    except BaseException:
        for scratch in scratches:
            if scratch.is_file():
                scratch.unlink()
        raise
    for scratch, target in zip(scratches, targets, strict=True):
        scratch.replace(target)
