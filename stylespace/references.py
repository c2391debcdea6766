"""Reference fingerprints: every trained player's fingerprint from many of their train positions.

A query's fingerprint reads at most `FINGERPRINT_POSITIONS` (4,096) positions, since it is paid
for at query time; a reference is computed once, so it reads up to `REFERENCE_POSITIONS`. The
fingerprint of a draw of positions is the player's signal plus noise that shrinks with the
draw: two disjoint draws of 4,096 positions of one master agree only to a centred cosine of
0.38, of 8,192 to 0.53, and a reference from 16,384 found the author of 100 test games 96% of
the time among 100 players where one from 4,096 found 68-77% (`bench/results/
reference-positions.md`).

`refresh_references` recomputes the references of a model already built (from the store's
train games), keeping its progress in a work directory so that a stopped run resumes; training
computes them the same way from its shards (`training.add_fingerprints`). Each player's
`reference` entry in the player table records how many positions their reference read.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from stylespace.fingerprints import compute_fingerprint
from stylespace.positions import Positions
from stylespace.progress import progress_bar
from stylespace.style_model import StyleModel

REFERENCE_POSITIONS = 16_384  # about 400 games; a median master of the demo has ~8,500
REFERENCE_SEED = 0
SAVE_EVERY = 5  # players between saves of the work table: at most a few minutes lost


def reference_rows(available: int, cap: int = REFERENCE_POSITIONS) -> np.ndarray:
    """Which of a player's positions their reference reads: all, or `cap` of them drawn
    without replacement (the first `cap` of one fixed permutation), sorted."""
    if available <= cap:
        return np.arange(available)
    order = np.random.default_rng(REFERENCE_SEED).permutation(available)
    return np.sort(order[:cap])


def reference_fingerprint(
    model: StyleModel, positions: Positions, cap: int = REFERENCE_POSITIONS
) -> torch.Tensor:
    """The sketched fingerprint of (up to `cap` of) one player's positions."""
    rows = reference_rows(len(positions), cap)
    return compute_fingerprint(model, positions.subset(rows), max_positions=len(rows)).sketch


def is_current(player: dict, cap: int) -> bool:
    """Whether a player's stored reference already read all it can under `cap`."""
    reference = player.get("reference")
    return bool(reference) and reference["positions"] >= min(cap, reference["available"])


class _WorkTable:
    """The references computed so far, on disk: (players, size) sketches and per player the
    positions read and available (0 where not done yet)."""

    def __init__(self, directory: Path, players: int, size: int, cap: int) -> None:
        self.path = directory / "references.safetensors"
        self.meta = directory / "references.json"
        self.sketches = torch.zeros(players, size)
        self.counts = torch.zeros(players, 2, dtype=torch.int64)  # read, available
        if self.path.exists() and json.loads(self.meta.read_text()).get("cap") == cap:
            stored = load_file(self.path)
            if stored["sketches"].shape == self.sketches.shape:
                self.sketches, self.counts = stored["sketches"], stored["counts"]
        self.directory, self.cap = directory, cap

    def done(self, task: int) -> bool:
        return bool(self.counts[task, 0] > 0)

    def put(self, task: int, sketch: torch.Tensor, read: int, available: int) -> None:
        self.sketches[task] = sketch
        self.counts[task] = torch.tensor([read, available])

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        save_file({"sketches": self.sketches, "counts": self.counts}, self.path)
        self.meta.write_text(json.dumps({"cap": self.cap}))


def refresh_references(
    directory: Path,
    db: Path,
    work: Path,
    cap: int = REFERENCE_POSITIONS,
) -> dict:
    """Recompute the trained players' references from up to `cap` of their train positions.

    Players whose reference is current (`is_current`) are skipped; the others' are computed
    into `work` (saved every `SAVE_EVERY` players, so a stopped run resumes) and written into the
    model's player table only when all are done, so the model never mixes old and new ones.
    Players without train games in `db` keep their reference and are listed.
    """
    from stylespace.authors import author_positions
    from stylespace.store import GameStore

    started = time.perf_counter()
    model = StyleModel.load(directory)
    todo = [p for p in model.players if not p.get("enrolled") and not is_current(p, cap)]
    table = _WorkTable(work, len(model.players), model.fingerprints.shape[1], cap)
    missing = [p for p in todo if not table.done(p["task_id"])]
    unread: list[str] = []
    with GameStore(db, read_only=True) as store:
        games = store.games_by_player(["train"], [p["name"] for p in missing])
    with progress_bar(
        total=len(todo), initial=len(todo) - len(missing), desc="references", unit="player"
    ) as bar:
        for done, player in enumerate(missing, start=1):
            bar.update(1)
            own_games = games.pop(player["name"])
            if not own_games:  # a store without this player's games: their reference stays
                unread.append(player["name"])
                continue
            positions = author_positions(own_games, player["name"], legal_masks=False)
            sketch = reference_fingerprint(model, positions, cap)
            read = min(cap, len(positions))
            table.put(player["task_id"], sketch, read, len(positions))
            if done % SAVE_EVERY == 0:
                table.save()
    table.save()
    todo = [p for p in todo if table.done(p["task_id"])]
    for player in todo:
        task = player["task_id"]
        model.fingerprints[task] = table.sketches[task]
        read, available = (int(n) for n in table.counts[task])
        model.players[task]["reference"] = {"positions": read, "available": available}
    if todo:
        model.save_player_table(directory)
    read = [p["reference"]["positions"] for p in model.players if p.get("reference")]
    return {
        "computed": len(missing) - len(unread),
        "without_train_games": unread,
        "refreshed": len(todo),
        "cap": cap,
        "median_positions": int(np.median(read)) if read else 0,
        "seconds": round(time.perf_counter() - started, 1),
    }
