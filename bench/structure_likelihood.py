"""Pilot: structures and late moves scored as a smoothed likelihood instead of a TF-IDF cosine.

The cosine over pawn-structure tokens found 58% of 100-game queries from ply 30 among 477
trained masters, and none for players enrolled from 100 games. The opening move choices gained
most when scored as a likelihood ratio with counts smoothed toward everybody's; this asks the
same of the late game, on the cached features (bench/structure_cache.py):

  score(p) = sum over query tokens (context s, token t) of log P_p(t | s) - log P(t | s),
  P_p(t | s) = (c_p(s, t) + a P(t | s)) / (c_p(s) + a),  P(t | s) = (c(s, t) + 1/V) / (c(s) + 1),

a context-free token (a structure) has one context for all. "cut": the 60 authors' profiles
from only their first 100 train games (as a player enrolled from 100 games), everyone else's
whole. Usage: python bench/structure_likelihood.py [QUERY_FROM] [GAMES]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from structure_tokens import BUCKETS, ZONES, mix, tfidf_scores

from stylespace.encoding import VOCABULARY

PROFILE_FROM = 20
PRIORS = (1.0, 2.0, 4.0, 8.0)


def token_kinds(d: dict[str, np.ndarray]) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """(context, token) key pairs per position, for each design; context 0 means none."""
    own, their, move = d["own_pawns"], d["their_pawns"], d["move"]
    n = len(own)
    none = np.zeros(n, np.uint64)
    whole = mix(np.full(n, 1), own, their)
    zones = [mix(np.full(n, 4 + i), own & z, their & z) for i, z in enumerate(ZONES.values())]
    kings = d["own_king"].astype(np.uint64) * np.uint64(64) + d["their_king"]
    target = _target(d)
    return {
        "structure": [(none, whole)] + [(none, z) for z in zones],
        "move | structure": [(whole, mix(whole, move))],
        "move | wing": [(z, mix(z, move)) for z in zones],
        "target | structure": [(whole, mix(whole, target))],
        "move | structure+kings": [(mix(whole, kings), mix(whole, kings, move))],
    }


TARGETS = np.array([target for _, target, _ in VOCABULARY], dtype=np.uint64)


def _target(d: dict[str, np.ndarray]) -> np.ndarray:
    """The move coarsened to its destination square, so choices made from different squares
    (a knight or a bishop landing on the same outpost) pool their evidence."""
    return TARGETS[d["move"]] + np.uint64(1 << 20)


def counts(
    pairs: list[tuple[np.ndarray, np.ndarray]], rows: np.ndarray, n_rows: int, game: np.ndarray
) -> tuple[sparse.csr_matrix, sparse.csr_matrix, np.ndarray]:
    """Per-row token counts and context counts, each game counting a token once."""
    tok_rows, tok_cols, ctx_cols = [], [], []
    for context, token in pairs:
        t = (token % np.uint64(BUCKETS)).astype(np.int64)
        c = (context % np.uint64(BUCKETS)).astype(np.int64)
        triples = np.unique(np.stack([rows.astype(np.int64), game.astype(np.int64), t, c]), axis=1)
        tok_rows.append(triples[0])
        tok_cols.append(triples[2])
        ctx_cols.append(triples[3])
    r, t, c = np.concatenate(tok_rows), np.concatenate(tok_cols), np.concatenate(ctx_cols)
    ones = np.ones(len(r), np.float64)
    tokens = sparse.csr_matrix((ones, (r, t)), shape=(n_rows, BUCKETS))
    contexts = sparse.csr_matrix((ones, (r, c)), shape=(n_rows, BUCKETS))
    context_of = np.zeros(BUCKETS, np.int64)
    context_of[t] = c
    tokens.sum_duplicates()
    contexts.sum_duplicates()
    return tokens, contexts, context_of


def likelihood(
    profile: tuple[sparse.csr_matrix, sparse.csr_matrix, np.ndarray],
    query: tuple[sparse.csr_matrix, sparse.csr_matrix, np.ndarray],
    prior: float,
    adaptive: bool,
) -> np.ndarray:
    """score[q, p] = Q_st . log1p(C_st / (a_ps P(t|s))) - Q_s . log1p(C_s / a_ps).

    Fixed: a_ps = prior. Adaptive (Witten-Bell): a_ps = prior times the number of distinct
    tokens the player has in context s, so a player whose choices there are spread thin is
    trusted less than one who always does the same thing."""
    tokens, contexts, context_of = profile
    everybody_t = np.asarray(tokens.sum(0)).ravel()
    everybody_c = np.asarray(contexts.sum(0)).ravel()
    vocabulary = max(1, int((everybody_t > 0).sum()) // max(1, int((everybody_c > 0).sum())))
    chance = (everybody_t + 1.0 / vocabulary) / (everybody_c[context_of] + 1.0)
    coo = tokens.tocoo()
    ctx = context_of[coo.col]
    if adaptive:
        distinct = sparse.csr_matrix((np.ones(len(coo.row)), (coo.row, ctx)), shape=contexts.shape)
        distinct.sum_duplicates()
        distinct.sort_indices()
        contexts = contexts.tocsr()
        contexts.sort_indices()
        per_token = np.maximum(np.asarray(distinct[coo.row, ctx]).ravel(), 1) * prior
        rows = np.repeat(np.arange(contexts.shape[0]), np.diff(contexts.indptr))
        per_context = np.maximum(np.asarray(distinct[rows, contexts.indices]).ravel(), 1) * prior
    else:
        per_token, per_context = prior, prior
    w_tok = sparse.csr_matrix(
        (np.log1p(coo.data / (per_token * chance[coo.col])), (coo.row, coo.col)),
        shape=tokens.shape,
    )
    w_ctx = contexts.copy()
    w_ctx.data = np.log1p(w_ctx.data / per_context)
    q_tok, q_ctx, _ = query
    return np.asarray((q_tok @ w_tok.T).todense()) - np.asarray((q_ctx @ w_ctx.T).todense())


def main(query_from: int, games: int) -> None:
    started = time.perf_counter()
    prof = dict(np.load("data/pilot/profiles.npz"))
    que = dict(np.load("data/pilot/queries.npz"))
    names = Path("data/pilot/names.txt").read_text().split("\n")
    prof = {k: v[prof["ply"] >= PROFILE_FROM] for k, v in prof.items()}
    que = {k: v[(que["ply"] >= query_from) & (que["game"] < games)] for k, v in que.items()}
    authors = np.unique(que["player"])
    cut = ~np.isin(prof["player"], authors) | (prof["game"] < 100)
    qrow = np.searchsorted(authors, que["player"])
    print(f"{len(authors)} queries of {games} games from ply {query_from}, among {len(names)}")
    pk, qk = token_kinds(prof), token_kinds(que)
    for kind in pk:
        query = counts(qk[kind], qrow, len(authors), que["game"])
        for profiles in ("whole", "cut"):
            keep = cut if profiles == "cut" else np.ones(len(cut), bool)
            built = counts(
                [(c[keep], t[keep]) for c, t in pk[kind]],
                prof["player"][keep],
                len(names),
                prof["game"][keep],
            )
            line = [f"{kind:>24} {profiles:>5}"]
            if kind == "structure":
                line.append(f"cosine {_summary(tfidf_scores(built[0], query[0]), authors)}")
            for prior in PRIORS:
                scores = likelihood(built, query, prior, adaptive=True)
                line.append(f"wb x{prior:g} {_summary(scores, authors)}")
            print(" | ".join(line), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


def _summary(scores: np.ndarray, authors: np.ndarray) -> str:
    own = scores[np.arange(len(authors)), authors][:, None]
    ranks = (scores >= own).sum(1) - 1  # ties count against the author
    return f"{np.mean(ranks == 0):.0%}/{np.mean(ranks < 5):.0%}"


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(int(arguments[0]) if arguments else 30, int(arguments[1]) if len(arguments) > 1 else 100)
