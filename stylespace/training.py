"""Training, top to bottom: shards, stage 1 (base), stage 2 (skills + style vectors), artifact.

Stage 1 trains the base move predictor on every train-split position. Stage 2 freezes it, attaches
the MHR skills and trains them with one routing vector per player on that player's positions; the
routing logits learn at twice the skills' rate. Everything resumes: shards are rebuilt only when
incomplete, and `checkpoint.pt` (written atomically every `checkpoint_every` steps and at each
stage's end) holds the weights, optimiser, step and random state. Batches are a deterministic
function of (seed, step), so a resumed run repeats the uninterrupted one.

Under `torchrun --nproc_per_node N` the same code trains data-parallel (gloo on CPU, nccl on GPU):
rank r reads the r-th slice of each step's rows, and only rank 0 writes files.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch.nn.parallel import DistributedDataParallel

from stylespace.encoding import N_ELO_BUCKETS, trained_elo_buckets
from stylespace.fingerprint_graph import write_graph
from stylespace.game_embedding import (
    EMBEDDING_SETTINGS,
    EMBEDDING_SIZE,
    EmbeddingSettings,
    GameEmbedding,
    game_bags,
    train_token_vectors,
)
from stylespace.model import ModelConfig, MovePredictor
from stylespace.openings import game_repertoires, repertoire_tokens
from stylespace.optout import is_opted_out, load_opt_out
from stylespace.placeholders import is_placeholder_name
from stylespace.player_table import OPENING_TABLES
from stylespace.progress import progress_bar
from stylespace.references import reference_fingerprint, reference_rows
from stylespace.shards import GameRecord, Shard, build_shard, open_shard
from stylespace.style_adapters import StyleConfig
from stylespace.style_model import StyleModel
from stylespace.table_splits import TRAIN_ONLY, record_table_splits

# An Elo bucket with fewer training positions than this reads as the nearest one with enough.
MIN_ELO_BUCKET_POSITIONS = 10_000


@dataclass(frozen=True)
class Preset:
    """A named training recipe: network sizes, steps, batch and learning rates."""

    model: ModelConfig
    style: StyleConfig
    batch_size: int
    base_steps: int
    style_steps: int
    base_lr: float
    style_lr: float
    min_games: int
    eval_every: int
    checkpoint_every: int
    eval_positions: int
    warmup_steps: int = 200
    weight_decay: float = 0.01
    routing_lr_scale: float = 2.0  # style vectors' learning rate over the skills' (paper: 2)
    routing_noise: bool = True  # peft's relaxed-Bernoulli skill sampling while training
    players_per_batch: int = 0  # stage 2: batches of this many players' positions (0: any rows)
    embedding_steps: int = 3_000  # the game embedding's (`game_embedding.py`), after the skills
    gpu: bool = False  # both stages meant for a GPU (`bench/gpu_train.sh`), the rest here


_DEMO = Preset(
    model=ModelConfig(d_model=64, n_layers=4, n_heads=4, mlp_ratio=2, head_dim=32),
    style=StyleConfig(n_skills=16, n_splits=8, rank=4),
    batch_size=512,
    base_steps=14_000,
    style_steps=4_000,
    base_lr=2e-3,
    style_lr=2e-3,
    min_games=100,
    eval_every=1_000,
    checkpoint_every=250,
    eval_positions=20_000,
)  # fits the 2-core CPU budget (~2.5 h) on the master games; see the README for its figures

_DEMO_GPU = replace(
    _DEMO,
    batch_size=2048,
    base_steps=40_000,
    style_steps=6_000,
    base_lr=3e-3,
    eval_every=5_000,
    checkpoint_every=2_000,
    eval_positions=50_000,
    warmup_steps=1_000,
    gpu=True,
)

PRESETS = {
    # Seconds on a laptop CPU: for tests and smoke runs.
    "tiny": Preset(
        model=ModelConfig(d_model=32, n_layers=2, n_heads=2, mlp_ratio=2, head_dim=16),
        style=StyleConfig(n_skills=4, n_splits=2, rank=2),
        batch_size=64,
        base_steps=300,
        style_steps=300,
        base_lr=3e-3,
        style_lr=1e-2,
        min_games=5,
        eval_every=100,
        checkpoint_every=100,
        eval_positions=2_000,
        warmup_steps=20,
        embedding_steps=200,
    ),
    "demo": _DEMO,
    # The demo's network (so `identify` keeps its CPU speed) trained on a GPU: 4.5 epochs of
    # stage 1, one epoch of the players' positions in stage 2: 11 + 8 minutes on one H100.
    # `stylespace pack-shards` here, `bench/gpu_train.sh` there (README).
    "demo-gpu": _DEMO_GPU,
    # The next network: d96 x 6 keeps `identify` within its time on the 2-core CPU (5.4 s for
    # 100 games, 3.0 s for 20: `bench/results/size-headroom.md`) at 2.3 times the demo's work
    # per position, so the same recipe takes about 45 H100 minutes, resumable.
    "demo-d96-gpu": replace(
        _DEMO_GPU,
        model=ModelConfig(d_model=96, n_layers=6, n_heads=4, mlp_ratio=2, head_dim=48),
    ),
    # For a GPU.
    "full": Preset(
        model=ModelConfig(d_model=256, n_layers=8, n_heads=8, mlp_ratio=4, head_dim=64),
        style=StyleConfig(n_skills=32, n_splits=8, rank=8),
        batch_size=1024,
        base_steps=150_000,
        style_steps=40_000,
        base_lr=1e-3,
        style_lr=2e-3,
        min_games=50,
        eval_every=5_000,
        checkpoint_every=2_000,
        eval_positions=100_000,
        warmup_steps=2_000,
    ),
}


@dataclass
class TrainRequest:
    """What `stylespace train` was asked to do."""

    out: Path
    preset: str
    db: Path
    min_games: int | None = None
    device: str = "cpu"
    resume: bool = False
    seed: int = 0
    base_steps: int | None = None
    style_steps: int | None = None
    routing_lr_scale: float | None = None
    routing_noise: bool | None = None
    players_per_batch: int | None = None
    exclude_players: list[str] = field(default_factory=list)  # left out of both stages entirely
    restart_style: bool = False  # keep the trained base, train stage 2 from scratch
    base: Path | None = None  # a trained base network (safetensors): stage 1 is skipped
    opt_out: Path | None = None
    workers: int | None = None
    command: str = ""


# --- distributed helpers ----------------------------------------------------------------------


def _distributed() -> tuple[int, int]:
    """(rank, world size); initialises the process group under torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)


def _is_main() -> bool:
    return not dist.is_initialized() or dist.get_rank() == 0


def _barrier() -> None:
    if dist.is_initialized():
        dist.barrier()


# --- data -------------------------------------------------------------------------------------


def _players_and_shards(request: TrainRequest, preset: Preset) -> tuple[list[dict], Shard, Shard]:
    """Choose the modelled players, then encode train and validation positions (once)."""
    min_games = request.min_games if request.min_games is not None else preset.min_games
    opted_out = load_opt_out(request.opt_out)
    excluded = {name.casefold() for name in request.exclude_players}
    shard_root = request.out / "shards"
    players_file = shard_root / "players.json"
    if _is_main() and not players_file.exists():
        from stylespace.store import GameStore  # here only: unpacked shards need no database

        with GameStore(request.db, read_only=True) as store:
            counts = store.player_game_counts("train")
            names = modelled_players(counts, min_games, opted_out, excluded)
            players = [
                {"name": name, "task_id": task, "train_games": counts[name]}
                for task, name in enumerate(names)
            ]
            task_of = {p["name"]: p["task_id"] for p in players}
            for split in ("train", "val"):
                records = [
                    GameRecord(moves, task_of.get(white, -1), task_of.get(black, -1), we, be)
                    for _, moves, white, black, we, be in store.training_games([split])
                    if not any(
                        is_opted_out(name, opted_out) or name.casefold() in excluded
                        for name in (white, black)
                    )
                ]
                build_shard(
                    records, shard_root / split, workers=request.workers, desc=f"encode {split}"
                )
        shard_root.mkdir(parents=True, exist_ok=True)
        players_file.write_text(json.dumps(players, ensure_ascii=False, indent=1))
    _barrier()
    players = json.loads(players_file.read_text())
    return players, open_shard(shard_root / "train"), open_shard(shard_root / "val")


@functools.lru_cache(maxsize=2)
def _epoch_order(size: int, seed: int, epoch: int) -> np.ndarray:
    """The shuffle of one epoch; cached, since drawing 18M numbers takes half a second."""
    return np.random.default_rng([seed, epoch]).permutation(size)


def _step_rows(
    pool: np.ndarray, step: int, batch: int, seed: int, rank: int, world: int
) -> np.ndarray:
    """The rows this rank trains on at `step`: a fixed shuffle per epoch, read in order."""
    start = step * batch * world + rank * batch
    epoch, offset = divmod(start, len(pool))
    rows = _epoch_order(len(pool), seed, epoch)[offset : offset + batch]
    if len(rows) < batch:  # wrap into the next epoch
        rows = np.concatenate([rows, _epoch_order(len(pool), seed, epoch + 1)[: batch - len(rows)]])
    return pool[rows]


class PlayerGroupedRows:
    """Stage-2 batches of a few players with many positions each, drawn afresh every step.

    A uniform batch gives each of hundreds of players about one position per step, so a style
    vector's gradient is mostly noise; a few players with many positions each give every chosen
    vector a gradient worth following (as enrolment has). Players are drawn uniformly, so players
    with fewer games get as many updates as prolific ones. Deterministic in (seed, step, rank).
    """

    def __init__(self, pool: np.ndarray, owners: np.ndarray, players: int, seed: int) -> None:
        order = np.argsort(owners[pool], kind="stable")
        self.rows = pool[order]
        self.owners, self.starts = np.unique(owners[self.rows], return_index=True)
        self.ends = np.append(self.starts[1:], len(self.rows))
        self.players = min(players, len(self.owners))
        self.seed = seed

    def __call__(self, step: int, batch: int, rank: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, step, rank])
        chosen = rng.choice(len(self.owners), self.players, replace=False)
        each = -(-batch // self.players)
        picks = [rng.integers(self.starts[i], self.ends[i], each) for i in chosen]
        return self.rows[np.concatenate(picks)[:batch]]


TRAINING_FIELDS = ("squares", "last_move", "elo", "move", "player")
_WIDENED = {"move", "player"}  # read as int64: the loss and the router index with them


def _training_tensor(values: np.ndarray, name: str, device: str) -> torch.Tensor:
    """One field as training reads it (a copy, widened where `_WIDENED` says), on `device`."""
    dtype = np.int64 if name in _WIDENED else values.dtype
    return torch.from_numpy(np.array(values, dtype=dtype)).to(device)


def _tensors(shard: Shard, rows: np.ndarray, device: str) -> dict[str, torch.Tensor]:
    if device != "cpu":
        resident = _resident(shard, device)
        index = torch.from_numpy(rows).to(device)
        return {name: resident[name][index] for name in TRAINING_FIELDS}
    batch = shard.batch(rows)
    return {name: _training_tensor(batch[name], name, device) for name in TRAINING_FIELDS}


_RESIDENT: dict[tuple[Path, str], dict[str, torch.Tensor]] = {}


def _resident(shard: Shard, device: str) -> dict[str, torch.Tensor]:
    """A whole shard on the accelerator (1.4 GB for the masters): batches are then gathered
    there, instead of read from the page cache and copied over at every step."""
    key = (shard.path, device)
    if key not in _RESIDENT:
        _RESIDENT[key] = {
            name: _training_tensor(shard.arrays[name], name, device) for name in TRAINING_FIELDS
        }
    return _RESIDENT[key]


def _autocast(device: str) -> torch.autocast:
    """bfloat16 on CUDA (the loss still sums in float32); plain float32 elsewhere."""
    kind = torch.device(device).type
    return torch.autocast(kind, dtype=torch.bfloat16, enabled=kind == "cuda")


def _learning_rate(step: int, total: int, peak: float, warmup: int) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(total - warmup, 1)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


# --- checkpoints ------------------------------------------------------------------------------


def _save_checkpoint(path: Path, state: dict) -> None:
    if not _is_main():
        return
    scratch = path.with_suffix(".tmp")
    torch.save(state, scratch)
    scratch.replace(path)


def _load_checkpoint(path: Path) -> dict | None:
    """The checkpoint on the CPU, whichever device wrote it: a run trained on a GPU resumes (or
    finishes) on a machine without one."""
    return torch.load(path, map_location="cpu", weights_only=False) if path.exists() else None


# --- evaluation during training ---------------------------------------------------------------

LogitsFn = Callable[[Callable, dict[str, torch.Tensor]], torch.Tensor]


@torch.no_grad()
def _validate(kinds: dict[str, Callable], val: Shard, rows: np.ndarray, device: str) -> dict:
    """Loss and top-1 (over all moves, unmasked) on fixed validation rows, per kind of model."""
    totals = {f"{kind}_{what}": 0.0 for kind in kinds for what in ("loss", "top1")}
    for start in range(0, len(rows), 2048):
        batch = _tensors(val, rows[start : start + 2048], device)
        for kind, logits_of in kinds.items():
            with _autocast(device):
                logits = logits_of(batch).float()
            totals[f"{kind}_loss"] += F.cross_entropy(logits, batch["move"], reduction="sum").item()
            totals[f"{kind}_top1"] += (logits.argmax(-1) == batch["move"]).sum().item()
    return {k: round(v / max(len(rows), 1), 4) for k, v in totals.items()}


# --- the two stages ---------------------------------------------------------------------------


@dataclass
class Stage:
    """What differs between stage 1 and stage 2; the loop in `_run_stage` is shared."""

    number: int
    module: torch.nn.Module  # what DistributedDataParallel wraps
    groups: list[dict]  # optimiser parameter groups with an `lr_scale`
    peak_lr: float
    steps: int
    pool: np.ndarray  # train rows this stage draws from
    grouped: PlayerGroupedRows | None  # None: uniform shuffles of `pool`
    val_rows: np.ndarray
    forward: LogitsFn  # (module or its DDP wrapper, batch) -> logits
    validation: dict[str, Callable]  # kind -> (batch -> logits), run in eval mode
    state: Callable[[], dict]  # weights to checkpoint


def _run_stage(
    stage: Stage,
    train: Shard,
    val: Shard,
    request: TrainRequest,
    preset: Preset,
    checkpoint: dict | None,
    log: list[dict],
) -> None:
    rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
    optimizer = torch.optim.AdamW(
        stage.groups,
        lr=stage.peak_lr,
        weight_decay=preset.weight_decay,
        fused=torch.device(request.device).type == "cuda",
    )
    start_step = 0
    if checkpoint is not None:
        optimizer.load_state_dict(checkpoint["optimizer"])
        torch.set_rng_state(checkpoint["rng"])
        start_step = checkpoint["step"]
    wrapped = DistributedDataParallel(stage.module) if world > 1 else stage.module
    parameters = [p for group in stage.groups for p in group["params"]]
    path = request.out / "checkpoint.pt"
    bar = progress_bar(
        total=stage.steps, initial=start_step, desc=f"stage {stage.number}", unit="step"
    )
    started, seen = time.perf_counter(), 0
    stage.module.train()
    for step in range(start_step, stage.steps):
        lr = _learning_rate(step, stage.steps, stage.peak_lr, preset.warmup_steps)
        for group in optimizer.param_groups:
            group["lr"] = lr * group["lr_scale"]
        if stage.grouped is not None:
            rows = stage.grouped(step, preset.batch_size, rank)
        else:
            rows = _step_rows(
                stage.pool, step, preset.batch_size, request.seed + stage.number, rank, world
            )
        batch = _tensors(train, rows, request.device)
        with _autocast(request.device):
            loss = F.cross_entropy(stage.forward(wrapped, batch).float(), batch["move"])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        seen += preset.batch_size * world
        bar.update(1)
        done = step + 1
        if done % 50 == 0:  # reading the loss waits for the GPU: not at every step
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        if done % preset.eval_every == 0 or done == stage.steps:
            stage.module.eval()
            entry = {
                "stage": stage.number,
                "step": done,
                "train_loss": round(loss.item(), 4),
                "positions_per_second": round(seen / (time.perf_counter() - started), 1),
                **_validate(stage.validation, val, stage.val_rows, request.device),
            }
            stage.module.train()
            log.append(entry)
            if _is_main():
                bar.write(json.dumps(entry), file=sys.stderr)
        if done % preset.checkpoint_every == 0 or done == stage.steps:
            state = {"stage": stage.number, "step": done, "optimizer": optimizer.state_dict()}
            _save_checkpoint(
                path, {**state, **stage.state(), "rng": torch.get_rng_state(), "log": log}
            )
    bar.close()


def _stage_one_result(checkpoint: dict | None, preset: Preset) -> dict:
    """A checkpoint that says "stage 1 done" with the run's base, to train stage 2 afresh."""
    if checkpoint is None:
        raise ValueError("--restart-style needs --resume and a run with a checkpoint")
    if checkpoint["stage"] == 1 and checkpoint["step"] < preset.base_steps:
        raise ValueError("stage 1 has not finished yet: resume without --restart-style")
    stage_one_log = [entry for entry in checkpoint["log"] if entry["stage"] == 1]
    return {**checkpoint, "stage": 1, "step": preset.base_steps, "log": stage_one_log}


def _given_base(path: Path, preset: Preset) -> dict:
    """A checkpoint that says "stage 1 done" with a base network trained elsewhere (a shipped
    model's `base.safetensors`): a new machine trains stage 2 without the run that made it."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"no base network at {path}")
    state = load_file(path)
    try:
        MovePredictor(preset.model).load_state_dict(state)
    except RuntimeError:
        raise ValueError(f"{path} is not a base network of this preset's size") from None
    return {
        "base": state,
        "stage": 1,
        "step": preset.base_steps,
        "log": [],
        "rng": torch.get_rng_state(),
    }


def _resolve_preset(request: TrainRequest) -> Preset:
    preset = PRESETS[request.preset]
    if request.base_steps is not None:
        preset = replace(preset, base_steps=request.base_steps)
    if request.style_steps is not None:
        preset = replace(preset, style_steps=request.style_steps)
    if request.routing_lr_scale is not None:
        preset = replace(preset, routing_lr_scale=request.routing_lr_scale)
    if request.routing_noise is not None:
        preset = replace(preset, routing_noise=request.routing_noise)
    if request.players_per_batch is not None:
        preset = replace(preset, players_per_batch=request.players_per_batch)
    return preset


def modelled_players(
    train_games: dict[str, int], min_games: int, opted_out: frozenset[str], excluded: set[str]
) -> list[str]:
    """The players who get a style vector, sorted: enough train games, not opted out, not
    left out on purpose (`excluded`, casefolded), and a person (not "NN", many people)."""
    return sorted(
        name
        for name, games in train_games.items()
        if games >= min_games
        and not is_opted_out(name, opted_out)
        and not is_placeholder_name(name)
        and name.casefold() not in excluded
    )


def train(request: TrainRequest) -> dict:
    """Run (or resume) both stages and write the artifact; returns the final metrics."""
    preset = _resolve_preset(request)
    request.out.mkdir(parents=True, exist_ok=True)
    path = request.out / "checkpoint.pt"
    if path.exists() and not request.resume:
        raise FileExistsError(
            f"{request.out} has a checkpoint: pass --resume or choose another --out"
        )
    rank, world = _distributed()
    torch.manual_seed(request.seed + rank)
    started = time.perf_counter()
    players, train_shard, val_shard = _players_and_shards(request, preset)
    if not players:
        raise ValueError("no player has enough games in the train split: lower --min-games")
    checkpoint = _load_checkpoint(path) if request.resume else None
    if checkpoint is None and request.base is not None:
        checkpoint = _given_base(request.base, preset)
    if request.restart_style:
        checkpoint = _stage_one_result(checkpoint, preset)
    log: list[dict] = checkpoint["log"] if checkpoint else []
    rng = np.random.default_rng(request.seed)
    device = request.device
    sample = min(preset.eval_positions, len(val_shard))
    base_val_rows = np.sort(rng.choice(len(val_shard), sample, replace=False))

    # Stage 1: the base network on every position.
    base = MovePredictor(preset.model).to(device)
    if checkpoint is not None:
        base.load_state_dict(checkpoint["base"])
    resume_stage, resume_step = (checkpoint["stage"], checkpoint["step"]) if checkpoint else (1, 0)
    if resume_stage == 1 and resume_step < preset.base_steps:
        stage_one = Stage(
            number=1,
            module=base,
            groups=[{"params": list(base.parameters()), "lr_scale": 1.0}],
            peak_lr=preset.base_lr,
            steps=preset.base_steps,
            pool=np.arange(len(train_shard)),
            grouped=None,
            val_rows=base_val_rows,
            forward=lambda net, b: net(b["squares"], b["last_move"], b["elo"]),
            validation={"base": lambda b: base(b["squares"], b["last_move"], b["elo"])},
            state=lambda: {"base": base.state_dict()},
        )
        _run_stage(stage_one, train_shard, val_shard, request, preset, checkpoint, log)
        checkpoint = None
        if _is_main():  # kept apart, so that stage 2 can be redone from it at any time
            save_file(base.state_dict(), request.out / "base_stage1.safetensors")
    elif resume_stage == 1 and checkpoint is not None:
        torch.set_rng_state(checkpoint["rng"])  # stage 1 was done: continue its random stream

    # Stage 2: base frozen; skills and one style vector per player on the players' positions.
    elo_counts = np.bincount(np.asarray(train_shard.arrays["elo"]), minlength=N_ELO_BUCKETS)
    known_elo = trained_elo_buckets(elo_counts.tolist(), MIN_ELO_BUCKET_POSITIONS)
    extra = {"preset": request.preset, "known_elo_buckets": known_elo}
    model = StyleModel(preset.model, preset.style, players, extra, engine="peft").to(device)
    model.load_base_state(base.state_dict())
    model.router.relaxed = preset.routing_noise
    if checkpoint is not None and checkpoint["stage"] == 2:
        model.styled.load_state_dict(checkpoint["styled"])
    else:
        checkpoint = None
    for name, parameter in model.styled.named_parameters():
        parameter.requires_grad_("poly_" in name)
    styled_pool = np.flatnonzero(np.asarray(train_shard.arrays["player"]) >= 0)
    styled_val = np.flatnonzero(np.asarray(val_shard.arrays["player"]) >= 0)
    styled_val = np.sort(
        rng.choice(styled_val, min(preset.eval_positions, len(styled_val)), replace=False)
    )
    skills = [p for n, p in model.styled.named_parameters() if "poly_lora" in n]

    def args(b: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        return b["squares"], b["last_move"], b["elo"]

    stage_two = Stage(
        number=2,
        module=model.styled.base_model,
        groups=[
            {"params": skills, "lr_scale": 1.0, "weight_decay": 0.0},
            {
                "params": [model.router.module_logits],
                "lr_scale": preset.routing_lr_scale,
                "weight_decay": 0.0,
            },
        ],
        peak_lr=preset.style_lr,
        steps=preset.style_steps,
        pool=styled_pool,
        grouped=PlayerGroupedRows(
            styled_pool,
            np.asarray(train_shard.arrays["player"]),
            preset.players_per_batch,
            request.seed + 2,
        )
        if preset.players_per_batch
        else None,
        val_rows=styled_val,
        forward=lambda net, b: net(*args(b), task_ids=b["player"]),
        validation={
            "base": lambda b: model.logits(*args(b)),
            "style": lambda b: model.logits(*args(b), style=b["player"]),
        },
        state=lambda: {"base": base.state_dict(), "styled": model.styled.state_dict()},
    )
    _run_stage(stage_two, train_shard, val_shard, request, preset, checkpoint, log)
    model.styled.eval()

    metrics = {
        "preset": request.preset,
        "players": len(players),
        "train_positions": len(train_shard),
        "styled_train_positions": len(styled_pool),
        "routing_lr_scale": preset.routing_lr_scale,
        "routing_noise": preset.routing_noise,
        "players_per_batch": preset.players_per_batch,
        "world_size": world,
        "device": device,
        "seconds_this_run": round(time.perf_counter() - started, 1),
        "final": log[-1] if log else {},
        "log": log,
    }
    if _is_main():
        _keep_finished_fingerprints(model, request.out)
        model.save(request.out, metrics=metrics, command=request.command)
        add_fingerprints(request.out, train_shard, device=device)
        if request.db.exists():
            add_repertoires(request.out, request.db)
            add_game_embedding(
                request.out, request.db, EmbeddingSettings(steps=preset.embedding_steps)
            )
        else:  # trained from unpacked shards on a machine without the store
            print(
                f"no store at {request.db}: run `stylespace repertoires` and `stylespace "
                "game-embedding` where it is",
                file=sys.stderr,
            )
    _barrier()
    return metrics


def _keep_finished_fingerprints(model: StyleModel, directory: Path) -> None:
    """A resumed run that had already finished keeps the fingerprints it computed, and how many
    positions each read: same vectors (resume is exact), so the same fingerprints, and 20
    minutes not spent again."""
    path = directory / "style_vectors.safetensors"
    if not path.exists():
        return
    table = load_file(path)
    stored = table.get("fingerprints")
    if (
        stored is not None
        and stored.shape == model.fingerprints.shape
        and torch.equal(table["style_vectors"], model.style_vectors.cpu())
    ):
        model.fingerprints = stored
        finished = json.loads((directory / "players.json").read_text())
        counts = {p["task_id"]: p["reference"] for p in finished if "reference" in p}
        for player in model.players:
            if player["task_id"] in counts:
                player["reference"] = counts[player["task_id"]]


def add_fingerprints(
    directory: Path,
    shard: Shard,
    redo: bool = False,
    save_every: int = 25,
    device: str = "cpu",
) -> dict:
    """Every trained player's reference fingerprint from (up to `REFERENCE_POSITIONS` of) their
    train positions, saved in place.

    Identification compares a query's fingerprint with these; enrolment adds one per new player,
    computed the same way (see `fingerprints.py`). Players who already have one are skipped unless
    `redo`, and the table is saved every `save_every` players, so an interrupted run resumes.
    """
    started = time.perf_counter()
    model = StyleModel.load(directory, device)  # our own engine: twice as fast as peft's here
    owners = np.asarray(shard.arrays["player"])
    order = np.argsort(owners, kind="stable")
    tasks, starts, counts = np.unique(owners[order], return_index=True, return_counts=True)
    spans = {int(t): order[s : s + c] for t, s, c in zip(tasks, starts, counts, strict=True)}
    missing = model.fingerprints.isnan().any(dim=1)
    todo = [
        player
        for player in model.players
        if player["task_id"] in spans and (redo or bool(missing[player["task_id"]]))
    ]
    with progress_bar(total=len(todo), desc="fingerprints", unit="player") as bar:
        for done, player in enumerate(todo, start=1):
            rows = spans[player["task_id"]]
            positions = shard.positions(rows[reference_rows(len(rows))])
            model.fingerprints[player["task_id"]] = reference_fingerprint(model, positions)
            player["reference"] = {"positions": len(positions), "available": len(rows)}
            if done % save_every == 0:
                model.save_player_table(directory)
            bar.update(1)
    model.save_player_table(directory)
    write_graph(directory)  # identify reads the fingerprints through it, without torch
    seconds = time.perf_counter() - started
    return {"computed": len(todo), "players": len(model.players), "seconds": round(seconds, 1)}


def add_repertoires(directory: Path, db: Path, splits: tuple[str, ...] = TRAIN_ONLY) -> dict:
    """Every trained player's opening repertoire, deep lines and pawn structures from their
    games of `splits` (train, unless a shipped model takes in every game: `table_splits.py`),
    saved in place.

    The `fused` identification method weighs a query's opening choices (or, with the openings
    hidden, its deep lines and structures) against these, and the opening books (`book.py`)
    predict from them; enrolment adds one per new player from the games it is given. Hashed
    counts only: no game record.
    """
    from stylespace.store import GameStore

    started = time.perf_counter()
    beyond = [split for split in ("val", "test") if split in splits]  # train always
    splits = (*TRAIN_ONLY, *beyond)
    model = StyleModel.load(directory)
    trained = [p for p in model.players if not p.get("enrolled")]
    names = [p["name"] for p in trained]
    with GameStore(db, read_only=True) as store:
        games = store.games_by_player(["train"], names)
        others = store.games_by_player(beyond, names) if beyond else {}
    tables = {table: {} for table, _, _ in OPENING_TABLES.values()}
    added = 0
    with progress_bar(total=len(trained), desc="opening repertoires", unit="player") as bar:
        for player in trained:
            name = player["name"]
            more = others.pop(name, [])
            added += len(more)
            every = repertoire_tokens([*games.pop(name), *more], name)
            for table, field, _ in OPENING_TABLES.values():
                tables[table][player["task_id"]] = getattr(every, field)
            bar.update(1)
    for table, profiles in tables.items():
        getattr(model, table).set_rows(profiles)
    model.save_player_table(directory)
    record_table_splits(directory, splits)
    known = add_known_games(directory, db, splits, {p["name"]: p["task_id"] for p in trained})
    seconds = time.perf_counter() - started
    players = sum(len(t) > 0 for t in tables["repertoires"].values())
    return {
        "players": players,
        "splits": list(splits),
        "games_beyond_train": added,
        "known_games": known,
        "seconds": round(seconds, 1),
    }


def add_known_games(
    directory: Path, db: Path, splits: tuple[str, ...], holder: dict[str, int]
) -> int:
    """Fingerprints of the moves of every game of `splits` in the store (the network learned
    from the train split, the tables from the trained players' games of these), each with the
    trained players whose tables hold its sides (`holder`: task id by name), so that
    `identify` can score such games as new ones and say so, and `eval --games` can say when it
    is shown them (`known_games.py`). Returns how many are kept."""
    from stylespace.known_games import NOBODY, KnownGames
    from stylespace.store import GameStore

    with GameStore(db, read_only=True) as store:
        rows = store.training_games(list(splits))
    known = KnownGames.of_sides(
        (moves.split(), holder.get(white, NOBODY), holder.get(black, NOBODY))
        for _, moves, white, black, *_ in rows
    )
    known.save(directory)
    return len(known.hashes)


def add_game_embedding(
    directory: Path, db: Path, settings: EmbeddingSettings = EMBEDDING_SETTINGS
) -> dict:
    """Train the learned game embedding on the trained players' train games and store every
    one's profile, in place (`game_embedding.py`). Minutes on a CPU: no checkpoints.

    The vectors learn from every other game of each player, and a player's profile is the
    mean of their remaining games: games the embedding never saw land as a query's or an
    enrolled player's do. Profiles of the very games it was trained on sit closer to their
    player than any new game does, which pushed trained players below others: on 60 of the
    demo's players, 20 held-out games each, `fused` found 97% without the embedding and 90% with
    one trained on all their games.

    Enrolled players keep no games here, so their profiles are forgotten: re-enrol them.
    """
    from stylespace.store import GameStore

    started = time.perf_counter()
    model = StyleModel.load(directory)
    trained = [p for p in model.players if not p.get("enrolled")]
    with GameStore(db, read_only=True) as store:
        games = store.games_by_player(["train"], [p["name"] for p in trained])
    bags: dict[int, list[np.ndarray]] = {}
    with progress_bar(total=len(trained), desc="game tokens", unit="player") as bar:
        for player in trained:
            found = game_bags(game_repertoires(games.pop(player["name"]), player["name"]))
            found = [bag.astype(np.int32) for bag in found if len(bag)]
            if found:
                bags[player["task_id"]] = found
            bar.update(1)
    tasks = sorted(bags)
    if len(tasks) < 2:  # nothing to tell apart
        print(f"game embedding skipped: {len(tasks)} players have games", file=sys.stderr)
        return {"players": len(tasks), "games": 0, "steps": 0, "seconds": 0.0}
    with progress_bar(total=settings.steps, desc="game embedding", unit="step") as bar:

        def on_step(step: int, loss: float) -> None:
            bar.update(1)
            if step % 100 == 0:
                bar.set_postfix(loss=f"{loss:.3f}")

        tokens = train_token_vectors([bags[t][0::2] for t in tasks], settings, on_step)
    profiles = np.full((len(model.players), EMBEDDING_SIZE), np.nan, np.float32)
    model.game_embedding = GameEmbedding.trained(tokens, profiles)
    for task in tasks:
        held_out = bags[task][1::2] or bags[task]
        model.game_embedding.set_row(task, [b.astype(np.int64) for b in held_out])
    model.save_game_embedding(directory)
    seconds = time.perf_counter() - started
    return {
        "players": len(tasks),
        "games": sum(len(b) for b in bags.values()),
        "steps": settings.steps,
        "seconds": round(seconds, 1),
    }
