"""Whose moves a set of games is read for: the author's name and their positions.

Torch-free: both `identify` paths (`fused.py` from the command line, `stylometry.py` with a
loaded model) and enrolment start here.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from stylespace.optout import normalise_name
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
            f"(case and spacing aside){_did_you_mean(games, requested)}"
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


def _did_you_mean(games: Sequence[PlayedGame], requested: str) -> str:
    """The games' names that hold the requested one as a part ('karpov' in 'Karpov, Anatoly')
    or are spelled much like it, most games first: '; did you mean ...?' or ''."""
    wanted = normalise_name(requested)
    names = [name for name, _ in players_by_games(games) if not is_placeholder_name(name)]
    parts = [name for name in names if wanted and wanted in normalise_name(name)]
    alike = difflib.get_close_matches(
        wanted, [normalise_name(name) for name in names], n=3, cutoff=0.75
    )
    spelled = [name for name in names if normalise_name(name) in alike]
    offered = list(dict.fromkeys(parts + spelled))[:3]
    return f"; did you mean {' or '.join(repr(name) for name in offered)}?" if offered else ""


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
