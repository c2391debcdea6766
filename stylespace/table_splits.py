"""Which splits' games a model's tables of the first 20 moves hold, so that no measurement counts
the games it is measured on.

The opening choices and deep lines (`openings.MoveChoices`) are counts, cheap to remake, and
both identification and the opening books gain from every game behind them. A model is measured
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
KEY = "first_moves_tables_from"  # in config.json; absent: train only


def table_splits(directory: Path | str) -> tuple[str, ...]:
    """The splits whose games the model's first-20-move tables hold."""
    path = Path(directory) / "config.json"
    if not path.exists():
        return TRAIN_ONLY
    return tuple(json.loads(path.read_text()).get(KEY, TRAIN_ONLY))


def record_table_splits(directory: Path | str, splits: tuple[str, ...]) -> None:
    path = Path(directory) / "config.json"
    config = json.loads(path.read_text())
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
