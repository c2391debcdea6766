"""The real master file (skipped where ../shared is absent): a fast look at its first games."""

from __future__ import annotations

import io
from itertools import islice

import chess.pgn
import pytest
from conftest import MASTER_GAMES

from stylespace.pgn_decode import Game, decode_games
from stylespace.pgn_stream import open_pgn, split_games

pytestmark = pytest.mark.skipif(not MASTER_GAMES.exists(), reason="../shared is absent")


def test_the_first_games_decode_like_python_chess():
    with open_pgn(str(MASTER_GAMES)) as source:
        raw = list(islice(split_games(source.stream, "gm"), 3000))
    outcomes = decode_games(raw)
    games = [g for g in outcomes if isinstance(g, Game)]
    assert len(games) == 3000
    assert all(g.white and g.black and g.ply_count > 0 for g in games)
    for raw_game, game in list(zip(raw, games, strict=True))[:300]:
        reference = chess.pgn.read_game(io.StringIO(raw_game.text))
        assert game.moves == " ".join(m.uci() for m in reference.mainline_moves())
        assert game.white == reference.headers["White"]
