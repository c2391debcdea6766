"""Names as people type them ('karpov', 'Tal Mihail', 'Karpow'), matched to the spellings stored."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from stylespace.placeholders import is_placeholder_name

WORD = re.compile(r"[^\W_]+")
ALIKE = 0.8  # 'karpow' ~ 'karpov', 'tall' ~ 'tal'; not 'nn' ~ 'nunn'


def _words(name: str) -> list[str]:
    return WORD.findall(name.casefold())


def _word_distance(typed: str, word: str) -> int | None:
    """0 for the word itself, 1 for its start, 2 for a spelling much like it, else None."""
    if word == typed:
        return 0
    if word.startswith(typed):
        return 1
    return 2 if SequenceMatcher(None, typed, word).ratio() >= ALIKE else None


def _word_distances(typed: list[str], name: str) -> list[int] | None:
    """How far each typed word is from the nearest of a name's words; None if one is from all."""
    words = _words(name)
    distances = []
    for t in typed:
        near = [d for w in words if (d := _word_distance(t, w)) is not None]
        if not near:
            return None
        distances.append(min(near))
    return distances


def _name_distance(typed: list[str], name: str) -> int | None:
    """How far the typed words are from a name: each must match one of its words."""
    distances = _word_distances(typed, name)
    return None if distances is None else sum(distances)


def names_like(requested: str, names: Sequence[str], limit: int = 3) -> list[str]:
    """The names of which every typed word is a word, starts one or is spelled much like one
    ('karpov' and 'Karpow' for 'Karpov, Anatoly', 'Tal Mihail' for 'Tal, Mihail'), closest
    first; never a placeholder."""
    typed = _words(requested)
    if not typed:
        return []
    scored = [
        (distance, index, name)
        for index, name in enumerate(names)
        if not is_placeholder_name(name) and (distance := _name_distance(typed, name)) is not None
    ]
    return [name for _, _, name in sorted(scored)[:limit]]


def the_one_named(requested: str, names: Sequence[str]) -> str | None:
    """The one name the typed words plainly mean ('carlsen' for 'Carlsen,M'), else None.

    Plainly: each typed word is one of the name's words (or, when no name has them all as
    words, starts one), and no other name is as near; a spelling merely alike is only offered
    (`did_you_mean`), never taken."""
    typed = _words(requested)
    if not typed:
        return None
    plain: dict[int, set[str]] = {}  # 0: every word whole; 1: every word whole or a start
    for name in names:
        distances = _word_distances(typed, name)
        if distances is not None and max(distances) <= 1 and not is_placeholder_name(name):
            plain.setdefault(max(distances), set()).add(name)
    for tier in (0, 1):
        if tier in plain:
            return next(iter(plain[tier])) if len(plain[tier]) == 1 else None
    return None


def did_you_mean(requested: str, names: Sequence[str]) -> str:
    """'; did you mean 'A' or 'B'?' for the end of an error message, or '' when nothing is
    alike."""
    offered = names_like(requested, names)
    return f"; did you mean {' or '.join(repr(name) for name in offered)}?" if offered else ""
