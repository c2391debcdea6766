"""Pilot, not kept: from ply 30, do move preferences beyond what the position asks identify?

The base network gives P(move | position). A player's residual, summed over their moves, is
observed minus expected counts over the move vocabulary (the gradient of their moves'
log-likelihood with respect to an output bias): which moves they play more often than a master
would in the same positions. Two vocabularies: the move (origin, target, promotion in the
mover's frame) and the move with the piece that makes it.

Profiles from each trained player's train positions from ply 30 (100 games' each, as if enrolled);
queries of 100 validation games from ply 30, ranked among all 477 by (a) centred cosine of the
residuals, scaled by 1/sqrt(everybody's expected rate), and (b) the likelihood of the query's moves
under the base tilted by the player's log(observed/expected) against the base alone. Shards keep no
legal-move masks: unmasked softmax throughout.
Result: 0-3% top-1 (`bench/results/move-residuals.md`).

Usage: PYTHONPATH=. python bench/move_residuals_pilot.py [MODEL_DIR] [SHARDS_DIR]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
from pilot_queries import hit_rates

from stylespace.encoding import N_MOVES, VOCABULARY
from stylespace.shards import Shard, open_shard
from stylespace.style_model import StyleModel

FROM_PLY = 30
QUERY_GAMES = 100
PLAYERS = 60
ORIGIN = torch.tensor([origin for origin, _, _ in VOCABULARY])
PIECE_KINDS = 7  # pawn..king, plus a rook that may still castle
PIECE_OF_CODE = torch.tensor([0, 0, 1, 2, 3, 4, 5] + [0] * 6 + [6, 0, 0])


def _rows_of_games(games: np.ndarray, rows: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    return rows[np.isin(games[rows], chosen)]


@torch.no_grad()
def _residuals(model: StyleModel, shard: Shard, rows: np.ndarray, keep_probs: bool = False):
    """Observed and expected counts of moves and of (piece, move) keys over these rows."""
    observed = torch.zeros(N_MOVES, dtype=torch.float64)
    expected = torch.zeros(N_MOVES, dtype=torch.float64)
    observed_piece = torch.zeros(PIECE_KINDS * N_MOVES, dtype=torch.float64)
    expected_piece = torch.zeros(PIECE_KINDS * N_MOVES, dtype=torch.float64)
    kept = []
    for start in range(0, len(rows), 4096):
        batch = shard.positions(rows[start : start + 4096]).tensors()
        logits = model.logits(batch["squares"], batch["last_move"], batch["elo"], None)
        probabilities = torch.softmax(logits.float(), dim=-1)
        pieces = PIECE_OF_CODE[batch["squares"].long()[:, ORIGIN]]  # (B, N_MOVES)
        keys = pieces * N_MOVES + torch.arange(N_MOVES)
        moves = batch["move"]
        observed.index_add_(0, moves, torch.ones(len(moves), dtype=torch.float64))
        expected += probabilities.sum(0).double()
        played_keys = keys.gather(1, moves[:, None]).squeeze(1)
        observed_piece.index_add_(0, played_keys, torch.ones(len(moves), dtype=torch.float64))
        expected_piece.index_add_(0, keys.flatten(), probabilities.flatten().double())
        if keep_probs:
            kept.append((probabilities, moves))
    return observed, expected, observed_piece, expected_piece, kept


def _cosine_ranks(profiles: torch.Tensor, queries: torch.Tensor, authors: list[int], scale):
    profiles, queries = profiles * scale, queries * scale
    centre = profiles.mean(0)
    p = torch.nn.functional.normalize(profiles - centre, dim=1)
    q = torch.nn.functional.normalize(queries - centre, dim=1)
    scores = q @ p.T
    return [int((s > s[a]).sum()) for s, a in zip(scores, authors, strict=True)], scores


def _likelihood_ranks(observed, expected, kept_per_query, authors, smoothing):
    bias = torch.log((observed + smoothing) / (expected + smoothing)).float()  # (players, moves)
    bias -= bias.mean(1, keepdim=True)
    ranks, all_scores = [], []
    for kept, author in zip(kept_per_query, authors, strict=True):
        score = torch.zeros(len(bias))
        for probabilities, moves in kept:
            score += bias[:, moves].sum(1) - torch.log(probabilities @ bias.exp().T).sum(0)
        ranks.append(int((score > score[author]).sum()))
        all_scores.append(score)
    return ranks, torch.stack(all_scores)


def main(model_dir: Path, shards: Path) -> None:
    started = time.perf_counter()
    torch.set_num_threads(2)
    model = StyleModel.load(model_dir)
    train, val = open_shard(shards / "train"), open_shard(shards / "val")
    players = [p for p in model.players if not p.get("enrolled")]
    rng = np.random.default_rng(7)

    def late_rows(shard: Shard) -> dict[int, np.ndarray]:
        owner, ply = np.asarray(shard.arrays["player"]), np.asarray(shard.arrays["ply"])
        late = np.flatnonzero(ply >= FROM_PLY)
        order = late[np.argsort(owner[late], kind="stable")]
        bounds = np.searchsorted(owner[order], np.arange(len(model.players) + 1))
        return {t: order[bounds[t] : bounds[t + 1]] for t in range(len(model.players))}

    train_rows, val_rows = late_rows(train), late_rows(val)
    train_games, val_games = np.asarray(train.arrays["game"]), np.asarray(val.arrays["game"])
    print(f"rows indexed, {time.perf_counter() - started:.0f} s", flush=True)

    cut = []
    for player in players:
        task = player["task_id"]
        rows = train_rows[task]
        games = np.unique(train_games[rows])
        chosen = rng.choice(games, min(QUERY_GAMES, len(games)), replace=False)
        cut.append(_residuals(model, train, _rows_of_games(train_games, rows, chosen))[:4])
    print(f"profiles, {time.perf_counter() - started:.0f} s", flush=True)

    candidates = [
        p["task_id"] for p in players if len(np.unique(val_games[val_rows[p["task_id"]]])) >= 100
    ]
    rng.shuffle(candidates)
    authors = candidates[:PLAYERS]
    queries = []
    for task in authors:
        rows = val_rows[task]
        chosen = rng.choice(np.unique(val_games[rows]), QUERY_GAMES, replace=False)
        queries.append(_residuals(model, val, _rows_of_games(val_games, rows, chosen), True))
    print(f"{len(authors)} queries, {time.perf_counter() - started:.0f} s", flush=True)

    task_index = {p["task_id"]: i for i, p in enumerate(players)}
    truth = [task_index[a] for a in authors]
    for label, table in (("100 games", cut),):
        obs, exp, obs_piece, exp_piece = (torch.stack([t[i] for t in table]) for i in range(4))
        ranks = {}
        for kind, o, e, qo, qe in (
            ("move", obs, exp, 0, 1),
            ("piece", obs_piece, exp_piece, 2, 3),
        ):
            rate = e.sum(0) / e.sum()
            residual = (o - e) / e.sum(1, keepdim=True)
            query = torch.stack([(q[qo] - q[qe]) / q[qe].sum() for q in queries])
            for power in (0.0, 0.5):
                scale = 1 / (rate + 1e-6) ** power
                ranks[f"cos-{kind}-p{power}"] = _cosine_ranks(residual, query, truth, scale)[0]
        for smoothing in (1.0, 5.0, 25.0):
            ranks[f"lik-a{smoothing:g}"] = _likelihood_ranks(
                obs, exp, [q[4] for q in queries], truth, smoothing
            )[0]
        print(f"{label}: {hit_rates(ranks)}", flush=True)
    print(f"done, {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(
        Path(arguments[0]) if arguments else Path("models/demo"),
        Path(arguments[1]) if len(arguments) > 1 else Path("runs/demo-gpu/shards"),
    )
