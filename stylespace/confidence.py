"""How far to trust a ranking's first name: measured on held-out queries, not assumed.

A ranking always names somebody, also for an author the model has never seen. What tells a
clear answer from a guess is the gap between the first and the second candidates' `fused`
scores. `calibrate` runs held-out queries through `identify` (known authors: the model's trained
players on validation games, its enrolled players re-enrolled from 100 reference games; and
strangers: players the model does not hold at all) and keeps each query's size, whether the
openings were hidden, its gap, and whether the first name was right. `assess` then reads a new
ranking's gap against the queries of the same kind and of the largest size it reaches: how
often known authors' rankings with at least this gap named the right player, and how often a
stranger's query reached it. The strangers are masters too: an amateur's unusual opening can
still match the one master who played it. A query whose openings the model does not know (a
player far from the masters, `fused.opening_reach`) is ranked by the style model alone, whose
gaps are of another scale: it is read against the same held-out queries ranked that way (each
query's `style_alone` lead). Stored as `confidence.json` in the model directory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import astuple, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from stylespace.placeholders import is_placeholder_name
from stylespace.progress import progress_bar
from stylespace.table_splits import check_held_out

if TYPE_CHECKING:
    from stylespace.positions import PlayedGame
    from stylespace.style_model import StyleModel

CALIBRATION_FILE = "confidence.json"
QUERY_SIZES = (5, 20, 100)
KNOWN_AUTHORS = 60  # trained players queried (the enrolled ones are queried too)
STRANGERS = 50  # players of the store the model does not hold
HIDDEN_FROM_PLY = 30  # the queries with hidden openings start here, as the benchmark's do
MIN_COMPARED = 10  # a gap beyond nearly every known query is read against the top this many
CLEAR = (0.9, 0.05)  # right at least this often, strangers at most this often: "clear"
LIKELY = (0.6, 0.25)


@dataclass(frozen=True)
class CalibrationQuery:
    """One held-out query's outcome."""

    known: bool  # the author is a player of the model (False: a stranger)
    games: int
    openings_hidden: bool
    gap: float  # first candidate's score minus the second's
    right: bool  # the first candidate is the author
    # Ranked by the style model alone, as `fused` ranks a query whose openings the model does
    # not know (`fused.opening_reach` 0): the same query's `style_alone` lead.
    style_only: bool = False

    @property
    def kind(self) -> tuple[bool, int, bool]:
        """What it is compared with: ranked by the style alone, query size, openings hidden."""
        return self.style_only, self.games, self.openings_hidden


class Calibration:
    """The held-out queries of one model, and what a new ranking's gap means against them."""

    def __init__(self, queries: Sequence[CalibrationQuery], method: str = "fused") -> None:
        self.queries = list(queries)
        self.method = method

    @classmethod
    def load(cls, directory: Path | str) -> Calibration | None:
        """The model directory's calibration; None when it has none."""
        path = Path(directory) / CALIBRATION_FILE
        if not path.exists():
            return None
        stored = json.loads(path.read_text())
        fields = stored["fields"]
        rows = (dict(zip(fields, row, strict=True)) for row in stored["rows"])
        queries = [CalibrationQuery(**row) for row in rows]
        return cls(queries, stored.get("method", "fused"))

    def save(self, directory: Path | str, context: dict | None = None) -> None:
        rows = [astuple(replace(q, gap=round(q.gap, 4))) for q in self.queries]
        stored = {
            "method": self.method,
            **(context or {}),
            "fields": list(CalibrationQuery.__dataclass_fields__),
            "rows": rows,
        }
        (Path(directory) / CALIBRATION_FILE).write_text(json.dumps(stored, separators=(",", ":")))

    def counts(self) -> dict[str, int]:
        """How many queries stand behind this calibration, by known authors and strangers."""
        known = sum(q.known for q in self.queries)
        return {
            "queries": len(self.queries),
            "known_queries": known,
            "stranger_queries": len(self.queries) - known,
        }

    def assess(self, result: dict) -> dict | None:
        """What an `identify` result's gap means, or None when this calibration cannot say
        (another method, a single candidate, no comparable queries)."""
        gap = result.get("gap")  # first minus second in the whole ranking (`identify`)
        if result.get("method") != self.method or gap is None:
            return None
        hidden = "openings" not in result["candidates"][0]["evidence"]  # `fused` has it
        style_only = not hidden and _openings_unknown(result)
        same_kind = [
            q for q in self.queries if q.openings_hidden == hidden and q.style_only == style_only
        ]
        if not same_kind:
            return None
        games = result.get("games_used") or result["games"]
        # Read against the largest calibrated size the query reaches: fewer games spread the
        # gaps wider, so a smaller query is never judged by a larger one's standard, and one
        # smaller than every calibrated query gets no verdict but "uncertain" (two games with
        # one rare move can put a master far ahead of everybody).
        reached_sizes = [size for size in {q.games for q in same_kind} if size <= games]
        if not reached_sizes:
            return {
                "gap": round(gap, 3),
                "verdict": "uncertain",
                "too_few_games": games,
                "fewest_calibrated": min(q.games for q in same_kind),
                "openings_hidden": hidden,
                "style_only": style_only,
            }
        size = max(reached_sizes)
        compared = [q for q in same_kind if q.games == size]
        known = sorted((q for q in compared if q.known), key=lambda q: -q.gap)
        strangers = [q for q in compared if not q.known]
        if not known:
            return None
        at_least = [q for q in known if q.gap >= gap]
        beyond = len(at_least) < MIN_COMPARED  # beyond nearly every query: the clearest ones
        if beyond:
            at_least = known[:MIN_COMPARED]
        right = sum(q.right for q in at_least)
        reached = sum(q.gap >= gap for q in strangers)
        # Shares by the rule of succession, (k + 1) / (n + 2): ten right of ten is not yet a
        # certainty, and none of a few strangers is not yet none of all of them.
        right_share = (right + 1) / (len(at_least) + 2)
        stranger_share = (reached + 1) / (len(strangers) + 2) if strangers else None
        return {
            "gap": round(gap, 3),
            "verdict": _verdict(right_share, stranger_share),
            "right_share": round(right_share, 3),
            "right": right,
            "known_queries": len(at_least),
            "clearest_queries": beyond,
            "stranger_share": None if stranger_share is None else round(stranger_share, 3),
            "strangers_reached": reached,
            "stranger_queries": len(strangers),
            "compared_games": size,
            "openings_hidden": hidden,
            "style_only": style_only,
        }


def verdict_summary(calibration: Calibration) -> list[dict]:
    """Per query size and kind, how the verdicts came out on the calibration's own queries,
    each judged against all the others (leave one out): how often known authors were found,
    how often their ranking was called clear and was then right, how often a stranger's was
    called clear anyway."""
    rows = []
    for style_only, games, hidden in sorted({q.kind for q in calibration.queries}):
        verdicts = {True: [], False: []}
        for index, query in enumerate(calibration.queries):
            if query.kind != (style_only, games, hidden):
                continue
            others = Calibration(calibration.queries[:index] + calibration.queries[index + 1 :])
            assessed = others.assess(_as_result(query, calibration.method))
            verdict = assessed["verdict"] if assessed else "uncertain"
            verdicts[query.known].append((verdict, query.right))
        known, strangers = verdicts[True], verdicts[False]
        clear = [right for verdict, right in known if verdict == "clear"]
        rows.append(
            {
                "games": games,
                "openings_hidden": hidden,
                "style_only": style_only,
                "known_queries": len(known),
                "top1": _share(sum(right for _, right in known), len(known)),
                "called_clear": _share(len(clear), len(known)),
                "clear_right": _share(sum(clear), len(clear)),
                "stranger_queries": len(strangers),
                "strangers_called_clear": _share(
                    sum(verdict == "clear" for verdict, _ in strangers), len(strangers)
                ),
                "strangers_called_uncertain": _share(
                    sum(verdict == "uncertain" for verdict, _ in strangers), len(strangers)
                ),
            }
        )
    return rows


def _share(count: int, total: int) -> float | None:
    return round(count / total, 3) if total else None


def _as_result(query: CalibrationQuery, method: str) -> dict:
    """A calibration query as the `identify` result `assess` reads."""
    evidence = {"structures" if query.openings_hidden else "openings": 0.0}
    return {
        "method": method,
        "games": query.games,
        "gap": query.gap,
        "candidates": [{"score": query.gap, "evidence": evidence}],
        "openings_known": 0.0 if query.style_only else None,
    }


def _openings_unknown(result: dict) -> bool:
    """Whether `fused` ranked this result by the style model alone: its openings were too
    little known to count (`fused.opening_reach` 0)."""
    from stylespace.fused import opening_reach

    known = result.get("openings_known")
    return known is not None and opening_reach(known) == 0.0


def _verdict(right_share: float, stranger_share: float | None) -> str:
    strangers = 0.0 if stranger_share is None else stranger_share
    if right_share >= CLEAR[0] and strangers <= CLEAR[1]:
        return "clear"
    if right_share >= LIKELY[0] and strangers <= LIKELY[1]:
        return "likely"
    return "uncertain"


def confidence_line(assessment: dict) -> str:
    """The assessment in one sentence, for the CLI and the app."""
    if "too_few_games" in assessment:
        return (
            f"uncertain (gap {assessment['gap']:.1f}): {assessment['too_few_games']} games are "
            f"fewer than this model's smallest held-out queries ({assessment['fewest_calibrated']} "
            "games), and a first place from so few says little."
        )
    size = assessment["compared_games"]
    kind = " with the openings hidden" if assessment["openings_hidden"] else ""
    queries = f"{size}-game queries{kind} of players this model knows"
    if assessment.get("style_only"):
        queries += " ranked by the style model alone, as these games are"
    compared = (
        f"the {assessment['known_queries']} clearest held-out {queries}"
        if assessment["clearest_queries"]
        else f"held-out {queries} with at least this gap"
    )
    line = (
        f"{assessment['verdict']} (gap {assessment['gap']:.1f}): {compared} named the right "
        f"player {assessment['right']} times in {assessment['known_queries']}"
    )
    if assessment["stranger_queries"]:
        line += (
            f"; {assessment['strangers_reached']} of {assessment['stranger_queries']} queries by "
            "players it does not know reached it"
        )
    return line + "."


def calibrate(
    model: StyleModel,
    known: dict[str, list[PlayedGame]],
    strangers: dict[str, list[PlayedGame]],
    sizes: Sequence[int] = QUERY_SIZES,
    hidden_sizes: Sequence[int] = (20, 100),
    seed: int = 0,
) -> Calibration:
    """Run one query per author and size (games drawn at random; the openings hidden too, for
    `hidden_sizes`) through `identify` and keep the outcomes. `known` authors must be players
    of `model` whose given games it never learned from; `strangers` must not be players of it."""
    from stylespace.authors import StylometryError
    from stylespace.stylometry import identify

    rng = np.random.default_rng(seed)
    plan = []
    for is_known, authors in ((True, known), (False, strangers)):
        for author, games in authors.items():
            order = rng.permutation(len(games))
            for size in sizes:
                if len(games) >= size:
                    chosen = [games[i] for i in order[:size]]
                    plies = (0, HIDDEN_FROM_PLY) if size in hidden_sizes else (0,)
                    plan += [(is_known, author, size, chosen, ply) for ply in plies]
    queries = []
    with progress_bar(total=len(plan), desc="calibrating", unit="query") as bar:
        for is_known, author, size, games, ply in plan:
            bar.update(1)
            try:
                found = identify(model, games, author=author, top=1, from_ply=ply)
            except StylometryError:  # no moves from this ply on
                continue
            gap = found["gap"]
            if gap is None:
                continue
            queries.append(
                CalibrationQuery(
                    known=is_known,
                    games=size,
                    openings_hidden=ply >= HIDDEN_FROM_PLY,
                    gap=gap,
                    right=found["candidates"][0]["player"] == author,
                )
            )
            alone = found.get("style_alone")
            if ply < HIDDEN_FROM_PLY and alone is not None:
                if (found["fingerprint_positions"] or 0) < found["positions"]:
                    # The openings settled this ranking before the style had read all the
                    # moves it reads (`fused.SettledRanking`); a ranking by the style alone
                    # seldom leads by the 8 points that settle one (the bots' 100-game
                    # queries read every move), so its calibration reads them all too.
                    unsettled = identify(model, games, author=author, top=1, settle=False)
                    alone = unsettled["style_alone"]
                if alone["gap"] is None:
                    continue
                queries.append(
                    CalibrationQuery(
                        known=is_known,
                        games=size,
                        openings_hidden=False,
                        gap=alone["gap"],
                        right=alone["player"] == author,
                        style_only=True,
                    )
                )
    return Calibration(queries)


def calibrate_from_store(
    model_dir: Path,
    db: Path,
    players: int = KNOWN_AUTHORS,
    strangers: int = STRANGERS,
    reference_games: int = 100,
    seed: int = 0,
) -> Calibration:
    """Calibrate a saved model on a game store: `players` of its trained players on their
    validation games; its enrolled players enrolled again, in memory, from `reference_games` of
    their games and queried on the rest (so that no query was learned from); and `strangers`
    players of the store it does not hold (the most games first). Saves `confidence.json`."""
    from stylespace.store import GameStore
    from stylespace.style_model import StyleModel
    from stylespace.stylometry import enroll

    check_held_out(model_dir, "val", "Calibration")
    rng = np.random.default_rng(seed)
    model = StyleModel.load(model_dir)
    trained = [p["name"] for p in model.players if not p.get("enrolled")]
    enrolled = [p["name"] for p in model.players if p.get("enrolled")]
    # A surname the model holds may be one of its players under another spelling ("Tal, M"
    # beside "Tal, Mihail"): not a stranger.
    held = {_surname(name) for name in trained + enrolled}
    with GameStore(db, read_only=True) as store:
        outsiders = [
            row.name
            for row in store.players(min_games=min(QUERY_SIZES))
            if _surname(row.name) not in held and not is_placeholder_name(row.name)
        ][:strangers]
        validation = store.games_by_player(["val"], trained)
        every_split = store.games_by_player(["train", "val", "test"], enrolled + outsiders)
    chosen = [name for name in trained if validation[name]]
    rng.shuffle(chosen)
    chosen = [name for name in chosen if not is_placeholder_name(name)]
    known = {name: validation[name] for name in chosen[:players]}
    for name in enrolled:
        games = every_split[name]
        if len(games) < reference_games + min(QUERY_SIZES):
            continue
        order = rng.permutation(len(games))
        enroll(model, [games[i] for i in order[:reference_games]], name)
        known[name] = [games[i] for i in order[reference_games:]]
    strangers_games = {name: every_split[name] for name in outsiders}
    calibration = calibrate(model, known, strangers_games, seed=seed)
    calibration.save(
        model_dir,
        {
            "known_authors": len(known),
            "strangers": len(outsiders),
            "reference_games": reference_games,
            "seed": seed,
        },
    )
    return calibration


def _surname(name: str) -> str:
    """The part of a PGN name before its comma (or first space), lower case."""
    return name.replace(",", " ").split()[0].lower() if name.strip() else ""
