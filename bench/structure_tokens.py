"""Pilot: compare token designs on the cached features (bench/structure_cache.py).

Profiles: each trained player's train positions from ply PROFILE_FROM; queries: the 60 players'
100 validation games, only positions from ply QUERY_FROM on (or the first N games from ply 0).
TF-IDF (sublinear tf, smoothed idf) cosine, as `openings.Repertoires`.
Usage: python bench/structure_tokens.py [QUERY_FROM] [GAMES]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse

BUCKETS = 1 << 24
M = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix(*parts: np.ndarray) -> np.ndarray:
    """splitmix64 of the parts, chained."""
    h = np.zeros(len(parts[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for part in parts:
            h = h ^ part.astype(np.uint64)
            h = h + np.uint64(0x9E3779B97F4A7C15)
            h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            h = h ^ (h >> np.uint64(31))
    return h


FILES = np.array([0x0101010101010101 << f for f in range(8)], dtype=np.uint64)
ZONES = {
    "q": FILES[0] | FILES[1] | FILES[2],
    "c": FILES[2] | FILES[3] | FILES[4] | FILES[5],
    "k": FILES[5] | FILES[6] | FILES[7],
}


def material_key(counts: np.ndarray) -> np.ndarray:
    c = counts.astype(np.uint64)
    return sum(c[:, i] << np.uint64(4 * i) for i in range(12))


def kinds(d) -> dict[str, list[np.ndarray]]:
    own, their = d["own_pawns"], d["their_pawns"]
    kings = d["own_king"].astype(np.uint64) * np.uint64(64) + d["their_king"]
    own_king_file = (d["own_king"] % 8 >= 4).astype(np.uint64)
    out = {
        "pawns": [mix(np.full(len(own), 1), own, their)],
        "pawns+kings": [mix(np.full(len(own), 2), own, their, kings)],
        "pawns+material": [mix(np.full(len(own), 3), own, their, material_key(d["counts"]))],
        "zones": [
            mix(np.full(len(own), 4 + i), own & z, their & z) for i, z in enumerate(ZONES.values())
        ],
        "zones+kingside": [
            mix(np.full(len(own), 8 + i), own & z, their & z, own_king_file)
            for i, z in enumerate(ZONES.values())
        ],
        "pawns+move": [mix(np.full(len(own), 12), own, their, d["move"])],
        "material": [mix(np.full(len(own), 13), material_key(d["counts"]))],
    }
    return out


def table(
    keys_per_part: list[np.ndarray], rows: np.ndarray, n_rows: int, dedup_game=None
) -> sparse.csr_matrix:
    data_rows, data_cols = [], []
    for keys in keys_per_part:
        cols = (keys % np.uint64(BUCKETS)).astype(np.int64)
        if dedup_game is not None:
            pairs = np.unique(np.stack([rows, dedup_game, cols]), axis=1)
            data_rows.append(pairs[0])
            data_cols.append(pairs[2])
        else:
            data_rows.append(rows)
            data_cols.append(cols)
    r, c = np.concatenate(data_rows), np.concatenate(data_cols)
    m = sparse.csr_matrix((np.ones(len(r), np.float32), (r, c)), shape=(n_rows, BUCKETS))
    m.sum_duplicates()
    return m


def tfidf_scores(profiles: sparse.csr_matrix, queries: sparse.csr_matrix) -> np.ndarray:
    known = np.diff(profiles.indptr) > 0
    df = np.bincount(profiles.indices, minlength=BUCKETS)
    idf = np.log((1.0 + known.sum()) / (1.0 + df)) + 1.0

    def unit(m):
        m = m.copy()
        m.data = (1.0 + np.log(m.data)) * idf[m.indices]
        norms = np.sqrt(np.asarray(m.multiply(m).sum(1)).ravel())
        return sparse.diags(1 / np.maximum(norms, 1e-12)) @ m

    return np.asarray((unit(queries) @ unit(profiles).T).todense())


def main(query_from: int, games: int) -> None:
    started = time.perf_counter()
    prof = dict(np.load("data/pilot/profiles.npz"))
    que = dict(np.load("data/pilot/queries.npz"))
    names = Path("data/pilot/names.txt").read_text().split("\n")
    pick = prof["ply"] >= PROFILE_FROM
    prof = {k: v[pick] for k, v in prof.items()}
    pick = (que["ply"] >= query_from) & (que["game"] < games)
    que = {k: v[pick] for k, v in que.items()}
    authors = np.unique(que["player"])
    qrow = np.searchsorted(authors, que["player"])
    pk, qk = kinds(prof), kinds(que)
    total = np.zeros((len(authors), len(names)))
    print(f"{len(authors)} queries of {games} games from ply {query_from}, among {len(names)}")
    for kind in pk:
        for dedup in (False, True):
            P = table(
                pk[kind],
                prof["player"],
                len(names),
                prof["player"] * 100000 + prof["game"] if dedup else None,
            )
            Q = table(qk[kind], qrow, len(authors), que["game"] if dedup else None)
            s = tfidf_scores(P, Q)
            ranks = (s > s[np.arange(len(authors)), authors][:, None]).sum(1)
            if not dedup:
                spread = np.maximum(s.std(1, keepdims=True), 1e-12)
                total += (s - s.mean(1, keepdims=True)) / spread
            print(f"{kind + (' per game' if dedup else ''):>24}: {_summary(ranks)}", flush=True)
    ranks = (total > total[np.arange(len(authors)), authors][:, None]).sum(1)
    print(f"all z-summed: {_summary(ranks)}; {time.perf_counter() - started:.0f} s")


def _summary(ranks: np.ndarray) -> str:
    top1, top5, median = np.mean(ranks == 0), np.mean(ranks < 5), np.median(ranks)
    return f"top-1 {top1:.0%} top-5 {top5:.0%} median rank {median:.0f}"


PROFILE_FROM = 20
if __name__ == "__main__":
    a = sys.argv[1:]
    main(int(a[0]) if a else 30, int(a[1]) if len(a) > 1 else 100)
