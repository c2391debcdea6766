"""How far a measured share can be trusted: benchmark cells hold 20-60 queries, where one query
moves top-1 by 2-5 points, so every share the model card reports carries its interval."""

from __future__ import annotations

import math

Z_95 = 1.959964  # the normal quantile of a two-sided 95% interval


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson's score interval for a binomial share: unlike share +- z x standard error it stays
    inside [0, 1] and does not shrink to nothing at 0% or 100% (20 of 20 is not certainty)."""
    if trials <= 0:
        raise ValueError("an interval needs at least one trial")
    share = successes / trials
    spread = z * z / trials
    centre = (share + spread / 2) / (1 + spread)
    half = z * math.sqrt(share * (1 - share) / trials + spread / (4 * trials)) / (1 + spread)
    return max(0.0, centre - half), min(1.0, centre + half)


def share_interval(share: float, trials: int, z: float = Z_95) -> tuple[float, float]:
    """`wilson_interval` for a share reported as a rounded fraction of `trials`."""
    return wilson_interval(round(share * trials), trials, z)
