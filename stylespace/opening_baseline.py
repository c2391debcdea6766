"""The trivial stylometry baseline the style vectors must beat: which openings a player chooses.

Each player is a TF-IDF profile over the (position, move) pairs of their own moves in the first
12 moves of their games; a query set is matched to the nearest profile by cosine similarity.
Masters are identified by their repertoire alone, so this baseline is strong with the openings
in view and blind once they are hidden (`from_ply` >= 24 leaves it no features at all).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from stylespace.encoding import GameEncoder
from stylespace.optout import normalise_name
from stylespace.positions import PlayedGame

OPENING_PLIES = 24


def opening_tokens(games: Sequence[PlayedGame], player: str, from_ply: int = 0) -> list[str]:
    """(position, move) pairs of `player`'s moves between `from_ply` and move 12."""
    wanted = normalise_name(player)
    encoder = GameEncoder()
    tokens = []
    for game in games:
        sides = (normalise_name(game.white) == wanted, normalise_name(game.black) == wanted)
        if not any(sides):
            continue
        opening = game.moves[:OPENING_PLIES]
        encoded = encoder.encode(opening)
        for ply in range(from_ply, len(opening)):
            if sides[ply % 2]:
                tokens.append(
                    f"{ply % 2}:{encoded.squares[ply].tobytes().hex()}:{encoded.moves[ply]}"
                )
    return tokens


class OpeningProfiles:
    """TF-IDF opening profiles of known players; `rank` orders them for a query's tokens."""

    def __init__(self, profiles: dict[str, list[str]]) -> None:
        self.players = list(profiles)
        self.vectorizer = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True)
        self.matrix = normalize(self.vectorizer.fit_transform([profiles[p] for p in self.players]))

    def rank(self, tokens: list[str]) -> list[tuple[str, float]]:
        """Players by cosine similarity to the query; nobody for an empty query."""
        if not tokens:
            return []
        query = normalize(self.vectorizer.transform([tokens]))
        scores = np.asarray((self.matrix @ query.T).todense()).ravel()
        order = np.argsort(-scores, kind="stable")
        return [(self.players[i], float(scores[i])) for i in order]
