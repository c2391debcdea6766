"""How each game of a query fits the player it was attributed to: the odd game out of a set.

`identify` takes a set of games to be one person's. A set may hold a game that is not: a game
filed under the wrong name, another member of a shared account, a consultation game. The
ranking cannot show it, since it reads all the games together; each game alone can: the first
candidate's evidence from that game only, and where the candidate ranks among all players on
it. The evidence is the opening choices (the first 12 moves: how much better the candidate's
own choices in those positions predict the game's moves than everybody's, as `fused` scores
them); with the openings left out, the game's pawn structures from move 11 on. One game says
little (the style fingerprint of one game is noise, so it is not used here): a rare opening
of the candidate's own ranks low too, so a low game is a question, not an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import chess
import numpy as np

from stylespace.known_games import LeftOut
from stylespace.openings import RepertoireTokens
from stylespace.optout import normalise_name
from stylespace.positions import PlayedGame

OPENING_MOVES_SHOWN = 4  # full moves of a game's opening shown beside its fit


@dataclass(frozen=True)
class GameFit:
    """One game's fit to the candidate: `fit` (nats, the candidate's evidence from this game
    alone; 0 where the game says nothing of them) and `rank` (1 = no player fits the game
    better) among `players`, by `evidence` ("openings" or "structures"; None when the game
    has neither, e.g. it ends before the moves counted)."""

    game: int  # 1-based, in the order the games were read
    white: str
    black: str
    opening: str  # the game's first moves, in SAN
    evidence: str | None
    fit: float | None
    rank: int | None
    players: int
    known: bool = False  # one the model was built from (`known_games.py`), read as new

    def to_dict(self) -> dict:
        return asdict(self)


def opening_text(moves: Sequence[str], full_moves: int = OPENING_MOVES_SHOWN) -> str:
    """The first `full_moves` moves in SAN with move numbers ("1.e4 c5 2.Nf3 d6")."""
    board, words = chess.Board(), []
    for ply, uci in enumerate(moves[: 2 * full_moves]):
        move = chess.Move.from_uci(uci)
        if move not in board.legal_moves:
            break
        san = board.san(move)
        words.append(f"{ply // 2 + 1}.{san}" if ply % 2 == 0 else san)
        board.push(move)
    return " ".join(words)


def game_fits(
    model,
    games: Sequence[PlayedGame],
    author: str,
    per_game: Sequence[RepertoireTokens],
    candidate: int,
    eligible: np.ndarray,
    left_out: LeftOut | None = None,
    known: Sequence[bool] = (),
) -> list[GameFit]:
    """Each of `author`'s games (`per_game`: their tokens, as `game_repertoires` reads them, in
    the same order) scored for the model's player `candidate` alone, ranked among the
    `eligible` players, with the tables' counts of `left_out` (known games) taken out;
    `known`: per game of `games`, whether the model was built from it. `model`: a `StyleModel`
    or a `PlayerTable`."""
    wanted = normalise_name(author)
    played = [
        (number, game)
        for number, game in enumerate(games, start=1)
        if wanted in (normalise_name(game.white), normalise_name(game.black))
    ]
    players = int(eligible.sum())
    evidence = _evidence_by_game(model, per_game, left_out or LeftOut())
    return [
        GameFit(
            number,
            game.white,
            game.black,
            opening_text(game.moves),
            *_fit(kind, scores, candidate, eligible),
            players,
            bool(known[number - 1]) if known else False,
        )
        for (number, game), (kind, scores) in zip(played, evidence, strict=True)
    ]


def _evidence_by_game(
    model, per_game: Sequence[RepertoireTokens], left_out: LeftOut
) -> list[tuple[str | None, np.ndarray | None]]:
    """Each game's evidence kind and every player's score on it: its opening choices, else
    (openings left out) its pawn structures, else nothing. Each table scores all its games in
    one look-up."""
    found: list[tuple[str | None, np.ndarray | None]] = [(None, None)] * len(per_game)
    remaining = list(range(len(per_game)))
    for kind, table_name, field in (
        ("openings", "repertoires", "openings"),
        ("structures", "structures", "structures"),
    ):
        chosen = [i for i in remaining if len(getattr(per_game[i], field))]
        if not chosen:  # the table is not even read: the structures take 1 GB and 1.4 s
            continue
        table = getattr(model, table_name)
        if not table.known.any():
            continue
        matrix = table.scores_by_game(
            [getattr(per_game[i], field) for i in chosen], left_out.of(field)
        )
        for row, i in enumerate(chosen):
            found[i] = (kind, matrix[row])
        done = set(chosen)
        remaining = [i for i in remaining if i not in done]
    return found


def _fit(
    kind: str | None, scores: np.ndarray | None, candidate: int, eligible: np.ndarray
) -> tuple[str | None, float | None, int | None]:
    """(evidence, the candidate's score, the candidate's rank) for one game's scores."""
    if kind is None or scores is None:
        return None, None, None
    fit = float(scores[candidate])
    rank = 1 + int(np.count_nonzero(eligible & (scores > fit)))
    return kind, round(fit, 3), rank


def least_fitting(fits: Sequence[GameFit], count: int = 3) -> list[GameFit]:
    """The games that fit the candidate least: lowest rank first, then lowest fit."""
    scored = [f for f in fits if f.rank is not None]
    return sorted(scored, key=lambda f: (-f.rank, f.fit))[:count]


def fits_text(fits: Sequence[GameFit], candidate: str, count: int = 3) -> str | None:
    """The games least like `candidate`, for the command line: a heading and a line each."""
    worst = least_fitting(fits, count)
    if not worst:
        return None
    lines = [f"games least like {candidate}, each game alone:"]
    lines += [
        f"  #{f.game:<4} {f'{f.white} - {f.black}'[:44]:<44} {f.opening:<40} rank {f.rank} of "
        f"{f.players} by its {f.evidence}" + (" (a known game, read as new)" if f.known else "")
        for f in worst
    ]
    return "\n".join(lines)


# What `bench/odd_game_out.py` measured on `models/demo` (bench/results/odd-game-out.md).
FIT_READING = (
    "Each game alone against {candidate}: where {candidate} ranks among all players on that "
    "game's openings (with the openings left out, its pawn structures), least fitting first. "
    "A low game is a question, not an answer: a rare opening of the player's own ranks low "
    "too. On the demo model, one game of another master slipped among 19 of a master's was "
    "the least fitting of the 20 in 33% of 200 such sets and among the 3 least fitting in "
    "60% (by chance 5% and 15%); with the openings left out, 12% and 32%."
)


def fit_rows(fits: Sequence[dict]) -> list[dict]:
    """`identify`'s `game_fits` as table rows for the app, least fitting first (with a
    `known` column where some are games the model was built from)."""
    ordered = least_fitting([GameFit(**fit) for fit in fits], count=len(fits))
    any_known = any(f.known for f in ordered)  # a column only where there is something to mark
    return [
        {
            "game": f.game,
            "white": f.white,
            "black": f.black,
            "opening": f.opening,
            "rank": f"{f.rank} of {f.players}",
            "fit (nats)": f.fit,
            "by": f.evidence,
            **({"known": "yes" if f.known else ""} if any_known else {}),
        }
        for f in ordered
    ]
