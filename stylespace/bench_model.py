"""Model benchmark: training positions/s for both stages, inference positions/s, peak memory."""

from __future__ import annotations

import resource
import statistics
import time

import chess
import numpy as np
import torch
import torch.nn.functional as F

from stylespace.encoding import GameEncoder
from stylespace.model import MovePredictor
from stylespace.style_model import StyleModel
from stylespace.training import PRESETS


def _positions(count: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """Real positions from random legal games (token statistics matter little for timing)."""
    rng = np.random.default_rng(seed)
    squares, last, moves = [], [], []
    encoder = GameEncoder()
    while len(moves) < count:
        board, played = chess.Board(), []
        for _ in range(60):
            legal = list(board.legal_moves)
            if not legal:
                break
            move = legal[rng.integers(len(legal))]
            board.push(move)
            played.append(move.uci())
        game = encoder.encode(played)
        squares.append(game.squares)
        last.append(game.last_move)
        moves.append(game.moves)
        if sum(len(m) for m in moves) >= count:
            break
    return {
        "squares": torch.from_numpy(np.concatenate(squares)[:count]),
        "last_move": torch.from_numpy(np.concatenate(last)[:count]),
        "elo": torch.full((count,), 15),
        "move": torch.from_numpy(np.concatenate(moves)[:count].astype(np.int64)),
    }


def _median_rate(step, positions_per_call: int, repeats: int) -> float:
    step()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return positions_per_call / statistics.median(times)


def bench_model(preset_name: str = "demo", players: int = 500, repeats: int = 5) -> dict:
    """Time training steps of both stages and inference at batch 1 and 256, in one run."""
    preset = PRESETS[preset_name]
    batch = _positions(preset.batch_size)
    args = (batch["squares"], batch["last_move"], batch["elo"])
    base = MovePredictor(preset.model)
    optimizer = torch.optim.AdamW(base.parameters(), lr=1e-3)

    def base_step() -> None:
        loss = F.cross_entropy(base(*args), batch["move"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    stage1 = _median_rate(base_step, preset.batch_size, repeats)

    model = StyleModel(
        preset.model,
        preset.style,
        [{"name": f"p{i}", "task_id": i} for i in range(players)],
        engine="peft",
    )
    model.styled.train()
    trainable = [p.requires_grad_(True) for n, p in model.styled.named_parameters() if "poly_" in n]
    style_optimizer = torch.optim.AdamW(trainable, lr=1e-3)
    tasks = torch.randint(0, players, (preset.batch_size,))

    def style_step() -> None:
        loss = F.cross_entropy(model.styled.base_model(*args, task_ids=tasks), batch["move"])
        style_optimizer.zero_grad()
        loss.backward()
        style_optimizer.step()

    stage2 = _median_rate(style_step, preset.batch_size, repeats)
    model.styled.eval()
    boards = []
    board = chess.Board()
    rng = np.random.default_rng(1)
    while len(boards) < 256:
        legal = list(board.legal_moves)
        if not legal or board.ply() > 80:
            board = chess.Board()
            continue
        board.push(legal[rng.integers(len(legal))])
        boards.append(board.copy())
    inference = {}
    for size in (1, 256):
        for style in (None, "p0"):
            rate = _median_rate(
                lambda s=size, st=style: model.predict_batch(boards[:s], style=st), size, repeats
            )
            inference[f"batch{size}_{'style' if style else 'base'}"] = round(rate, 1)
    with torch.no_grad():
        logits_rate = _median_rate(
            lambda: model.logits(*args, style=tasks), preset.batch_size, repeats
        )
    report = {
        "preset": preset_name,
        "threads": torch.get_num_threads(),
        "batch_size": preset.batch_size,
        "stage1_train_positions_per_second": round(stage1, 1),
        "stage2_train_positions_per_second": round(stage2, 1),
        "inference_positions_per_second": inference,
        "raw_styled_logits_positions_per_second": round(logits_rate, 1),
        "peak_rss_megabytes": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    report["summary"] = (
        f"{preset_name}: train {report['stage1_train_positions_per_second']:,.0f} pos/s (stage 1), "
        f"{report['stage2_train_positions_per_second']:,.0f} pos/s (stage 2); inference "
        f"{inference['batch1_style']:,.0f} pos/s at batch 1, "
        f"{inference['batch256_style']:,.0f} at 256 "
        f"(styled, legal moves masked); peak RSS {report['peak_rss_megabytes']} MB"
    )
    return report
