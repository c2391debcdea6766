"""What the player table keeps of a player beside the style vector, measured from their games.

Why: a trained player's facts and style properties come from the store (`build-demo`'s
player_facts step); an enrolled player has only the games they were enrolled from. Measured
from those, the same way, the Player page gives them a style card and years like everybody's.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence

from stylespace.careers import career_span
from stylespace.optout import normalise_name
from stylespace.positions import PlayedGame
from stylespace.properties import SideGame, player_properties

# The store measures properties of players with this many games (`build-demo`): fewer games
# measure a share or a rate too coarsely to rank a player among hundreds by it.
PROPERTY_MIN_GAMES = 20


def facts_from_games(games: Sequence[PlayedGame], author: str) -> dict:
    """The author's years (stray games at either end left out, `careers.career_span`), mean
    Elo and, from PROPERTY_MIN_GAMES games on, style properties with Elo and era."""
    wanted = normalise_name(author)
    sides: list[SideGame] = []
    elos: list[int] = []
    years: Counter[int] = Counter()
    for game in games:
        if normalise_name(game.white) == wanted:
            white, elo = True, game.white_elo
        elif normalise_name(game.black) == wanted:
            white, elo = False, game.black_elo
        else:
            continue
        sides.append(SideGame(game.moves, white, game.result))
        if elo:
            elos.append(elo)
        if game.year:
            years[game.year] += 1
    span = career_span(dict(years))
    mean_elo = round(statistics.fmean(elos), 1) if elos else None
    properties: dict[str, float] = {}
    if len(sides) >= PROPERTY_MIN_GAMES:
        properties = player_properties((author, side) for side in sides).get(author, {})
        if mean_elo is not None:
            properties["mean_elo"] = mean_elo
        if years:
            properties["era"] = float(statistics.median(years.elements()))
    return {
        "first_year": None if span.first_year is None else str(span.first_year),
        "last_year": None if span.last_year is None else str(span.last_year),
        "stray_games": span.stray_games,
        "mean_elo": mean_elo,
        "properties": properties,
    }
