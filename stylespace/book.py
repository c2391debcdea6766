"""Opening books beside the network: in the first 20 moves, the moves chosen before in the
same position, by everybody and by the player.

The demo network (45% move matching) does not memorise the masters' openings, and a 128-number
style vector cannot hold a player's repertoire; the move-choice tables the model already keeps
for stylometry (`openings.MoveChoices`: every trained player's choices in their first 12 moves,
then moves 13 to 20) do. A prediction in such a position smooths the counts toward the network:

    P_everybody(m) = (n_all(m) + EVERYBODY_PRIOR * P_network(m)) / (N_all + EVERYBODY_PRIOR)
    P_player(m)    = (n_own(m) + OWN_PRIOR * P_everybody(m)) / (N_own + OWN_PRIOR)

so a move often chosen there wins, the network decides where the book is silent, and the
network's probabilities rank every move the book never saw. The base model gets everybody's
book, a player their own on top of it; a bare vector (steered, mixed, a query) the network
alone, since no games stand behind it. Priors chosen on the validation split
(`bench/book_priors.py`, `bench/results/opening-books.md`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from stylespace.encoding import N_MOVES
from stylespace.openings import MoveChoices, position_buckets

EVERYBODY_PRIOR = 2.0  # the network's weight, in games, against everybody's counts
OWN_PRIOR = 2.0  # everybody's book's weight, in games, against the player's own counts


BookTable = tuple[MoveChoices, int, int]  # a table and the plies [first, end) it covers


def with_books(
    probabilities: np.ndarray,
    squares: np.ndarray,
    plies: np.ndarray,
    legal: np.ndarray,
    tables: Sequence[BookTable],
    players: np.ndarray | None = None,
    everybody_prior: float | None = EVERYBODY_PRIOR,
    own_prior: float | None = OWN_PRIOR,
) -> np.ndarray:
    """The network's (positions, N_MOVES) move probabilities smoothed with the books of the
    positions' plies: everybody's (unless `everybody_prior` is None), then, with `players`
    (a task id per position, -1 for none), each player's own (unless `own_prior` is None)."""
    smoothed = np.array(probabilities, dtype=np.float32, copy=True)
    plies = np.asarray(plies)
    for table, first, end in tables:
        rows = np.flatnonzero((plies >= first) & (plies < end))
        if not len(rows) or not table.known.any():
            continue
        buckets = position_buckets(squares[rows], plies[rows])
        book = smoothed[rows]
        if everybody_prior is not None:
            book = _smooth(table.choice_counts(buckets), book, legal[rows], everybody_prior)
        if players is not None and own_prior is not None:
            own = table.choice_counts(buckets, np.asarray(players)[rows])
            book = _smooth(own, book, legal[rows], own_prior)
        smoothed[rows] = book
    return smoothed


def _smooth(counts: np.ndarray, prior: np.ndarray, legal: np.ndarray, weight: float) -> np.ndarray:
    """Counts of legal moves (a hashed bucket may hold another position's moves) smoothed
    toward `prior`, which has `weight` games' worth of say."""
    counts = counts[:, :N_MOVES] * legal
    visits = counts.sum(axis=1, keepdims=True)
    return (counts + weight * prior) / (visits + weight)
