"""Names that are likely one person spelt two ways ("Kamsky,G" and "Kamsky, Gata").

Game files keep players' names as their sources gave them, so one master can stand in a model
as two players. The model cannot merge them without retraining; what it can do is say so
wherever both could be read as different people: the model card, and a ranking that shows one.
"""

from __future__ import annotations

from collections.abc import Sequence


def _parts(name: str) -> tuple[str, str]:
    """Surname and given names, case-folded, spaces dropped from the given names."""
    surname, _, given = name.partition(",") if "," in name else name.partition(" ")
    return surname.strip().casefold(), given.replace(" ", "").casefold()


def likely_same_person(first: str, second: str) -> bool:
    """The same surname, and one given name the start of the other ("Kamsky,G" and "Kamsky,
    Gata"; not "Polgar, Judit" and "Polgar, Sofia", nor two different names)."""
    if first == second:
        return False
    (surname_a, given_a), (surname_b, given_b) = _parts(first), _parts(second)
    short, long = sorted((given_a, given_b), key=len)
    return surname_a == surname_b and bool(short) and long.startswith(short)


def spelling_pairs(names: Sequence[str]) -> list[tuple[str, str]]:
    """Every pair of `names` that is likely one person, in the order the names come."""
    return [
        (first, second)
        for i, first in enumerate(names)
        for second in names[i + 1 :]
        if likely_same_person(first, second)
    ]


def other_spellings(shown: Sequence[str], names: Sequence[str]) -> list[tuple[str, str]]:
    """(shown name, another of `names` that is likely the same person), for each shown name."""
    return [(name, other) for name in shown for other in names if likely_same_person(name, other)]


def same_person_note(pairs: Sequence[Sequence[str]]) -> str | None:
    """What a ranking should say of candidates that are likely one person, if any are."""
    if not pairs:
        return None
    listed = "; ".join(f'"{first}" and "{second}"' for first, second in pairs)
    return (
        f"{listed} are likely one person under two spellings: the game files spelt the name "
        "two ways and the model holds them as two players, so read their places together"
    )
