"""Which games a model was built from, kept as 32-bit fingerprints of their moves.

Why: the opening tables take in every game of the trained players, so a famous game uploaded to
`identify` (or measured by `eval --games`) is often one the model has already counted, and then
its author is found more easily than the author of a new game would be: the result says little
about new games. The model keeps no game records, only a hash of each game's moves (from
`MIN_PLIES` on: shorter games coincide too often by theory or by a quick repetition); a query's
games are checked against them and the results say how many are known.

Beside each fingerprint it keeps which trained player's tables hold each side of the game (their
task ids), so `identify` can score a known game's moves as a new game's: the author's own moves
of it are taken out of the tables that counted them before the query is weighed (`LeftOut`).
The network and the game embedding learned from the training games and cannot unlearn them;
what they say about a known game is still said, and the note says so. A player enrolled after
training keeps the hashes of the games they were enrolled from in their record
(`enrolment_record`), so their tables are read the same way.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

from stylespace.openings import (
    RepertoireTokens,
    _packed,
    _unpacked,
    game_repertoires,
    joined_repertoire,
)
from stylespace.optout import normalise_name
from stylespace.positions import PlayedGame

KNOWN_GAMES_FILE = "known_games.safetensors"
MIN_PLIES = 30


def moves_hash(moves: Sequence[str]) -> int:
    """A 32-bit fingerprint of a game's UCI moves (names, dates and results aside)."""
    return int.from_bytes(hashlib.blake2b(" ".join(moves).encode(), digest_size=4).digest())


NOBODY = -1  # a side no trained player's tables hold
ENROLLED_FROM = "enrolled_from_games"  # an enrolled player's record: their games' move hashes
ENROLLED_FROM_PLY = "enrolled_from_ply"  # and the ply their tables start at
SIDES = ("white", "black")


def _sides_of(games: Sequence[PlayedGame], author: str) -> list[tuple[int, PlayedGame, int]]:
    """(index, game, side: 0 White, 1 Black) of each game the author played (White where they
    played both, as the tables read them)."""
    wanted = normalise_name(author)
    found = []
    for index, game in enumerate(games):
        if normalise_name(game.white) == wanted:
            found.append((index, game, 0))
        elif normalise_name(game.black) == wanted:
            found.append((index, game, 1))
    return found


def enrolment_record(games: Sequence[PlayedGame], author: str, from_ply: int = 0) -> dict:
    """What an enrolled player's record keeps so that their own games, shown again, are scored
    as new ones: the move hashes of the author's games (of `MIN_PLIES` or more) by the side
    they played, and the ply their tables were counted from."""
    hashes: dict[str, set[int]] = {side: set() for side in SIDES}
    for _, game, side in _sides_of(games, author):
        if len(game.moves) >= MIN_PLIES:
            hashes[SIDES[side]].add(moves_hash(game.moves))
    return {
        ENROLLED_FROM: {side: _hashes_text(found) for side, found in hashes.items()},
        ENROLLED_FROM_PLY: from_ply,
    }


def _hashes_text(hashes: set[int]) -> str:
    """Hashes as the record keeps them: sorted uint32, base64 (5.3 characters a game, where a
    JSON list of numbers took 15: the demo's 20 enrolled masters have 19,789 games)."""
    return base64.b64encode(np.array(sorted(hashes), dtype="<u4").tobytes()).decode()


def _text_hashes(text: str) -> set[int]:
    return set(np.frombuffer(base64.b64decode(text), dtype="<u4").tolist())


def _enrolled_from(players: Sequence[dict]) -> dict[int, tuple[tuple[set[int], ...], int]]:
    """Per enrolled player's task id: the hashes of the games they were enrolled from, White's
    and Black's, and the ply their tables start at (players enrolled before these were kept
    have none)."""
    return {
        p["task_id"]: (
            tuple(_text_hashes(p[ENROLLED_FROM].get(side, "")) for side in SIDES),
            int(p.get(ENROLLED_FROM_PLY, 0)),
        )
        for p in players
        if p.get(ENROLLED_FROM)
    }


@dataclass(frozen=True)
class LeftOut:
    """Known games as the tables saw them: per task id whose tables hold a side of some of
    them (the author's, for a query), that side's tokens of those games (from the ply the
    tables were counted from), and how many games that is."""

    tokens: dict[int, RepertoireTokens] = field(default_factory=dict)
    games: int = 0

    def of(self, kind: str) -> dict[int, np.ndarray]:
        """The tokens of one table (a `RepertoireTokens` field), per task id."""
        return {task: getattr(tokens, kind) for task, tokens in self.tokens.items()}


class KnownGames:
    """The sorted move fingerprints of the games behind a model, and for each, the task ids of
    the trained players whose tables hold its White and Black sides (`NOBODY`: none, and for
    every side of a file that kept fingerprints only: `keeps_holders` False)."""

    def __init__(self, hashes: np.ndarray, holders: np.ndarray | None = None) -> None:
        hashes = np.asarray(hashes, dtype=np.uint32)
        self.keeps_holders = holders is not None  # else a model's file from before they were
        if holders is None:
            holders = np.full((len(hashes), 2), NOBODY, dtype=np.int16)
        self.hashes, where = np.unique(hashes, return_inverse=True)
        # Games with the same moves (a repeated short draw, one game from two sources) share a
        # fingerprint: a side any of them has a holder for keeps one.
        self.holders = np.full((len(self.hashes), 2), NOBODY, dtype=np.int16)
        np.maximum.at(self.holders, where.ravel(), np.asarray(holders, dtype=np.int16))

    @classmethod
    def of_move_lists(cls, move_lists: Iterable[Sequence[str]]) -> KnownGames:
        """Fingerprints only, without holders (as models kept them before)."""
        found = (moves_hash(moves) for moves in move_lists if len(moves) >= MIN_PLIES)
        return cls(np.fromiter(found, dtype=np.uint32))

    @classmethod
    def of_sides(cls, games: Iterable[tuple[Sequence[str], int, int]]) -> KnownGames:
        """From (moves, White's holder, Black's holder) of each game."""
        hashes, holders = [], []
        for moves, white, black in games:
            if len(moves) >= MIN_PLIES:
                hashes.append(moves_hash(moves))
                holders.append((white, black))
        return cls(np.array(hashes, dtype=np.uint32), np.array(holders, np.int16).reshape(-1, 2))

    def _places(self, games: Sequence[PlayedGame]) -> list[int | None]:
        """Each game's row among the fingerprints, None where it is not known (or short)."""
        if not len(self.hashes):
            return [None] * len(games)
        places = []
        for game in games:
            if len(game.moves) < MIN_PLIES:
                places.append(None)
                continue
            found = moves_hash(game.moves)
            place = min(int(np.searchsorted(self.hashes, found)), len(self.hashes) - 1)
            places.append(place if self.hashes[place] == found else None)
        return places

    def known_flags(self, games: Sequence[PlayedGame], players: Sequence[dict] = ()) -> list[bool]:
        """Per game: of `MIN_PLIES` or more and one the model was built from, or enrolled one
        of its `players` (their records) from."""
        enrolled = set().union(
            *(set().union(*sides) for sides, _ in _enrolled_from(players).values())
        )
        return [
            place is not None
            or (len(game.moves) >= MIN_PLIES and moves_hash(game.moves) in enrolled)
            for game, place in zip(games, self._places(games), strict=True)
        ]

    def count_known(self, games: Sequence[PlayedGame], players: Sequence[dict] = ()) -> int:
        """How many of the games `known_flags` flags."""
        return sum(self.known_flags(games, players))

    def left_out(
        self, games: Sequence[PlayedGame], author: str, players: Sequence[dict] = ()
    ) -> LeftOut:
        """The author's known games whose author side a trained player's tables hold, or an
        enrolled player's (of `players`, their records) were counted from, as `LeftOut`."""
        return self._sides_left_out(
            games, [(index, side) for index, _, side in _sides_of(games, author)], players
        )

    def every_side_left_out(
        self, games: Sequence[PlayedGame], players: Sequence[dict] = ()
    ) -> LeftOut:
        """`left_out` for both players of every game (a measurement over games reads both)."""
        sides = [(index, side) for index in range(len(games)) for side in (0, 1)]
        return self._sides_left_out(games, sides, players)

    def _sides_left_out(
        self,
        games: Sequence[PlayedGame],
        sides: Sequence[tuple[int, int]],
        players: Sequence[dict],
    ) -> LeftOut:
        """`LeftOut` of these (game index, side) pairs: each side's tokens (read under the
        name that played it) per task whose tables hold it."""
        places = self._places(games)
        enrolled = _enrolled_from(players)
        held: dict[int, dict[tuple[int, int], PlayedGame]] = {}
        for index, side in sides:
            game, place = games[index], places[index]
            tasks = set()
            holder = NOBODY if place is None else int(self.holders[place, side])
            if holder != NOBODY and holder not in enrolled:  # an enrolled row: its games only
                tasks.add(holder)
            if len(game.moves) >= MIN_PLIES:
                found = moves_hash(game.moves)
                tasks |= {task for task, (hashes, _) in enrolled.items() if found in hashes[side]}
            for task in tasks:
                held.setdefault(task, {})[index, side] = game
        tokens = {}
        for task, played in held.items():
            from_ply = enrolled.get(task, ((), 0))[1]
            tokens[task] = joined_repertoire(
                [
                    game_repertoires([game], (game.white, game.black)[side], from_ply)[0]
                    for (_, side), game in played.items()
                ]
            )
        return LeftOut(tokens, len({index for played in held.values() for index, _ in played}))

    def save(self, directory: Path | str) -> Path:
        """Stored as zstd-packed gaps between the sorted fingerprints (0.55 MB for 284,683)
        and each side's holder plus one (0.52 MB)."""
        gaps = np.diff(self.hashes, prepend=np.uint32(0)).astype(np.uint32)
        stored = {"gaps.zst": _packed(gaps)}
        if self.keeps_holders:
            sides = (self.holders + 1).astype(np.uint16)
            stored["white_holders.zst"] = _packed(np.ascontiguousarray(sides[:, 0]))
            stored["black_holders.zst"] = _packed(np.ascontiguousarray(sides[:, 1]))
        path = Path(directory) / KNOWN_GAMES_FILE
        save_file(stored, str(path))
        return path

    @classmethod
    def load(cls, directory: Path | str) -> KnownGames | None:
        """The model's known games, or None for a model built before they were kept (without
        holders, `keeps_holders` False, for one built before those were)."""
        path = Path(directory) / KNOWN_GAMES_FILE
        if not path.exists():
            return None
        stored = load_file(str(path))
        hashes = np.cumsum(_unpacked(stored, "gaps", np.uint32), dtype=np.uint64).astype(np.uint32)
        if "white_holders.zst" not in stored:
            return cls(hashes)
        sides = [
            _unpacked(stored, f"{side}_holders", np.uint16).astype(np.int16) - 1
            for side in ("white", "black")
        ]
        return cls(hashes, np.stack(sides, axis=1))


def known_games_fields(
    known: KnownGames | None,
    games: Sequence[PlayedGame],
    overstated: str = "the ranking and its confidence",
    left_out: int | None = None,
    players: Sequence[dict] = (),
) -> dict:
    """`known_games` (null for a model from before they were kept) and `known_games_note`, as
    `identify`, `eval --games` and the Identify page report them; with `left_out` (how many of
    them the tables scored as new games, `LeftOut.games`), also `known_games_scored_as_new`
    (null where the model's file does not say whose tables hold its games).
    `players`: the model's records, whose enrolled players' games count as known too."""
    count = known.count_known(games, players) if known is not None else None
    scored_as_new = left_out if known is not None and known.keeps_holders else None
    fields = {
        "known_games": count,
        "known_games_note": known_games_note(count or 0, len(games), overstated, scored_as_new),
    }
    if left_out is not None:
        fields["known_games_scored_as_new"] = scored_as_new
    return fields


def known_games_note(
    known: int,
    games: int,
    overstated: str = "the ranking and its confidence",
    scored_as_new: int | None = None,
) -> str | None:
    """What it means that some of a query's games are behind the model, or None if none are;
    `scored_as_new`: how many of them its tables scored as new games (None: they were not)."""
    if not known:
        return None
    share = "all" if known == games else f"{known} of the {games}"
    said = f"{share} games are among those this model was built from (move for move)"
    if scored_as_new is None:
        return (
            f"{said}: where their players are its players, its tables already count these very "
            f"games, and {overstated} overstate what it does with games it has not seen"
        )
    if scored_as_new >= known:
        tables = "its tables scored them as new games, what they held of them taken out"
    elif scored_as_new:
        tables = f"its tables scored the {scored_as_new} of them they held as new games"
    else:
        tables = "no player's tables hold them"
    return (
        f"{said}: {tables}; its network learned from the training games and cannot forget "
        f"them, so {overstated} may still overstate what it does with games it has not seen"
    )
