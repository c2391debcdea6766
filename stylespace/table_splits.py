"""Which splits' games a model's player tables hold, so that no measurement counts the games it
is measured on.

The opening choices, deep lines and pawn structures (`openings.py`) are counts, cheap to remake,
and identification and the opening books gain from every game behind them. A model is measured
with tables of its train games only; a shipped model may then take its players' validation and
test games into those tables too (`build-demo`'s last step), since the games it will meet are
new. From then on, move matching on those splits, the stylometry benchmark (test games) and
the confidence calibration (validation games) would read games the tables hold: they refuse,
and say how to measure.
"""

from __future__ import annotations

import json
from pathlib import Path

TRAIN_ONLY = ("train",)
KEY = "tables_from"  # in config.json; absent: train only
EARLIER_KEY = "first_moves_tables_from"  # the same, when the structures stayed train-only


def table_splits(directory: Path | str) -> tuple[str, ...]:
    """The splits whose games the model's tables hold (at least the openings')."""
    path = Path(directory) / "config.json"
    if not path.exists():
        return TRAIN_ONLY
    config = json.loads(path.read_text())
    return tuple(config.get(KEY, config.get(EARLIER_KEY, TRAIN_ONLY)))


def record_table_splits(directory: Path | str, splits: tuple[str, ...]) -> None:
    path = Path(directory) / "config.json"
    config = json.loads(path.read_text())
    config.pop(EARLIER_KEY, None)
    if tuple(splits) == TRAIN_ONLY:
        config.pop(KEY, None)
    else:
        config[KEY] = list(splits)
    path.write_text(json.dumps(config, indent=2))


def check_held_out(directory: Path | str, split: str, measurement: str) -> None:
    """Raise a ValueError that says what to do when `measurement` would read `split`'s games
    and the model's tables hold them."""
    held = table_splits(directory)
    if split != "train" and split in held:
        raise ValueError(
            f"{measurement} reads the {split} games, and the opening tables of {directory} hold "
            f"them ({', '.join(held)}): the figures would count the games they are measured "
            "on. Measure a copy with train-only tables: `cp -r "
            f"{directory} /tmp/train-only && stylespace repertoires --model /tmp/train-only` "
            "(3 minutes for the demo), then measure /tmp/train-only"
        )
