"""Enrolling every player of a set of games (`stylespace enroll --every-player`).

Why: a club's or a site's export holds many people, and putting all of them on the map one
`enroll --as` at a time means one command per person. Each qualifying player is enrolled as
`enroll` does it (routing-only fit, fingerprint, opening tables) and the model is saved once a
minute and after the last player, so a run that is stopped loses a minute of work at most; run
again, it skips the players already enrolled from the same number of games and goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stylespace.optout import is_opted_out, normalise_name
from stylespace.positions import PlayedGame, players_by_games
from stylespace.style_model import StyleModel
from stylespace.stylometry import enroll

# The fewest games a player is enrolled from: on masters, 20-game queries found players enrolled
# from 50 games half the time (`stylometry.FOUND_FROM_20_GAMES`); fewer place them on the map
# by little more than a handful of openings.
MIN_GAMES = 50
# Writing the player table takes 4-7 s on this 2-core CPU with the demo's tables (a fit about
# 17 s): saved after every player, a club took a quarter longer; a stop now loses a minute.
SAVE_EVERY_SECONDS = 60.0


@dataclass
class EnrolmentPlan:
    """Who of the games is enrolled, and who is not and why (the opted-out are only counted:
    an opt-out list is never echoed back by name)."""

    to_enrol: list[tuple[str, int]] = field(default_factory=list)  # (name, games), most first
    already_enrolled: list[str] = field(default_factory=list)  # from as many games: skipped
    trained: list[str] = field(default_factory=list)  # the model knows them from more games
    too_few_games: int = 0
    opted_out: int = 0

    def left_out_text(self, min_games: int) -> str:
        parts = []
        if self.already_enrolled:
            parts.append(f"{len(self.already_enrolled)} already enrolled from these games")
        if self.trained:
            parts.append(f"{len(self.trained)} trained players of the model")
        if self.too_few_games:
            parts.append(f"{self.too_few_games} with fewer than {min_games} games")
        if self.opted_out:
            parts.append(f"{self.opted_out} on the opt-out list")
        return "; left out: " + ", ".join(parts) if parts else ""


def plan_enrolment(
    model: StyleModel,
    games: Sequence[PlayedGame],
    min_games: int = MIN_GAMES,
    opted_out: frozenset[str] = frozenset(),
) -> EnrolmentPlan:
    """Every person with at least `min_games` games here (placeholders such as "NN" are not
    people), less those the model already has: trained players, whose vectors come from far
    more games and shaped the skills, and players enrolled from exactly as many games (a rerun
    after a stop)."""
    plan = EnrolmentPlan()
    held = {normalise_name(p["name"]): p for p in model.players}
    for name, count in players_by_games(games):
        known = held.get(normalise_name(name))
        if is_opted_out(name, opted_out):
            plan.opted_out += 1
        elif count < min_games:
            plan.too_few_games += 1
        elif known is not None and not known.get("enrolled"):
            plan.trained.append(name)
        elif known is not None and count in (known.get("games_in_files"), known.get("games")):
            plan.already_enrolled.append(name)
        else:
            plan.to_enrol.append((name, count))
    return plan


def enrol_every_player(
    model: StyleModel,
    directory: Path,
    games: Sequence[PlayedGame],
    plan: EnrolmentPlan,
    from_ply: int = 0,
    opted_out: frozenset[str] = frozenset(),
    on_enrolled: Callable[[dict], None] | None = None,
    save_every_seconds: float = SAVE_EVERY_SECONDS,
) -> list[dict]:
    """Enrol the plan's players one by one, saving the model in `directory` once
    `save_every_seconds` have passed since the last save, and after the last player."""
    results = []
    last_saved = time.monotonic()
    for index, (name, count) in enumerate(plan.to_enrol):
        wanted = normalise_name(name)
        own = [g for g in games if wanted in (normalise_name(g.white), normalise_name(g.black))]
        result = enroll(model, own, name, from_ply=from_ply, opted_out=opted_out)
        # what a rerun compares: `games` counts only games with moves from `from_ply` on
        model.players[result["task_id"]]["games_in_files"] = count
        last = index == len(plan.to_enrol) - 1
        if last or time.monotonic() - last_saved >= save_every_seconds:
            model.save_player_table(directory)
            last_saved = time.monotonic()
        results.append(result)
        if on_enrolled is not None:
            on_enrolled(result)
    return results
