"""Per-player tables of hashed choices: openings, deep lines and pawn structures."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from scipy import sparse

from stylespace.encoding import GameEncoder
from stylespace.openings import (
    HASH_BUCKETS,
    MOVE_SLOTS,
    PACKED,
    STRUCTURE_PLIES,
    MoveChoices,
    Repertoires,
    StructureVisits,
    _unpacked,
    choice_keys,
    repertoire_tokens,
    structure_buckets,
)
from stylespace.positions import PlayedGame

SPANISH = ["e2e4", "e7e5", "g1f3", "b8c6", "f1b5"]
ITALIAN = ["e2e4", "e7e5", "g1f3", "b8c6", "f1c4"]

# Two move orders of a Queen's Gambit Declined that reach the same position after 8 plies.
ORDER_A = ["d2d4", "d7d5", "c2c4", "e7e6", "b1c3", "g8f6", "c1g5", "f8e7"]
ORDER_B = ["c2c4", "e7e6", "b1c3", "d7d5", "d2d4", "g8f6", "c1g5", "f8e7"]


def _structures_after(moves: list[str]) -> np.ndarray:
    squares = GameEncoder().encode([*moves, "e2e3"]).squares
    return structure_buckets(squares[len(moves) : len(moves) + 1])


def test_a_transposition_reaches_the_same_structure_tokens():
    assert np.array_equal(_structures_after(ORDER_A), _structures_after(ORDER_B))


def test_a_structure_shares_its_untouched_wings_with_a_neighbour():
    queenside_push = _structures_after([*ORDER_A, "e2e3", "a7a6"])
    kingside_push = _structures_after([*ORDER_A, "e2e3", "h7h6"])
    whole, queenside, centre, kingside = range(4)
    assert queenside_push[whole] != kingside_push[whole]
    assert queenside_push[queenside] != kingside_push[queenside]
    assert queenside_push[centre] == kingside_push[centre]
    assert queenside_push[kingside] != kingside_push[kingside]


def test_structures_count_only_the_players_own_moves_from_move_11_on():
    moves = [*ORDER_A, "e2e3", "e8g8", "g1f3", "b8d7", "a1c1", "c7c6", "f1d3", "d5c4"]
    moves += ["d3c4", "f6d5", "g5e7", "d8e7", "e1g1", "d5c3", "c1c3", "e6e5"]
    game = PlayedGame(moves, "White, W", "Black, B")
    assert len(moves) == 24
    white = repertoire_tokens([game], "White, W").structures
    squares = GameEncoder().encode(moves).squares
    assert set(white) == set(structure_buckets(squares[STRUCTURE_PLIES:24:2]))
    assert len(repertoire_tokens([game], "White, W", from_ply=23).structures) == 0
    assert len(repertoire_tokens([game], "Black, B", from_ply=23).structures) == 4


def test_a_game_counts_each_structure_it_reaches_once():
    shuffle = ["g1f3", "b8c6", "f3g1", "c6b8"] * 8  # pieces move, the pawns stay
    game = PlayedGame([*ORDER_A, *shuffle], "White, W", "Black, B")
    tokens = repertoire_tokens([game, game], "White, W").structures
    assert len(tokens) == 2 * 4 and len(set(tokens)) == 4


def test_a_table_survives_its_compact_file_layout():
    rng = np.random.default_rng(3)
    counts = sparse.random(5, HASH_BUCKETS, density=3e-5, format="lil", random_state=4)
    counts[4, 0], counts[4, 200_000], counts[4, HASH_BUCKETS - 1] = 0.5, 0.5, 0.5  # long jumps
    counts = sparse.csr_matrix(counts, dtype=np.float32)
    counts.data = np.ceil(counts.data * rng.integers(1, 5000, counts.nnz))  # many past 255
    stored = Repertoires(counts).arrays("x_")
    assert sum(a.nbytes for a in stored.values()) < 3.5 * counts.nnz
    again = Repertoires.from_arrays(stored, "x_").counts
    assert (again.indices == counts.indices).all() and (again.indptr == counts.indptr).all()
    small = counts.data <= 160
    assert np.array_equal(again.data[small], counts.data[small])  # exact where most counts are
    assert np.abs(again.data / counts.data - 1).max() < 0.035  # within half a step above


def _zlib_layout(stored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same table as the models before the byte planes stored it: each array zlib'd."""
    older = {}
    for name, array in stored.items():
        if name.endswith(PACKED):
            base = name.removesuffix(PACKED)
            plain = _unpacked(stored, base, np.uint8 if "count" in base else np.uint16)
            older[f"{base}.z"] = np.frombuffer(zlib.compress(plain.tobytes()), dtype=np.uint8)
        else:
            older[name] = array
    return older


def test_a_table_in_the_zlib_layout_still_loads_the_same():
    keys = [_openings(["e2e4", "e7e5", "g1f3"], games=300), _openings(["d2d4", "d7d5"])]
    stored = MoveChoices.from_tokens(keys).arrays("c_")
    now, before = (
        MoveChoices.from_arrays(stored, "c_"),
        MoveChoices.from_arrays(_zlib_layout(stored), "c_"),
    )
    assert (now.counts != before.counts).nnz == 0 and now.counts.nnz == before.counts.nnz > 0


def test_a_table_in_the_earlier_layout_still_loads_with_its_counts_clipped():
    counts = sparse.csr_matrix(([3.0, 400.0], ([0, 1], [7, 9])), shape=(2, HASH_BUCKETS))
    stored = _zlib_layout(Repertoires(counts).arrays())
    del stored["count_codes.z"]
    clipped = zlib.compress(np.array([3, 255], dtype=np.uint8).tobytes())
    stored["counts.z"] = np.frombuffer(clipped, dtype=np.uint8)
    again = Repertoires.from_arrays(stored).counts
    assert again.toarray()[[0, 1], [7, 9]].tolist() == [3.0, 255.0]


def test_a_players_own_structures_rank_them_first():
    players = {"Carlsbad, C": [*ORDER_A, "e2e3", "e8g8"], "Other, O": ["e2e4", "c7c5"]}
    shuffle = ["g1f3", "b8c6", "f3g1", "c6b8"] * 8  # pieces move, the pawns stay
    games = {name: PlayedGame(moves + shuffle, name, "Opponent") for name, moves in players.items()}
    table = StructureVisits.from_tokens(
        [repertoire_tokens([g], n).structures for n, g in games.items()] + [[]]
    )
    query = repertoire_tokens([games["Carlsbad, C"]], "Carlsbad, C", from_ply=30).structures
    carlsbad, other, unknown = table.scores(query)
    assert len(query) > 0 and carlsbad > 0 > other and unknown == 0.0


def _structure_games(moves: list[str], games: int) -> np.ndarray:
    shuffle = ["g1f3", "b8c6", "f3g1", "c6b8"] * 8
    game = PlayedGame(moves + shuffle, "Me, M", "Other, O")
    return repertoire_tokens([game] * games, "Me, M").structures


def test_a_structure_profile_from_few_games_is_not_outscored_by_a_prolific_one():
    carlsbad = [*ORDER_A, "e2e3", "e8g8"]
    query = _structure_games(carlsbad, 2)
    few = _structure_games(carlsbad, 3)
    lines = (["e2e4", "c7c5"], ["e2e4", "e7e5"], ["d2d4", "g8f6", "c2c4", "g7g6"], ["c2c4", "e7e5"])
    many = np.concatenate(
        [_structure_games(carlsbad, 40)] + [_structure_games(line, 40) for line in lines]
    )
    never = np.concatenate([_structure_games(line, 50) for line in lines])
    few_score, many_score, never_score = StructureVisits.from_tokens([few, many, never]).scores(
        query
    )
    assert few_score > many_score > never_score


def _openings(
    moves: list[str], player: str = "Me, M", games: int = 1, as_black: bool = False
) -> np.ndarray:
    sides = ("Other, O", player) if as_black else (player, "Other, O")
    return repertoire_tokens([PlayedGame(moves, *sides)] * games, player).openings


def test_a_transposition_reaches_the_same_move_choice():
    after_a = choice_keys(GameEncoder().encode([*ORDER_A, "e1g1"]), [8])
    after_b = choice_keys(GameEncoder().encode([*ORDER_B, "e1g1"]), [8])
    assert np.array_equal(after_a, after_b)
    assert after_a[0] % MOVE_SLOTS == GameEncoder().encode([*ORDER_A, "e1g1"]).moves[8]


def test_choosing_otherwise_in_the_same_position_is_evidence_against():
    query = _openings(["e2e4", "e7e5", "g1f3", "b8c6", "f1b5"])  # the Spanish
    table = MoveChoices.from_tokens(
        [
            _openings(["e2e4", "e7e5", "g1f3", "b8c6", "f1b5"], games=3),  # plays it
            _openings(["d2d4", "g8f6", "c2c4"], games=30, as_black=True),  # never reaches it
            _openings(["e2e4", "e7e5", "g1f3", "b8c6", "f1c4"], games=30),  # reaches, plays Bc4
        ]
    )
    spanish, never, italian = table.scores(query)
    assert spanish > 0 and never == 0.0 and italian < 0
    assert MoveChoices.empty(2).scores(query).tolist() == [0.0, 0.0]


def test_a_player_known_from_few_games_is_not_outscored_by_a_prolific_one():
    line = ["e2e4", "c7c6", "d2d4", "d7d5", "b1c3"]
    query = _openings(line, "Me, M", games=2)
    few = _openings(line, games=2)
    many = np.concatenate([_openings(line, games=40), _openings(["d2d4", "g8f6"], games=60)])
    few_score, many_score = MoveChoices.from_tokens([few, many]).scores(query)
    assert few_score > many_score


def test_a_move_choice_table_survives_its_compact_file_layout():
    keys = [_openings(["e2e4", "e7e5", "g1f3"], games=300), _openings(["d2d4", "d7d5"])]
    table = MoveChoices.from_tokens(keys)
    stored = table.arrays("c_")
    again = MoveChoices.from_arrays(stored, "c_").counts
    assert (again.indices == table.counts.indices).all()
    assert abs(again.data.max() / 300 - 1) < 0.035  # not clipped at 255 (a byte once was)
    assert again.shape[1] == HASH_BUCKETS * MOVE_SLOTS


def test_a_query_reads_each_players_counts_of_its_moves_and_positions():
    profiles = [
        _openings(["e2e4", "e7e5", "g1f3", "b8c6", "f1b5"], games=3),
        _openings(["e2e4", "e7e5", "g1f3", "b8c6", "f1c4"], games=2),
        _openings(["d2d4", "g8f6", "c2c4"], games=4),
        _openings([]),  # a player without a profile
    ]
    table = MoveChoices.from_tokens(profiles)
    query = _openings(["e2e4", "e7e5", "g1f3", "b8c6", "f1b5"], games=2)
    chose, visits, repeats = table.query_counts(query)
    moves = np.unique(query)  # every move of the query was reached by somebody
    expected_chose = [[np.sum(p == key) for key in moves] for p in profiles]
    expected_visits = [
        [np.sum(p // MOVE_SLOTS == key // MOVE_SLOTS) for key in moves] for p in profiles
    ]
    assert chose.tolist() == expected_chose
    assert visits.tolist() == expected_visits
    assert repeats.tolist() == [2] * len(moves)


def test_each_games_scores_read_together_equal_each_game_scored_alone():
    carlsbad = [*ORDER_A, "e2e3", "e8g8"]
    choices = MoveChoices.from_tokens([_openings(SPANISH, games=3), _openings(ITALIAN, games=2)])
    games = [_openings(SPANISH), _openings(ITALIAN), _openings(["a2a3"]), np.zeros(0, np.int64)]
    together = choices.scores_by_game(games)
    assert together.shape == (4, 2)
    assert np.allclose(together, [choices.scores(game) for game in games])
    visits = StructureVisits.from_tokens([_structure_games(carlsbad, 3), _structure_games([], 2)])
    games = [_structure_games(carlsbad, 1), _structure_games(["e2e4", "c7c5"], 1), []]
    together = visits.scores_by_game(games)
    assert np.allclose(together, [visits.scores(game) for game in games])
    assert MoveChoices.empty(2).scores_by_game(games[:1]).tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize(
    ("kind", "field"),
    [(MoveChoices, "openings"), (MoveChoices, "deep_lines"), (StructureVisits, "structures")],
)
def test_games_left_out_are_scored_as_if_the_table_had_never_counted_them(kind, field):
    shuffle = ["g1f3", "b8c6", "f3g1", "c6b8"] * 8  # long enough for deep lines and structures
    carlsbad = [*ORDER_A, "e2e3", "e8g8"]

    def games(player: str, *lines: list[str]) -> list[PlayedGame]:
        return [PlayedGame([*line, *shuffle], player, "Other, O") for line in lines]

    def tokens(played: list[PlayedGame], player: str = "Me, M") -> np.ndarray:
        return getattr(repertoire_tokens(played, player), field)

    mine = games("Me, M", SPANISH, SPANISH, carlsbad, ITALIAN)
    theirs = games("You, Y", ITALIAN, ITALIAN, carlsbad)
    query = mine[2:]  # two games of mine the table counted
    counted = kind.from_tokens([tokens(mine), tokens(theirs, "You, Y")])
    never = kind.from_tokens([tokens(mine[:2]), tokens(theirs, "You, Y")])
    asked, left_out = tokens(query), {0: tokens(query)}
    assert not np.allclose(counted.scores(asked), never.scores(asked))
    assert np.allclose(counted.scores(asked, left_out), never.scores(asked))
    assert np.allclose(counted.without(left_out).scores(asked), never.scores(asked))  # a copy
    per_game = [tokens([game]) for game in query]
    assert np.allclose(counted.scores_by_game(per_game, left_out), never.scores_by_game(per_game))
    if kind is MoveChoices:
        assert counted.scores_and_known_share(asked, left_out)[1] == pytest.approx(
            never.scores_and_known_share(asked)[1]
        )
