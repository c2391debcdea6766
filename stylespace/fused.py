"""The default identification (`fused`): pieces of evidence about who played a set of games,
each z-scored over the candidates and added with fixed weights. Numpy only.

The evidence: how the query's style fingerprint matches every player's (the style model), and
how much better each player's own opening choices predict the query's (when it has moves
before move 12; a likelihood, `openings.MoveChoices`), with the learned game embedding beside
them, both weighed by how much of the query's openings the model knows (`opening_reach`);
once the openings are hidden, the pawn structures and deep lines. It runs on a loaded
`StyleModel` (fingerprints by autograd) or on a `PlayerTable` with the exported gradient graph
(`graph_fingerprints.py`): `identify` from the command line never imports torch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from stylespace.aliases import spelling_pairs
from stylespace.authors import AuthorQuery, StylometryError, games_played
from stylespace.game_embedding import game_bags
from stylespace.game_fit import GameFit, game_fits
from stylespace.known_games import LeftOut, known_games_fields
from stylespace.openings import Tokens, game_repertoires, joined_repertoire
from stylespace.placeholders import may_be_named
from stylespace.positions import PlayedGame
from stylespace.sketch import Fingerprint

# Each piece of evidence's weight in `fused`, chosen on validation games of the demo model
# (bench/fusion_pilot.py, figures in bench/results/move-choices.md, structures.md and
# structure-likelihood.md). With the openings in the query their likelihood carries 16 times the
# style's weight: every step toward the openings alone helped, the style breaks ties. Once they
# are hidden, the pawn structures carry nearly everything and the deep lines and the style only
# break ties. Structures are not weighed beside the openings: there they added nothing
# measurable (validation and test games) and, since a structure profile needs hundreds of games
# to match, they would push down players enrolled from 100. With references from up to
# 16,384 positions (session 20, bench/style_weight_pilot.py, bench/results/style-weight.md) the
# hidden-openings style weight rose from 1 to 4 (100 games from ply 30: 77/88% -> 77/93% top-1/
# top-5); beside the openings no style weight did better than 1 by more than one query in 60.
WEIGHTS_WITH_OPENINGS = {"style": 1.0, "openings": 16.0, "embedding": 4.0}
WEIGHTS_OPENINGS_HIDDEN = {"style": 4.0, "deep_lines": 0.25, "structures": 16.0}
# The share of a query's opening moves, chosen before by somebody in the model, below which
# the openings say nothing and from which they count fully (`opening_reach`).
OPENINGS_REACH = (0.2, 0.8)
SETTLE_MIN_POSITIONS = 1024  # see SettledRanking
SETTLE_GAP = 8.0

Fingerprinter = Callable[..., Fingerprint]  # (positions, seed=, settled=) -> Fingerprint


def evidence_weights(evidence: dict) -> dict[str, float]:
    """The weights `fused` gives to these pieces of evidence (they say whether the openings
    were seen)."""
    return WEIGHTS_WITH_OPENINGS if "openings" in evidence else WEIGHTS_OPENINGS_HIDDEN


def weighted_sum(weights: dict[str, float]) -> str:
    """The weights as a formula a reader can check, e.g. `1 x style + 2 x openings`."""
    return " + ".join(f"{weight:g} x {kind.replace('_', ' ')}" for kind, weight in weights.items())


def standardised(scores: np.ndarray, among: np.ndarray) -> np.ndarray:
    """`scores` less their mean over `among`, over their standard deviation there (n - 1)."""
    chosen = scores[among]
    spread = max(float(chosen.std(ddof=1)), 1e-12) if len(chosen) > 1 else 1.0
    return (scores - chosen.mean()) / spread


def fingerprinted(model) -> np.ndarray:
    """The players with a fingerprint; a model without any cannot rank by style."""
    known = ~np.isnan(np.asarray(model.fingerprints)).any(axis=1)
    if not known.any():
        raise StylometryError(
            "this model has no stylometry fingerprints: add them with `stylespace fingerprints "
            "--model DIR` (or retrain), or use --method similarity"
        )
    return known


def fingerprint_scores(model, query) -> np.ndarray:
    """Cosine of every player's fingerprint with the query's, both centred on the trained
    players' mean; players without a fingerprint score -inf (ranked last)."""
    table = np.asarray(model.fingerprints, np.float32)
    known = fingerprinted(model)
    centre = np.asarray(model.fingerprint_centre, np.float32)
    rows = table[known] - centre
    query = np.asarray(query, np.float32) - centre
    norms = np.maximum(np.linalg.norm(rows, axis=1), 1e-8) * max(np.linalg.norm(query), 1e-8)
    scores = np.full(len(table), -np.inf)
    scores[known] = rows @ query / norms
    return scores


def style_evidence(model, fingerprint) -> np.ndarray:
    """The fingerprint cosines, z-scored over the candidates with a fingerprint (-inf else)."""
    style = fingerprint_scores(model, fingerprint)
    known = np.isfinite(style)
    return np.where(known, standardised(style, known), -np.inf)


def opening_reach(known_share: float) -> float:
    """How much the openings' evidence (and the embedding's, read from the same lines) counts
    for a query of which `known_share` of the opening moves were chosen before by somebody in
    the model, in that position: nothing below `OPENINGS_REACH[0]`, fully from
    `OPENINGS_REACH[1]`, linearly between.

    Why: each piece of evidence is z-scored over the candidates, so it speaks as loudly from
    the first moves of games that leave all known lines at once as from a master's theory. A
    player far from the masters (an engine, a beginner, a bot) leaves them by move 2: every
    player of that kind shares the few known moves, and the openings' 16-fold weight drowned
    the style model, which named such players from 5 games where `fused` missed them from 100;
    players who share one opening setup and differ in the rest were missed from 5 games until
    the openings counted fully only from 80% (`bench/off_map_pilot.py`,
    `bench/results/off-map.md`). Masters' queries know 45-100% of their opening moves (median
    75%); on validation games their top-1 held (100 and 20 games) or rose (5 games, 47.5% ->
    48.0%).
    """
    low, full = OPENINGS_REACH
    return float(np.clip((known_share - low) / (full - low), 0.0, 1.0))


def openings_note(known_share: float | None) -> str | None:
    """What a reader of a ranking should know when its openings counted less than half their
    weight (most masters' queries count them at 60-100%: not worth a word)."""
    reach = 1.0 if known_share is None else opening_reach(known_share)
    if reach >= 0.5:
        return None
    weight = (
        "they say nothing here and the style model decides"
        if reach == 0.0
        else f"they count {reach:.0%} of their usual weight"
    )
    return (
        f"only {known_share:.0%} of these games' opening moves were ever played in the same "
        f"position by a player this model knows, so {weight}"
    )


@dataclass(frozen=True)
class QueryEvidence:
    """`fused_evidence` beside the style (`scores`, each piece z-scored over the candidates,
    the openings' and the embedding's times `opening_reach`), and the share of the query's
    opening moves the model's players chose before (None when it has none)."""

    scores: dict[str, np.ndarray]
    openings_known: float | None = None


def query_evidence(
    model,
    openings: Tokens = (),
    deep_lines: Tokens = (),
    structures: Tokens = (),
    games: Sequence[np.ndarray] = (),
    left_out: LeftOut | None = None,
) -> QueryEvidence:
    """`fused_evidence` beside the style: what does not depend on the fingerprint, so a query
    computes it once however much of its fingerprint it reads. `left_out`: the author's moves
    of known games, which the tables score as if they had never counted them."""
    left_out = left_out or LeftOut()
    known = fingerprinted(model)

    def z_scored(scores: np.ndarray, reach: float = 1.0) -> np.ndarray:
        return np.where(known, reach * standardised(np.asarray(scores, np.float64), known), -np.inf)

    evidence: dict[str, np.ndarray] = {}
    known_share = None
    # The tables are read from the artifact when first touched: the deep lines only when the
    # query has no opening moves.
    tables = model.repertoires if len(openings) else None
    if tables is not None and tables.known.any():
        scores, known_share = tables.scores_and_known_share(openings, left_out.of("openings"))
        reach = opening_reach(known_share)
        evidence["openings"] = z_scored(scores, reach)
        embedding = model.game_embedding
        if len(games) and embedding is not None and embedding.known.any():
            cosines = embedding.scores(games, model.trained_mask())
            found = np.isfinite(cosines)
            if found.any():
                filled = np.where(found, cosines, cosines[found].mean())
                evidence["embedding"] = z_scored(filled, reach)
    elif len(deep_lines) and model.deep_lines is not None and model.deep_lines.known.any():
        lines = model.deep_lines.scores(deep_lines, left_out.of("deep_lines"))
        evidence["deep_lines"] = z_scored(lines)
    if "openings" not in evidence and len(structures) and model.structures.known.any():
        found = model.structures.scores(structures, left_out.of("structures"))
        evidence["structures"] = z_scored(found)
    return QueryEvidence(evidence, known_share)


def fused_evidence(
    model,
    fingerprint,
    openings: Tokens = (),
    deep_lines: Tokens = (),
    structures: Tokens = (),
    games: Sequence[np.ndarray] = (),
) -> dict[str, np.ndarray]:
    """Each candidate's evidence, z-scored over the candidates with a fingerprint: `style`
    (fingerprint cosine); `openings`: the likelihood of the query's first 12 moves under every
    player's own choices against everybody's (`MoveChoices.scores`) and `embedding`: the
    cosine of the query's games with every player's in the learned game embedding (`games`:
    `game_embedding.game_bags`), both times `opening_reach` of the share of the query's opening
    moves the model knows; or, when it has no opening moves (its moves start later),
    `deep_lines`: the likelihood of its moves 13 to 20, and `structures`: the likelihood of the
    pawn structures of its moves from move 11 on under every player's against everybody's
    (`StructureVisits.scores`). A piece the query or the model lacks is absent. Candidates
    without a fingerprint get -inf; those without a game-embedding profile, the mean.
    """
    return {
        "style": style_evidence(model, fingerprint),
        **query_evidence(model, openings, deep_lines, structures, games).scores,
    }


def fused_total(evidence: dict[str, np.ndarray]) -> np.ndarray:
    """The evidence weighted by `evidence_weights` and summed."""
    weights = evidence_weights(evidence)
    return sum(weights[kind] * scores for kind, scores in evidence.items())


def fused_scores(model, fingerprint, *query: Tokens, games: Sequence[np.ndarray] = ()):
    """`fused_evidence` added up (the style alone when nothing else is known)."""
    return fused_total(fused_evidence(model, fingerprint, *query, games=games))


def eligible_players(model, opted_out: frozenset[str]) -> np.ndarray:
    """Per task id: may be offered as a candidate (not on the opt-out list, and a person: not
    a placeholder such as "NN" that a model trained before they were left out may hold)."""
    return np.array([may_be_named(name, opted_out) for name in model.player_names()])


def best_first(scores: np.ndarray, eligible: np.ndarray) -> list[int]:
    """The eligible task ids, highest score first (ties in task order)."""
    return [int(task) for task in np.argsort(-scores, kind="stable") if eligible[task]]


@dataclass
class SettledRanking:
    """Whether a query's `fused` ranking needs more of its moves (a fingerprinter's
    `settled`): not once the same player has led at two checks in a row, at least
    `min_positions` positions in, by at least `gap` (in the fused score's units).

    The openings decide most long queries long before the style fingerprint has read them
    all, and the fingerprint is most of `identify`'s time. Chosen on validation games
    (bench/settled_ranking_pilot.py, bench/results/settled-ranking.md).
    """

    model: object
    others: dict[str, np.ndarray]  # the query's evidence beside the style
    eligible: np.ndarray  # candidates the ranking may offer
    min_positions: int = SETTLE_MIN_POSITIONS
    gap: float = SETTLE_GAP
    leader: int | None = field(default=None)

    def __call__(self, fingerprint: Fingerprint) -> bool:
        evidence = {"style": style_evidence(self.model, fingerprint.sketch), **self.others}
        total = np.where(self.eligible, fused_total(evidence), -np.inf)
        top = np.argsort(-total, kind="stable")[:2]
        leader, before = int(top[0]), self.leader
        self.leader = leader
        lead = float(total[top[0]] - total[top[1]]) if len(top) == 2 else float("inf")
        return fingerprint.positions >= self.min_positions and leader == before and lead >= self.gap


def rounded(score: float) -> float | None:
    return round(float(score), 5) if np.isfinite(float(score)) else None


def ranked_candidates(
    names: Sequence[str], scores: np.ndarray, order: Sequence[int], evidence: dict, top: int
) -> list[dict]:
    """The first `top` of `order` as the JSON contract lists them (with their evidence)."""
    return [
        {
            "player": names[task],
            "score": rounded(scores[task]),
            **(
                {"evidence": {k: rounded(v[task]) for k, v in evidence.items()}} if evidence else {}
            ),
        }
        for task in order[:top]
    ]


def lead_of(scores: np.ndarray, order: Sequence[int]) -> float | None:
    """How far the first place leads the second (`confidence.py` reads it)."""
    return rounded(scores[order[0]] - scores[order[1]]) if len(order) >= 2 else None


def stand_in_vector(model, gradient) -> np.ndarray:
    """A vector for the map and the JSON: from the trained mean along the likelihood gradient,
    as far as the middle player lies from it (the lower median)."""
    vectors, mean = np.asarray(model.style_vectors), np.asarray(model.trained_mean)
    norms = np.sort(np.linalg.norm(vectors - mean, axis=1))
    gradient = np.asarray(gradient, np.float64)
    length = norms[(len(norms) - 1) // 2]
    return (mean + gradient / max(float(np.linalg.norm(gradient)), 1e-12) * length).astype(
        np.float32
    )


def identify_fused(
    model,
    fingerprinter: Fingerprinter,
    games: Sequence[PlayedGame],
    author: str | None = None,
    top: int = 10,
    from_ply: int = 0,
    opted_out: frozenset[str] = frozenset(),
    settle: bool = True,
    seed: int = 0,
    per_game: bool = False,
) -> dict:
    """`stylometry.identify` with the `fused` method: `model` is a `StyleModel` or a
    `PlayerTable`, `fingerprinter(positions, seed=, settled=)` computes the query's fingerprint
    for it. `settle`: stop reading a long query's moves once its ranking is settled
    (`SettledRanking`); False reads up to `FINGERPRINT_POSITIONS` of them whatever happens.
    `per_game`: also each game alone against the first candidate (`game_fits`: what a reader
    sees, not what a benchmark's ranking needs). Games the model was built from are scored as
    new ones by its tables (`known_games.LeftOut`), and the result says how many there were."""
    started = time.perf_counter()
    # The fingerprint reads the unmasked likelihood: no board replay for legal moves.
    query = AuthorQuery.read(games, author, from_ply, legal_masks=False)
    eligible = eligible_players(model, opted_out)
    tokens = game_repertoires(games, query.author, from_ply)
    repertoire, bags = joined_repertoire(tokens), game_bags(tokens)
    known = model.known_games
    left_out = (
        known.left_out(query.games, query.author, model.players) if known is not None else LeftOut()
    )
    others = query_evidence(model, *repertoire, games=bags, left_out=left_out)
    settled = SettledRanking(model, others.scores, eligible) if settle else None
    found = fingerprinter(query.positions, seed=seed, settled=settled)
    evidence = {"style": style_evidence(model, found.sketch), **others.scores}
    scores = fused_total(evidence)
    order = best_first(scores, eligible)
    by_style = best_first(evidence["style"], eligible)
    return ranking_result(
        model,
        query,
        scores,
        order,
        top,
        method="fused",
        started=started,
        evidence=evidence,
        read=found.positions,
        vector=stand_in_vector(model, found.style_gradient),
        fingerprint=np.asarray(found.sketch),
        repertoire=repertoire,
        bags=bags,
        openings_known=others.openings_known,
        style_alone={
            "player": model.player_names()[by_style[0]],
            "gap": lead_of(evidence["style"], by_style),
        },
        game_fits=game_fits(
            model,
            games,
            query.author,
            tokens,
            order[0],
            eligible,
            left_out,
            known.known_flags(games, model.players) if known is not None else (),
        )
        if per_game and len(order)
        else (),
        known=known_games_fields(
            known, query.games, left_out=left_out.games, players=model.players
        ),
    )


# What an identification carries for enrolling its games in the app, not for a reader.
INTERNAL_KEYS = ("vector", "fingerprint", "repertoire", "game_bags")


def public_result(result: dict) -> dict:
    """An identification as `identify --json` prints it and the Identify page offers it for
    download: everything but `INTERNAL_KEYS`."""
    return {key: value for key, value in result.items() if key not in INTERNAL_KEYS}


def ranking_result(
    model,
    query: AuthorQuery,
    scores: np.ndarray,
    order: Sequence[int],
    top: int,
    *,
    method: str,
    started: float,
    vector: np.ndarray,
    evidence: dict | None = None,
    read: int | None = None,
    fit_steps: int = 0,
    fingerprint: np.ndarray | None = None,
    repertoire=None,
    bags: list[np.ndarray] | None = None,
    openings_known: float | None = None,
    style_alone: dict | None = None,
    game_fits: Sequence[GameFit] = (),
    known: dict | None = None,
) -> dict:
    """An identification as `identify` returns it (the `--json` contract and what the app and
    the enrolment of a query read)."""
    positions = query.positions
    candidates = ranked_candidates(model.player_names(), scores, order, evidence or {}, top)
    return {
        "author": query.author,
        "games": games_played(query.games, query.author),
        "games_used": len({int(g) for g in positions.game}),
        "from_ply": query.from_ply,  # the author's moves before it were left out
        "positions": len(positions),
        "fingerprint_positions": read,  # how many of them the style fingerprint read
        "candidates": candidates,
        # Candidates that are likely one person under two spellings (`aliases.py`).
        "same_person": [list(p) for p in spelling_pairs([c["player"] for c in candidates])],
        # How far the first place leads the second, in the whole ranking (`confidence.py`).
        "gap": lead_of(scores, order),
        # The share of the query's opening moves somebody in the model chose before (`fused`).
        "openings_known": None if openings_known is None else round(openings_known, 3),
        "openings_note": openings_note(openings_known),
        # The style model's own first place and its lead, as if the openings said nothing
        # (`fused`): what a query whose openings the model does not know is ranked by, and
        # what `confidence.py` calibrates such rankings on.
        "style_alone": style_alone,
        # Each game alone against the first candidate: the odd game out (`game_fit.py`; fused).
        "game_fits": [fit.to_dict() for fit in game_fits],
        # How many of the games the model was built from, how many of those its tables scored
        # as new, and what that means (`known_games.py`).
        **(known or known_games_fields(model.known_games, query.games, players=model.players)),
        "method": method,
        "fit_steps": fit_steps,
        "vector": vector.tolist(),
        "fingerprint": None if fingerprint is None else fingerprint.tolist(),
        "repertoire": repertoire,  # the query's opening tokens, for enrolling it (fused only)
        "game_bags": bags,  # and its games' embedding tokens
        "seconds": round(time.perf_counter() - started, 3),
    }
