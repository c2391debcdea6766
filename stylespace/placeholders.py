"""Names that stand for nobody in particular: PGN's "NN" (or "N.N.") for an unknown player,
"?" for a missing tag, "Anonymous", "Unknown".

Such a "player" is many people: in the master file "NN" is every anonymous opponent of the
masters' simultaneous exhibitions (146 games, 1830-1993). A style of theirs describes nobody,
and a ranking that names them says nothing, so they are never modelled, shown, offered as a
candidate or taken as a set of games' author. Their games stay in the store: the masters' moves
in them are real, and their own moves still teach the base network how people play.
"""

from __future__ import annotations

import re

from stylespace.optout import is_opted_out, normalise_name

PLACEHOLDERS = frozenset(
    {"", "nn", "?", "??", "???", "-", "unknown", "anonymous", "anon", "nobody"}
)


def is_placeholder_name(name: str) -> bool:
    """Whether `name` stands for an unknown player rather than a person (ignoring case,
    spaces and dots: "NN", "N.N.", "n n")."""
    return re.sub(r"[\s.]", "", normalise_name(name)) in PLACEHOLDERS


def may_be_named(name: str, opted_out: frozenset[str]) -> bool:
    """Whether a model's player may be shown or offered by name: a person (not a placeholder)
    who has not opted out."""
    return not is_placeholder_name(name) and not is_opted_out(name, opted_out)
