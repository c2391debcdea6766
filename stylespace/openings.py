"""Opening repertoires: which (position, move) pairs a player chooses in their first 12 moves.

Two uses. As TF-IDF over (position, move) tokens with a cosine (`OpeningProfiles`), it is the
trivial stylometry baseline the style model must beat (masters are identified by their
repertoire; it is blind once the openings are hidden). Stored per player in the model
(`MoveChoices`, hashed counts: no game record), it is the opening half of the `fused`
identification method (see `stylometry.py`), scored as a likelihood rather than a cosine: how
much better the player's own choices in each query position predict the query's moves than
everybody's do (`MoveChoices.scores`). That tells "never reached this position" (no evidence)
from "reached it and chose otherwise" (evidence against), and it does not punish a player known
from few games; it found 62% of 5-game and 95% of 20-game queries where the cosine found 12% and
60% (`bench/results/move-choices.md`). For queries whose openings are hidden, a second table of
the same kind holds each player's deep lines (moves 13 to 20, `DEEP_LINE_PLIES`), and a third the
pawn structures their games reach from move 11 on (`structure_buckets`): positions after move 15
rarely repeat, but the structures a repertoire leads to do, so they still name a player whose
first 15 moves are hidden (`bench/results/structures.md`). Structures are counted once per game
and scored as a likelihood ratio too (`StructureVisits.scores`), on tokens hashed to 2^24
buckets.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import chess
import numpy as np
import zstandard
from scipy import sparse

from stylespace.encoding import OWN, THEIRS, EncodedGame, GameEncoder
from stylespace.optout import normalise_name
from stylespace.positions import PlayedGame

OPENING_PLIES = 24
DEEP_LINE_PLIES = 40  # prepared lines run past move 12; positions after move 20 rarely repeat
STRUCTURE_PLIES = 20  # structures from move 11 on: before it, the repertoire says more
HASH_BUCKETS = 1 << 24
MOVE_SLOTS = 2048  # a move-choice key is position bucket * 2048 + move (1,858 moves)
CHOICE_PRIOR = 2.0  # how many of a player's own choices weigh as much as everybody's
NOVELTY = 2.0  # a structure profile's prior: this many pseudo-counts per distinct structure
LEGAL_MOVES = 30  # everybody's choice spreads this thin over moves nobody played there
GAMES_PER_LOOKUP = 1024  # `scores_by_game`: (players x distinct moves) numbers per look-up
_MAX_GAP = 65535  # the longest jump between stored buckets (uint16)
_EXACT_COUNTS = 160  # stored counts up to this are exact; above it, 6.5% steps up to 65,536
_COUNT_STEP = (65536 / _EXACT_COUNTS) ** (1 / (255 - _EXACT_COUNTS))
_COUNT_OF_CODE = np.concatenate(
    [
        np.arange(_EXACT_COUNTS + 1, dtype=np.float64),
        np.round(_EXACT_COUNTS * _COUNT_STEP ** np.arange(1, 256 - _EXACT_COUNTS)),
    ]
).astype(np.float32)

Tokens = Sequence[str] | np.ndarray  # strings, or buckets already hashed (`structure_buckets`)
# Per row (task id): keys its counts hold that a query's scores should not count, e.g. the
# author's own moves of a query game the table was built from (`known_games.LeftOut.of`).
LeftOutKeys = dict[int, np.ndarray]


class RepertoireTokens(NamedTuple):
    """A player's tokens for the three stored tables."""

    openings: np.ndarray  # the first 12 moves as move-choice keys (`choice_keys`)
    deep_lines: np.ndarray  # moves 13 to 20, as move-choice keys
    structures: np.ndarray  # pawn structures from move 11 on, hashed, each once per game


def _author_games(
    games: Sequence[PlayedGame], player: str, until_ply: int | None
) -> Iterator[tuple[EncodedGame, range]]:
    """Each game `player` played, encoded up to `until_ply`, with the plies they moved at."""
    wanted = normalise_name(player)
    encoder = GameEncoder()
    for game in games:
        sides = (normalise_name(game.white) == wanted, normalise_name(game.black) == wanted)
        if any(sides):
            moves = game.moves[:until_ply]
            yield encoder.encode(moves), range(0 if sides[0] else 1, len(moves), 2)


def _position_move(encoded: EncodedGame, ply: int) -> str:
    return f"{ply % 2}:{encoded.squares[ply].tobytes().hex()}:{encoded.moves[ply]}"


def choice_keys(encoded: EncodedGame, plies: Sequence[int]) -> np.ndarray:
    """Each ply's (position, move) as one integer: the position (side to move and squares)
    hashed to `HASH_BUCKETS`, times `MOVE_SLOTS`, plus the move; the table can then add up a
    player's visits to a position over the moves they chose there."""
    plies = np.asarray(plies, dtype=np.int64)
    position = position_buckets(encoded.squares[plies], plies)
    return position * MOVE_SLOTS + encoded.moves[plies].astype(np.int64)


def position_buckets(squares: np.ndarray, plies: np.ndarray) -> np.ndarray:
    """Positions (side to move and squares) hashed to `HASH_BUCKETS`, as move-choice keys and
    the opening books (`book.py`) find them."""
    words = np.ascontiguousarray(squares, dtype=np.uint8).view(np.uint64)
    side = np.asarray(plies, dtype=np.int64) % 2
    return (_mix(side, *words.T) % np.uint64(HASH_BUCKETS)).astype(np.int64)


def opening_tokens(
    games: Sequence[PlayedGame], player: str, from_ply: int = 0, until_ply: int = OPENING_PLIES
) -> list[str]:
    """(position, move) pairs of `player`'s moves from ply `from_ply` up to `until_ply` (by
    default the first 12 moves)."""
    return [
        _position_move(encoded, ply)
        for encoded, plies in _author_games(games, player, until_ply)
        for ply in plies
        if ply >= from_ply
    ]


def game_repertoires(
    games: Sequence[PlayedGame], player: str, from_ply: int = 0
) -> list[RepertoireTokens]:
    """`player`'s tokens for the three tables (their moves from `from_ply` on), one
    `RepertoireTokens` per game they played, one encoding per game."""
    found = []
    for encoded, plies in _author_games(games, player, None):
        openings = choice_keys(encoded, [p for p in plies if from_ply <= p < OPENING_PLIES])
        deep = [p for p in plies if max(from_ply, OPENING_PLIES) <= p < DEEP_LINE_PLIES]
        later = [ply for ply in plies if ply >= max(from_ply, STRUCTURE_PLIES)]
        structures = np.unique(structure_buckets(encoded.squares[later]))
        found.append(RepertoireTokens(openings, choice_keys(encoded, deep), structures))
    return found


def joined_repertoire(per_game: Sequence[RepertoireTokens]) -> RepertoireTokens:
    """Several games' tokens as one profile's."""
    return RepertoireTokens(
        *(_joined([getattr(g, f) for g in per_game]) for f in RepertoireTokens._fields)
    )


def repertoire_tokens(
    games: Sequence[PlayedGame], player: str, from_ply: int = 0
) -> RepertoireTokens:
    """`player`'s tokens for the three tables (their moves from `from_ply` on)."""
    return joined_repertoire(game_repertoires(games, player, from_ply))


def _joined(keys: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(keys) if keys else np.zeros(0, np.int64)


_SQUARE_BITS = np.left_shift(np.uint64(1), np.arange(64, dtype=np.uint64))
_FILE_A = 0x0101010101010101
_WINGS = tuple(  # files a-c, c-f and f-h: parts of a structure recur more often than the whole
    np.uint64(sum(_FILE_A << file for file in files))
    for files in ((0, 1, 2), (2, 3, 4, 5), (5, 6, 7))
)


def _mix(*parts: np.ndarray) -> np.ndarray:
    """splitmix64 of the parts, chained: a fast, well-spread 64-bit hash of integer columns."""
    key = np.zeros(len(parts[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for part in parts:
            key = (key ^ part.astype(np.uint64)) + np.uint64(0x9E3779B97F4A7C15)
            key = (key ^ (key >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            key = (key ^ (key >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            key ^= key >> np.uint64(31)
    return key


def structure_buckets(squares: np.ndarray) -> np.ndarray:
    """Four hashed tokens per position (squares in the mover's frame, `encoding.py`): both
    sides' pawns, and their parts on the queenside, in the centre and on the kingside."""
    own = (squares == OWN[chess.PAWN]).astype(np.uint64) @ _SQUARE_BITS
    theirs = (squares == THEIRS[chess.PAWN]).astype(np.uint64) @ _SQUARE_BITS
    keys = [_mix(np.zeros_like(own), own, theirs)]
    keys += [_mix(np.full_like(own, i + 1), own & w, theirs & w) for i, w in enumerate(_WINGS)]
    return (np.concatenate(keys) % np.uint64(HASH_BUCKETS)).astype(np.int64)


def _bucket(token: str) -> int:
    digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") % HASH_BUCKETS


def _buckets(tokens: Tokens) -> np.ndarray:
    if isinstance(tokens, np.ndarray):
        return tokens.astype(np.int64)
    return np.fromiter((_bucket(token) for token in tokens), dtype=np.int64, count=len(tokens))


def _row(tokens: Tokens, width: int = HASH_BUCKETS) -> sparse.csr_matrix:
    """Tokens as one row of hashed bucket counts: what a stored profile keeps."""
    buckets, counts = np.unique(_buckets(tokens), return_counts=True)
    return sparse.csr_matrix(
        (counts.astype(np.float32), buckets, [0, len(buckets)]),
        shape=(1, width),
        dtype=np.float32,
    )


def _unit_weights(counts: sparse.csr_matrix, idf_of_entries: np.ndarray) -> np.ndarray:
    """The rows' TF-IDF weights (sublinear tf), each row scaled to unit length."""
    weights = (1.0 + np.log(counts.data)) * idf_of_entries
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=weights**2, minlength=counts.shape[0]))
    return (weights / np.maximum(norms, 1e-12)[rows]).astype(np.float32)


class Repertoires:
    """Per-player counts of hashed tokens (row = task id; an empty row is a player without
    one), scored by TF-IDF cosine."""

    SLOTS = 1  # keys per hash bucket (`MoveChoices` keeps the move beside the position)

    def __init__(self, counts: sparse.csr_matrix) -> None:
        self.counts = sparse.csr_matrix(counts, dtype=np.float32)
        self._cache: object = None  # what `scores` derives from the counts

    @classmethod
    def width(cls) -> int:
        return HASH_BUCKETS * cls.SLOTS

    @classmethod
    def empty(cls, players: int) -> Repertoires:
        return cls(sparse.csr_matrix((players, cls.width()), dtype=np.float32))

    @classmethod
    def from_tokens(cls, profiles: Sequence[Tokens]) -> Repertoires:
        rows = [_row(tokens, cls.width()) for tokens in profiles]
        return cls(sparse.vstack(rows, format="csr") if rows else cls.empty(0).counts)

    def __len__(self) -> int:
        return self.counts.shape[0]

    @property
    def known(self) -> np.ndarray:
        """Players with a profile."""
        return np.diff(self.counts.indptr) > 0

    def row_counts(self, row: int, keys: np.ndarray) -> np.ndarray:
        """Player `row`'s counts of the sorted `keys` (0 where they have none)."""
        if not self.counts.has_sorted_indices:
            self.counts.sort_indices()
        places, seen = _row_places(self.counts, row, keys)
        found = np.zeros(len(keys), dtype=np.float64)
        found[seen] = self.counts.data[places[seen]]
        return found

    def without(self, left_out: LeftOutKeys) -> Repertoires:
        """A copy of the table as if it had never counted `left_out`'s keys (a row left with
        none has no profile). Copies the whole table: for a measurement over many games
        (`eval --games`), where one copy serves them all; a query takes them out of the
        counts it reads instead."""
        counts = self.counts.copy()
        counts.sort_indices()
        for row, keys in left_out.items():
            if not 0 <= row < len(self) or not len(keys):
                continue
            own, times = np.unique(np.asarray(keys, dtype=np.int64), return_counts=True)
            places, seen = _row_places(counts, row, own)
            places = places[seen]
            counts.data[places] = np.maximum(counts.data[places] - times[seen], 0.0)
        counts.eliminate_zeros()
        return type(self)(counts)

    def set_row(self, row: int, tokens: Tokens | None) -> None:
        """Give player `row` the profile of `tokens` (None or empty: none); grows the table."""
        if row >= len(self):
            padding = sparse.csr_matrix((row + 1 - len(self), self.width()), dtype=np.float32)
            self.counts = sparse.vstack([self.counts, padding], format="csr")
        self.set_rows({row: [] if tokens is None else tokens})

    def set_rows(self, profiles: dict[int, Tokens]) -> None:
        """Set many players' profiles at once; rows not named keep theirs."""
        rows = [
            _row(profiles[row], self.width()) if row in profiles else self.counts[row]
            for row in range(len(self))
        ]
        self.counts = sparse.vstack(rows, format="csr", dtype=np.float32)
        self._cache = None

    def scores(self, tokens: Tokens) -> np.ndarray:
        """Cosine of the query's TF-IDF vector with every player's (0 for players without a
        profile, and for everyone when the query has no opening moves)."""
        if len(tokens) == 0 or not self.known.any():
            return np.zeros(len(self), dtype=np.float32)
        if self._cache is None:
            players = int(self.known.sum())
            df = np.bincount(self.counts.indices, minlength=HASH_BUCKETS)
            idf = np.log((1.0 + players) / (1.0 + df[self.counts.indices])) + 1.0
            unit = sparse.csr_matrix(
                (_unit_weights(self.counts, idf), self.counts.indices, self.counts.indptr),
                shape=self.counts.shape,
            )
            self._cache = (unit, df, players)
        unit, df, players = self._cache
        query = _row(tokens)
        idf = np.log((1.0 + players) / (1.0 + df[query.indices])) + 1.0
        dense = np.zeros(HASH_BUCKETS, dtype=np.float32)
        dense[query.indices] = _unit_weights(query, idf)
        return np.asarray(unit @ dense, dtype=np.float32)

    def arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """The table as arrays for safetensors, their names starting with `prefix`, small
        enough for the demo model's size budget: a bucket is stored as its uint16 distance from
        the row's previous one (a longer jump is bridged by entries with count 0), a count
        as one byte (`count_codes`), a move-choice key's move beside it; each array
        compressed (`_packed`; most counts are 1), 0.07 s to unpack for the demo's tables."""
        counts = self.counts.sorted_indices()
        indptr, keys = counts.indptr.astype(np.int64), counts.indices.astype(np.int64)
        buckets = keys // self.SLOTS
        previous = np.concatenate([[0], buckets[:-1]])
        previous[indptr[:-1][np.diff(indptr) > 0]] = 0  # a row's first gap counts from 0
        gaps = buckets - previous
        bridges = np.maximum(gaps - 1, 0) // _MAX_GAP
        bridges_before = np.concatenate([[0], np.cumsum(bridges)])
        slots = np.arange(len(gaps)) + bridges_before[1:]
        stored_gaps = np.full(len(gaps) + int(bridges.sum()), _MAX_GAP, dtype=np.uint16)
        stored_counts = np.zeros(len(stored_gaps), dtype=np.uint8)
        stored_gaps[slots] = gaps - bridges * _MAX_GAP
        stored_counts[slots] = count_codes(counts.data)
        stored = {
            f"{prefix}indptr": indptr + bridges_before[indptr],
            f"{prefix}gaps{PACKED}": _packed(stored_gaps),
            f"{prefix}count_codes{PACKED}": _packed(stored_counts),
        }
        if self.SLOTS > 1:
            stored_slots = np.zeros(len(stored_gaps), dtype=np.uint16)
            stored_slots[slots] = keys % self.SLOTS
            stored[f"{prefix}slots{PACKED}"] = _packed(stored_slots)
        return stored

    @classmethod
    def from_arrays(cls, stored: dict[str, np.ndarray], prefix: str = "") -> Repertoires:
        """The table saved by `arrays(prefix)` (or by the layouts before it); an empty one when
        it is not there."""
        if f"{prefix}indptr" not in stored:
            return cls.empty(0)
        indptr = np.asarray(stored[f"{prefix}indptr"])
        if f"{prefix}buckets" in stored:  # the first layout: int32 buckets, uint16 counts
            buckets = np.asarray(stored[f"{prefix}buckets"])
            counts = np.asarray(stored[f"{prefix}counts"]).astype(np.float32)
            return cls(sparse.csr_matrix((counts, buckets, indptr), (len(indptr) - 1, cls.width())))
        if _is_stored(stored, f"{prefix}count_codes"):
            counts = _COUNT_OF_CODE[_unpacked(stored, f"{prefix}count_codes", np.uint8)]
        else:  # the layout before: counts clipped to 255
            counts = _unpacked(stored, f"{prefix}counts", np.uint8).astype(np.float32)
        lengths = np.diff(indptr)
        jumps = np.cumsum(_unpacked(stored, f"{prefix}gaps", np.uint16).astype(np.int64))
        row_starts = np.concatenate([[0], jumps])[indptr[:-1]]
        keys = (jumps - np.repeat(row_starts, lengths)) * cls.SLOTS
        if cls.SLOTS > 1:
            keys += _unpacked(stored, f"{prefix}slots", np.uint16).astype(np.int64)
        # Stored row by row, keys ascending within a row: the CSR arrays are there already
        # once the bridges (count 0) are dropped, with no sort (0.3 s of every `identify`).
        real = counts > 0
        kept = np.concatenate([[0], np.cumsum(real)])[indptr]
        matrix = sparse.csr_matrix(
            (counts[real], keys[real], kept), shape=(len(lengths), cls.width()), dtype=np.float32
        )
        return cls(matrix)


def count_codes(counts: np.ndarray) -> np.ndarray:
    """Counts as one byte each: exact up to `_EXACT_COUNTS`, then logarithmic (6.5% steps up
    to 65,536). A plain byte clipped at 255 made the first moves of the most prolific players
    look rarer than they are (a 5-game query lost one author of 60: `bench/results/
    move-choices.md`; rebuilt with this code, models/demo found one more author from 5 games
    and one more unseen one from 20 on the test split); the scores read counts through
    logarithms, where an error of at most 3.2% is small beside the smoothing."""
    counts = np.maximum(np.asarray(counts, dtype=np.float64), 1.0)
    above = _EXACT_COUNTS + np.round(np.log(counts / _EXACT_COUNTS) / np.log(_COUNT_STEP))
    exact = np.round(np.minimum(counts, _EXACT_COUNTS))
    return np.where(counts <= _EXACT_COUNTS, exact, np.clip(above, 0, 255)).astype(np.uint8)


PACKED = ".zst"  # `_packed` arrays; ".z": zlib, the layout before
PACKING_LEVEL = 12  # zstd: the demo's tables in 1.3 s (level 19: 15 s, 3% smaller)


def _packed(array: np.ndarray) -> np.ndarray:
    """`array` as zstd-compressed byte planes (all low bytes, then all high bytes): the high
    bytes of the buckets' gaps are small and compress well once apart from the nearly random
    low ones (the demo's tables: 32.5 MB instead of 36.0 MB with zlib, faster to write, 4
    times faster to unpack)."""
    planes = np.ascontiguousarray(array).view(np.uint8).reshape(-1, array.itemsize).T
    compressed = zstandard.ZstdCompressor(level=PACKING_LEVEL).compress(planes.tobytes())
    return np.frombuffer(compressed, dtype=np.uint8)


def _is_stored(stored: dict[str, np.ndarray], name: str) -> bool:
    return f"{name}{PACKED}" in stored or f"{name}.z" in stored


def _unpacked(stored: dict[str, np.ndarray], name: str, dtype: type) -> np.ndarray:
    """An array saved by `_packed` under `name.zst`, or by the layouts before: zlib under
    `name.z`, raw under `name`."""
    if f"{name}{PACKED}" in stored:
        raw = zstandard.ZstdDecompressor().decompress(np.asarray(stored[f"{name}{PACKED}"]))
        width = np.dtype(dtype).itemsize
        planes = np.frombuffer(raw, dtype=np.uint8).reshape(width, -1)
        return np.ascontiguousarray(planes.T).view(dtype).ravel()
    if f"{name}.z" in stored:
        return np.frombuffer(
            zlib.decompress(np.asarray(stored[f"{name}.z"]).tobytes()), dtype=dtype
        )
    return np.asarray(stored[name]).view(dtype)


class MoveChoices(Repertoires):
    """Per-player counts of move-choice keys (`choice_keys`), scored as a likelihood ratio."""

    SLOTS = MOVE_SLOTS

    def __init__(self, counts: sparse.csr_matrix) -> None:
        super().__init__(counts)
        self._everybody: tuple[np.ndarray, np.ndarray] | None = None

    def set_rows(self, profiles: dict[int, Tokens]) -> None:
        super().set_rows(profiles)
        self._everybody = None

    def choice_counts(self, buckets: np.ndarray, players: np.ndarray | None = None) -> np.ndarray:
        """(positions, MOVE_SLOTS) counts of the moves chosen in each position bucket: by the
        player in the row `players[i]` (their own book; -1 or a row without a profile: none),
        or by all players together when `players` is None."""
        buckets = np.asarray(buckets, dtype=np.int64)
        found = np.zeros((len(buckets), self.SLOTS), dtype=np.float32)
        starts = buckets * self.SLOTS
        if players is None:
            keys, totals = self._totals()
            low, high = np.searchsorted(keys, starts), np.searchsorted(keys, starts + self.SLOTS)
            for i in np.flatnonzero(high > low):
                found[i, keys[low[i] : high[i]] - starts[i]] = totals[low[i] : high[i]]
            return found
        counts = self.counts
        if not counts.has_sorted_indices:
            counts.sort_indices()
        for i, (player, start) in enumerate(zip(np.asarray(players), starts, strict=True)):
            if not 0 <= player < len(self):
                continue
            first, last = counts.indptr[player], counts.indptr[player + 1]
            keys = counts.indices[first:last]
            low, high = np.searchsorted(keys, [start, start + self.SLOTS])
            found[i, keys[low:high] - start] = counts.data[first + low : first + high]
        return found

    def _totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Every key that occurs, sorted, with all players' counts of it added up."""
        if self._everybody is None:
            keys, column = np.unique(self.counts.indices, return_inverse=True)
            totals = np.bincount(column, weights=self.counts.data, minlength=len(keys))
            self._everybody = (keys.astype(np.int64), totals.astype(np.float32))
        return self._everybody

    def scores(self, tokens: Tokens, left_out: LeftOutKeys | None = None) -> np.ndarray:
        """How much better each player's choices predict the query's moves than everybody's:
        the sum over the query's moves of log P(move | position, player) - log P(move |
        position, all players), with the player's counts in that position smoothed toward
        everybody's choice (`CHOICE_PRIOR`). Positions nobody in the table reached, and players
        without a profile, score 0. `left_out`: counts scored as if the table never held
        them (`_taken_out`)."""
        return self.scores_and_known_share(tokens, left_out)[0]

    def scores_and_known_share(
        self, tokens: Tokens, left_out: LeftOutKeys | None = None
    ) -> tuple[np.ndarray, float]:
        """`scores`, and the share of the query's moves that somebody in the table chose in
        that position: how much of the query the table can speak to (0 for an empty query)."""
        if len(tokens) == 0 or not self.known.any():
            return np.zeros(len(self), dtype=np.float32), 0.0
        query, repeats = np.unique(np.asarray(tokens, dtype=np.int64), return_counts=True)
        player_chose, player_visits, reached = self._reached_counts(query, left_out)
        repeats = repeats[reached]
        known = float(repeats[player_chose.sum(axis=0) > 0].sum()) / len(tokens)
        return (_choice_ratios(player_chose, player_visits) @ repeats).astype(np.float32), known

    def scores_by_game(
        self, games: Sequence[Tokens], left_out: LeftOutKeys | None = None
    ) -> np.ndarray:
        """`scores` of each game alone, (games, players): the moves of all games are looked
        up together, once, since a game's score is a sum over its moves (4,762 games: 1.6 s
        instead of 10 s one game at a time), `GAMES_PER_LOOKUP` at a time to bound memory."""
        if len(games) > GAMES_PER_LOOKUP:
            return np.concatenate(
                [
                    self.scores_by_game(games[start : start + GAMES_PER_LOOKUP], left_out)
                    for start in range(0, len(games), GAMES_PER_LOOKUP)
                ]
            )
        query, per_game = _tokens_by_game(games)
        if query.size == 0 or not self.known.any():
            return np.zeros((len(games), len(self)), dtype=np.float32)
        player_chose, player_visits, reached = self._reached_counts(query, left_out)
        ratios = _choice_ratios(player_chose, player_visits)
        return np.asarray(per_game[:, reached] @ ratios.T, dtype=np.float32)

    def query_counts(self, tokens: Tokens) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the distinct query moves in positions somebody reached: (players, moves) counts
        of each player choosing the move there and of visiting the position, and how often
        the query plays each move. Each is a difference of running totals, found by binary
        search in the table's own sorted keys (`_flat`), so no index of the table is built."""
        query, repeats = np.unique(np.asarray(tokens, dtype=np.int64), return_counts=True)
        player_chose, player_visits, reached = self._reached_counts(query)
        return player_chose, player_visits, repeats[reached]

    def _reached_counts(
        self, query: np.ndarray, left_out: LeftOutKeys | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`query_counts`' two count matrices for distinct moves `query`, and which of them
        stand in a position somebody reached (the matrices' columns), less `left_out`."""
        keys, running = self._flat()
        rows = np.arange(len(self), dtype=np.int64)[:, None] * self.width()
        visited = rows + (query // self.SLOTS * self.SLOTS)[None, :]
        player_visits = _counted(keys, running, visited, visited + self.SLOTS)
        reached = player_visits.sum(axis=0) > 0
        chosen = rows + query[reached][None, :]
        player_chose = _counted(keys, running, chosen, chosen + 1)
        player_visits = player_visits[:, reached]
        if left_out:
            _taken_out(player_chose, player_visits, query[reached], left_out, self.SLOTS)
        return player_chose, player_visits, reached

    def _flat(self) -> tuple[np.ndarray, np.ndarray]:
        """Every stored count's key, made unique across players (row * width + key) and sorted,
        and the running total of the counts before each (one more at the end)."""
        if self._cache is None:
            counts = self.counts
            if not counts.has_sorted_indices:
                counts.sort_indices()
            rows = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(counts.indptr))
            keys = rows * self.width() + counts.indices.astype(np.int64)
            running = np.concatenate([[0.0], np.cumsum(counts.data, dtype=np.float64)])
            self._cache = (keys, running)
        return self._cache


def _counted(
    keys: np.ndarray, running: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """The stored counts with keys in [low, high), added up (`MoveChoices._flat`)."""
    return running[np.searchsorted(keys, high)] - running[np.searchsorted(keys, low)]


def _taken_out(
    player_chose: np.ndarray,
    player_visits: np.ndarray,
    moves: np.ndarray,
    left_out: LeftOutKeys,
    slots: int,
) -> None:
    """Take `left_out`'s move-choice keys out of the (players, moves) counts of choosing each
    of `moves` and of visiting its position, in place: the counts as if the table had never
    held them (clipped at 0: a stored count above 160 may be up to 3.2% off)."""
    positions = moves // slots
    for row, keys in left_out.items():
        if not 0 <= row < len(player_chose) or not len(keys):
            continue
        own, times = np.unique(np.asarray(keys, dtype=np.int64), return_counts=True)
        player_chose[row] -= _looked_up(own, times, moves)
        own_positions, where = np.unique(own // slots, return_inverse=True)
        player_visits[row] -= _looked_up(own_positions, np.bincount(where, times), positions)
    np.maximum(player_visits, 0.0, out=player_visits)
    np.clip(player_chose, 0.0, player_visits, out=player_chose)


def _looked_up(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The value of each wanted key among sorted `keys` (0 where it is not there)."""
    column, seen = _columns(keys, wanted)
    return np.where(seen, values[column] if len(values) else 0, 0).astype(np.float64)


def _choice_ratios(player_chose: np.ndarray, player_visits: np.ndarray) -> np.ndarray:
    """(players, moves) log P(move | position, player) - log P(move | position, everybody):
    each player's choices smoothed toward everybody's (`CHOICE_PRIOR`); 0 for a position
    nobody reached."""
    prior = (player_chose.sum(axis=0) + 1.0 / LEGAL_MOVES) / (player_visits.sum(axis=0) + 1.0)
    own = (player_chose + CHOICE_PRIOR * prior) / (player_visits + CHOICE_PRIOR)
    return np.log(own / prior)


def _tokens_by_game(games: Sequence[Tokens]) -> tuple[np.ndarray, sparse.csr_matrix]:
    """The distinct tokens (hashed) of all `games`, sorted, and each game's count of each:
    (games, distinct tokens)."""
    arrays = [np.asarray(tokens, dtype=np.int64) for tokens in games]
    query, column = np.unique(np.concatenate([np.zeros(0, np.int64), *arrays]), return_inverse=True)
    game = np.repeat(np.arange(len(arrays)), [len(a) for a in arrays])
    counts = sparse.csr_matrix(
        (np.ones(len(column)), (game, column)), shape=(len(arrays), len(query))
    )
    return query, counts


class _StructureIndex(NamedTuple):
    """A structure table read by token (`StructureVisits._index`)."""

    counts: sparse.csc_matrix  # (players, tokens that occur): each player's count of each
    keys: np.ndarray  # the tokens that occur, sorted
    everybody: np.ndarray  # each token's count over all players
    distinct: np.ndarray  # each player's number of distinct tokens
    totals: np.ndarray  # each player's count of all their tokens


class _StructureCounts(NamedTuple):
    """What a structure query's scores read: the counts of its tokens found in the table
    (`found`), everybody's counts of them, and the table-wide numbers beside them."""

    counts: sparse.csc_matrix  # (players, found tokens)
    everybody: np.ndarray
    distinct: np.ndarray
    totals: np.ndarray
    occurring: int  # how many tokens occur at all
    grand_total: float


class StructureVisits(Repertoires):
    """Per-player counts of the games in which each hashed structure token occurred
    (`structure_buckets`), scored as a likelihood ratio."""

    def scores(self, tokens: Tokens, left_out: LeftOutKeys | None = None) -> np.ndarray:
        """How much better each player's structures predict the query's than everybody's do:
        the sum over the query's tokens of log P(token | player) - log P(token | all players),
        the player's frequencies smoothed toward everybody's with a prior as strong as
        `NOVELTY` times the number of distinct tokens they have (Witten-Bell): most
        structures after move 15 are new even to a player who has played 2,000 games, and
        the prior says how often that is. Found 70% of 100-game queries from ply 30 where the
        TF-IDF cosine found 58% (`bench/results/structure-likelihood.md`). Players without a
        profile score 0. `left_out`: counts scored as if the table never held them."""
        if len(tokens) == 0 or not self.known.any():
            return np.zeros(len(self), dtype=np.float32)
        query, repeats = np.unique(np.asarray(tokens, dtype=np.int64), return_counts=True)
        weights, found, novelty_cost = self._evidence(query, left_out)
        evidence = weights @ repeats[found].astype(np.float64)
        return (np.asarray(evidence).ravel() - novelty_cost * repeats.sum()).astype(np.float32)

    def scores_by_game(
        self, games: Sequence[Tokens], left_out: LeftOutKeys | None = None
    ) -> np.ndarray:
        """`scores` of each game alone, (games, players), from one look-up of all their
        tokens (a game's score is a sum over its tokens)."""
        query, per_game = _tokens_by_game(games)
        if query.size == 0 or not self.known.any():
            return np.zeros((len(games), len(self)), dtype=np.float32)
        weights, found, novelty_cost = self._evidence(query, left_out)
        evidence = (per_game[:, found] @ weights.T).toarray()
        tokens = np.asarray(per_game.sum(axis=1)).ravel()
        return (evidence - tokens[:, None] * novelty_cost[None, :]).astype(np.float32)

    def _evidence(
        self, query: np.ndarray, left_out: LeftOutKeys | None
    ) -> tuple[sparse.csc_matrix, np.ndarray, np.ndarray]:
        """For the distinct tokens `query`: (players, tokens found in the table) log1p(c_p(t) /
        (a_p P(t))), which tokens were found, and each player's log1p(N_p / a_p), what every
        query token costs them; with `left_out`'s tokens as if never counted. Only the
        query's columns are weighed, so leaving games out costs no pass over the table."""
        index = self._index()
        column, found = _columns(index.keys, query)
        read = _StructureCounts(
            index.counts[:, column[found]],
            index.everybody[column[found]],
            index.distinct,
            index.totals,
            len(index.keys),
            float(index.everybody.sum()),
        )
        if left_out:
            read = self._without(index, column[found], read, left_out)
        chance = (read.everybody + 1.0 / max(read.occurring, 1)) / (read.grand_total + 1.0)
        prior = NOVELTY * np.maximum(read.distinct, 1)
        counts = read.counts.tocoo()
        weights = np.log1p(counts.data / (prior[counts.row] * chance[counts.col]))
        matrix = sparse.csc_matrix((weights, (counts.row, counts.col)), shape=counts.shape)
        return matrix, found, np.log1p(read.totals / prior)

    def _without(
        self,
        index: _StructureIndex,
        picked: np.ndarray,
        read: _StructureCounts,
        left_out: LeftOutKeys,
    ) -> _StructureCounts:
        """`read` as if the table had never counted `left_out`'s tokens: their owners' counts,
        totals and distinct tokens, and everybody's, less them (`picked`: the query's columns
        among `index.keys`, ascending)."""
        distinct, totals = read.distinct.copy(), read.totals.copy()
        rows, columns, taken_counts = [], [], []
        for row, keys in left_out.items():
            if not 0 <= row < len(self) or not len(keys):
                continue
            own, times = np.unique(np.asarray(keys, dtype=np.int64), return_counts=True)
            held = self.row_counts(row, own)
            taken = np.minimum(times, held)
            totals[row] -= taken.sum()
            distinct[row] -= np.count_nonzero((held > 0) & (held <= taken))
            kept = taken > 0
            rows.append(np.full(int(kept.sum()), row))
            columns.append(np.searchsorted(index.keys, own[kept]))
            taken_counts.append(taken[kept])
        if not rows:
            return read
        key_column, where = np.unique(np.concatenate(columns), return_inverse=True)
        taken_of_key = np.bincount(where, np.concatenate(taken_counts))
        vanished = np.count_nonzero(index.everybody[key_column] <= taken_of_key)
        in_query, is_queried = _columns(picked, key_column)
        everybody = read.everybody.copy()
        everybody[in_query[is_queried]] -= taken_of_key[is_queried]
        query_column, queried = _columns(picked, np.concatenate(columns))
        taken_matrix = sparse.csc_matrix(
            (
                np.concatenate(taken_counts)[queried],
                (np.concatenate(rows)[queried], query_column[queried]),
            ),
            shape=read.counts.shape,
        )
        counts = (read.counts - taken_matrix).maximum(0).tocsc()
        counts.eliminate_zeros()
        return _StructureCounts(
            counts,
            np.maximum(everybody, 0.0),
            distinct,
            np.maximum(totals, 0.0),
            read.occurring - vanished,
            read.grand_total - float(taken_of_key.sum()),
        )

    def _index(self) -> _StructureIndex:
        """The table by token: each player's counts as columns over the tokens that occur."""
        if self._cache is None:
            counts = self.counts
            keys, key_column = np.unique(counts.indices, return_inverse=True)
            everybody = np.bincount(key_column, weights=counts.data, minlength=len(keys))
            self._cache = _StructureIndex(
                _by_column(counts, counts.data.astype(np.float64), key_column, len(keys)),
                keys,
                everybody,
                np.diff(counts.indptr).astype(np.float64),
                np.asarray(counts.sum(axis=1), dtype=np.float64).ravel(),
            )
        return self._cache


def _by_column(
    counts: sparse.csr_matrix, values: np.ndarray, columns: np.ndarray, width: int
) -> sparse.csc_matrix:
    """Each stored count's `value` moved to its new column (values landing together add up),
    stored by column so a query's columns are cheap to pick."""
    matrix = sparse.csr_matrix((values, columns, counts.indptr), shape=(counts.shape[0], width))
    matrix.sum_duplicates()
    return matrix.tocsc()


def _row_places(
    counts: sparse.csr_matrix, row: int, keys: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where each key sits among row `row`'s stored counts (indices sorted), as places in
    `counts.data`, and whether it is there at all."""
    first, last = counts.indptr[row], counts.indptr[row + 1]
    column, seen = _columns(counts.indices[first:last].astype(np.int64), np.asarray(keys, np.int64))
    return first + column, seen


def _columns(sorted_keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each wanted key sits among the sorted keys, and whether it is there at all."""
    if len(sorted_keys) == 0:
        return np.zeros(len(wanted), np.int64), np.zeros(len(wanted), bool)
    column = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
    return column, sorted_keys[column] == wanted


class OpeningProfiles:
    """The baseline: named players' repertoires; `rank` orders them for a query's tokens."""

    def __init__(self, profiles: dict[str, list[str]]) -> None:
        self.players = list(profiles)
        self.repertoires = Repertoires.from_tokens([profiles[p] for p in self.players])

    def rank(self, tokens: list[str]) -> list[tuple[str, float]]:
        """Players by cosine similarity to the query; nobody for an empty query."""
        if not tokens:
            return []
        scores = self.repertoires.scores(tokens)
        order = np.argsort(-scores, kind="stable")
        return [(self.players[i], float(scores[i])) for i in order]
