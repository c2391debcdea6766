"""Whose moves a set of games is read for: the author's name and their positions.

Torch-free: both `identify` paths (`fused.py` from the command line, `stylometry.py` with a
loaded model) and enrolment start here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stylespace.name_search import did_you_mean
from stylespace.optout import is_opted_out, normalise_name
from stylespace.placeholders import is_placeholder_name
from stylespace.positions import (
    PlayedGame,
    Positions,
    collect_positions,
    common_players,
    players_by_games,
)


class StylometryError(ValueError):
    """A request that cannot be answered as asked; the message says what to change."""


def resolve_author(games: Sequence[PlayedGame], requested: str | None) -> str:
    """The single author of a set of games: `requested`, else the one name in every game."""
    if not games:
        raise StylometryError("no games to look at")
    if requested is not None:
        if is_placeholder_name(requested):
            raise StylometryError(
                f"{requested!r} stands for unknown players, not one person: its games are by many "
                "people, so they have no single style; pass the name of a person"
            )
        wanted = normalise_name(requested)
        for game in games:
            for name in (game.white, game.black):
                if normalise_name(name) == wanted:
                    return name
        raise StylometryError(
            f"{requested!r} plays in none of these games: a name must match the PGN tags whole "
            f"(case and spacing aside){did_you_mean(requested, _names(games))}"
        )
    common = common_players(games)
    if len(common) == 1:
        return common[0]
    if not common:
        most = ", ".join(f"{name!r} in {n}" for name, n in players_by_games(games)[:3])
        raise StylometryError(
            "no player is in every game, so the author is ambiguous: pass --as NAME (most games "
            f"of the {len(games)}: {most})"
        )
    raise StylometryError(f"both {common[0]!r} and {common[1]!r} play every game: pass --as NAME")


def refuse_opted_out(author: str, label: str, opted_out: frozenset[str]) -> None:
    """Enrolment models a person: refused for anyone on the opt-out list, and for their games
    under another label."""
    for name in dict.fromkeys((author, label)):
        if is_opted_out(name, opted_out):
            raise StylometryError(
                f"{name!r} is on the opt-out list: they asked not to be modelled, so they are not "
                "enrolled"
            )


def _names(games: Sequence[PlayedGame]) -> list[str]:
    return [name for name, _ in players_by_games(games)]  # most games first


def author_positions(
    games: Sequence[PlayedGame], author: str, from_ply: int = 0, legal_masks: bool = True
) -> Positions:
    wanted = normalise_name(author)
    positions = collect_positions(
        games,
        lambda name: 0 if normalise_name(name) == wanted else None,
        from_ply,
        legal_masks=legal_masks,
    )
    if not len(positions):
        raise StylometryError(f"{author!r} has no moves from ply {from_ply} on in these games")
    return positions


def games_played(games: Sequence[PlayedGame], author: str) -> int:
    """How many of the games the author plays in."""
    wanted = normalise_name(author)
    return sum(wanted in (normalise_name(g.white), normalise_name(g.black)) for g in games)


@dataclass(frozen=True)
class AuthorQuery:
    """A set of games to identify the author of: the games, the author's name as the tags
    spell it, and the author's positions from `from_ply` on."""

    games: Sequence[PlayedGame]
    author: str
    positions: Positions
    from_ply: int

    @classmethod
    def read(
        cls,
        games: Sequence[PlayedGame],
        requested: str | None,
        from_ply: int = 0,
        legal_masks: bool = True,
    ) -> AuthorQuery:
        author = resolve_author(games, requested)
        return cls(games, author, author_positions(games, author, from_ply, legal_masks), from_ply)
