"""Pilot: a learned game embedding for identification (after McIlroy-Young et al., 2021).

Question: an enrolled player's opening table from 100 games finds them again from 20 query
games 61% of the time (full tables: 94%, `enrolment-size.md`): a sparse table only matches the
exact lines it has seen. Does a dense embedding of a game's tokens, trained to tell players
apart, generalise from fewer games, so that unseen players are found as well as seen ones?

Method: each game of the author becomes a bag of hashed tokens (the `openings.repertoire_tokens`
keys: first 12 moves' position-move pairs, moves 13-20, pawn structures from move 11 on);
an EmbeddingBag averages them into a game vector; a set of games is the mean of its games'
unit vectors; a cosine-softmax head over the training players teaches the space. The pilot's 60
authors (`bench/pilot_queries.py`) are left out of its training entirely, so every one of them is
an unseen player; each is enrolled from 100 of their train games (and, for comparison, from all
of them); everyone else's profile is the mean of their train games. Queries: the authors' 100
validation games, cut into 20-game and 5-game sets; ranked among all 477 trained players by
cosine, beside the openings' likelihood (`MoveChoices`) with the same enrolment, in the same run.
Usage: PYTHONPATH=. python bench/game_embedder_pilot.py [MODEL_DIR] [DB] [FROM_PLY]
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from bench.pilot_queries import cut_table, hit_rates, validation_queries
from stylespace.game_embedding import _dropped, _packed
from stylespace.openings import _mix, repertoire_tokens
from stylespace.positions import PlayedGame
from stylespace.style_model import StyleModel

BUCKETS = 1 << 20
DIMENSIONS = 64
CACHE = Path("runs/embedder")


def game_tokens(game: PlayedGame, player: str, from_ply: int) -> np.ndarray:
    """The author's tokens of one game, each kind hashed into one shared table."""
    found = repertoire_tokens([game], player, from_ply)
    kinds = (found.openings, found.deep_lines, found.structures)
    parts = [
        (_mix(np.full(len(keys), kind + 1, np.uint64), keys) % np.uint64(BUCKETS)).astype(np.int64)
        for kind, keys in enumerate(kinds)
    ]
    return np.concatenate(parts)


def bags(games: list[PlayedGame], player: str, from_ply: int) -> list[np.ndarray]:
    return [game_tokens(game, player, from_ply) for game in games]


class GameEmbedder(torch.nn.Module):
    def __init__(self, classes: int, buckets: int, dimensions: int) -> None:
        super().__init__()
        self.buckets = buckets
        self.tokens = torch.nn.EmbeddingBag(buckets, dimensions, mode="mean", sparse=True)
        torch.nn.init.normal_(self.tokens.weight, std=0.1)
        self.head = torch.nn.Parameter(torch.randn(classes, dimensions) * 0.1)

    def games(self, flat: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.tokens(flat % self.buckets, offsets), dim=-1)


def embed(model: GameEmbedder, game_bags: list[np.ndarray]) -> np.ndarray:
    with torch.no_grad():
        out = [
            model.games(*_packed(game_bags[i : i + 4096])) for i in range(0, len(game_bags), 4096)
        ]
    return torch.cat(out).numpy()


def train(
    per_player: list[list[np.ndarray]],
    steps: int,
    buckets: int,
    dimensions: int,
    keep: float,
    set_size: int = 4,
    batch: int = 256,
) -> GameEmbedder:
    model = GameEmbedder(len(per_player), buckets, dimensions)
    sparse_opt = torch.optim.SparseAdam(list(model.tokens.parameters()), lr=0.01)
    dense_opt = torch.optim.Adam([model.head], lr=0.01)
    rng = np.random.default_rng(0)
    for step in tqdm(range(steps), desc="train embedder"):
        players = rng.integers(len(per_player), size=batch)
        chosen = [
            _dropped(per_player[p][i], keep, rng)
            for p in players
            for i in rng.integers(len(per_player[p]), size=set_size)
        ]
        vectors = model.games(*_packed(chosen)).view(batch, set_size, -1).mean(1)
        logits = 16.0 * F.normalize(vectors, dim=-1) @ F.normalize(model.head, dim=-1).T
        loss = F.cross_entropy(logits, torch.from_numpy(players))
        sparse_opt.zero_grad()
        dense_opt.zero_grad()
        loss.backward()
        sparse_opt.step()
        dense_opt.step()
        if step % 500 == 0:
            tqdm.write(f"step {step}: loss {loss.item():.3f}")
    return model


def _rank(scores: np.ndarray, truth: int) -> int:
    return int((scores > scores[truth]).sum())


def main(
    model_dir: Path,
    db: Path,
    from_ply: int = 0,
    steps: int = 3000,
    buckets: int = BUCKETS,
    dimensions: int = DIMENSIONS,
    keep: float = 1.0,
) -> None:
    started = time.perf_counter()
    names, train_games, queries = validation_queries(model_dir, db, 60)
    authors = list(queries)
    others = [n for n in names if n not in queries]
    print(f"{len(authors)} unseen authors, embedder trained on {len(others)} players")
    cache = CACHE / f"tokens-ply{from_ply}.pkl"
    if cache.exists():
        tokens, query_bags = pickle.loads(cache.read_bytes())
    else:
        tokens = {n: bags(train_games[n], n, from_ply) for n in tqdm(names, desc="tokens")}
        query_bags = {a: bags(queries[a], a, from_ply) for a in authors}
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps((tokens, query_bags)))
    print(f"tokens {time.perf_counter() - started:.0f} s")
    model = train([tokens[n] for n in others], steps, buckets, dimensions, keep)
    print(f"buckets {buckets}, dimensions {dimensions}, tokens kept {keep}, {steps} steps")
    print(f"trained {time.perf_counter() - started:.0f} s")

    rng = np.random.default_rng(11)
    enrol_rows = {a: rng.permutation(len(tokens[a]))[:100] for a in authors}

    def profiles(cut: bool) -> np.ndarray:
        rows = []
        for n in names:
            games = tokens[n]
            if cut and n in enrol_rows:
                games = [games[i] for i in enrol_rows[n]]
            rows.append(embed(model, games).mean(0))
        table = np.array(rows)
        return table - table.mean(0)

    style_model = StyleModel.load(model_dir)
    tasks = np.array([style_model.task_id(n) for n in names])
    for cut in (False, True):
        table = profiles(cut)
        centre = table.mean(0)
        choices = style_model.repertoires
        if cut:
            enrolment = {a: [train_games[a][i] for i in enrol_rows[a]] for a in authors}
            choices = cut_table(choices, style_model, enrolment, "openings")
        for size in (100, 20, 5):
            ranks = {"embedding": [], "openings": [], "fused1": [], "fused2": [], "fused4": []}
            for a in authors:
                truth = names.index(a)
                for part in range(100 // size):
                    games = query_bags[a][part * size : (part + 1) * size]
                    query = embed(model, games).mean(0) - centre
                    cosine = table @ query / (np.linalg.norm(table, axis=1) * np.linalg.norm(query))
                    ranks["embedding"].append(_rank(cosine, truth))
                    if from_ply == 0:
                        found = queries[a][part * size : (part + 1) * size]
                        opening = choices.scores(repertoire_tokens(found, a).openings)[tasks]
                        ranks["openings"].append(_rank(opening, truth))
                        z = (cosine - cosine.mean()) / cosine.std()
                        z_open = (opening - opening.mean()) / opening.std()
                        for weight in (1, 2, 4):
                            ranks[f"fused{weight}"].append(_rank(z + weight * z_open, truth))
            label = "100-game enrolment" if cut else "all train games"
            print(f"{label:>20}, {size:>3} games: " + hit_rates(ranks), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(
        Path(arguments[0]) if arguments else Path("models/demo"),
        Path(arguments[1]) if len(arguments) > 1 else Path("data/stylespace.duckdb"),
        int(arguments[2]) if len(arguments) > 2 else 0,
        int(arguments[3]) if len(arguments) > 3 else 3000,
        int(arguments[4]) if len(arguments) > 4 else BUCKETS,
        int(arguments[5]) if len(arguments) > 5 else DIMENSIONS,
        float(arguments[6]) if len(arguments) > 6 else 1.0,
    )
