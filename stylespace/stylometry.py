"""Style vectors for new games: enrol a new player, identify the author of a set of games.

Enrolment fits one routing vector with everything else frozen (routing-only fitting, as in the
paper): start from the trained players' mean vector, follow the gradient of the played moves'
likelihood (illegal moves masked), with a pull toward the mean so that a few games cannot run away
with it. It also records the player's fingerprint (how their moves pull the skills: see
`fingerprints.py`) and their opening repertoire (`openings.py`). Identification (default,
`fused`) adds pieces of evidence, each z-scored over the candidates: how the query's
fingerprint matches every player's (the style model) and how much better each player's own
opening choices predict the query's (when the query has moves before move 12; a likelihood,
`openings.MoveChoices`). `fingerprint` is the style model
alone; on the demo model it finds authors far more often than comparing fitted vectors, in
seconds instead of tens (figures in the README). The paper's ranking (fit a query vector, cosine
to the players' vectors) and a likelihood re-ranking remain as methods.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from stylespace.fingerprints import FINGERPRINT_POSITIONS, Fingerprint, compute_fingerprint
from stylespace.game_embedding import game_bags
from stylespace.openings import Tokens, game_repertoires, joined_repertoire
from stylespace.optout import is_opted_out, normalise_name
from stylespace.positions import PlayedGame, Positions, collect_positions, common_players
from stylespace.ranking_methods import DEFAULT_METHOD, METHODS
from stylespace.references import REFERENCE_POSITIONS, reference_fingerprint
from stylespace.style_model import StyleModel


class StylometryError(ValueError):
    """A request that cannot be answered as asked; the message says what to change."""


@dataclass(frozen=True)
class FitSettings:
    """How a routing vector is fitted; identification trades steps for speed."""

    steps: int = 60
    batch_size: int = 512
    learning_rate: float = 0.1
    prior_weight: float = 1e-3
    seed: int = 0
    min_steps: int = 12  # never stop before this
    patience: int = 0  # stop once the top candidate held for this many checks (0 = never)


# 24 steps of 512 fit an enrolled vector as well as 48 of 1,024 did, in a quarter of the time
# (bench/enrol_fit_pilot.py, bench/results/enrolment-fit.md: 4 unseen masters enrolled from 100
# games, their next 200 games predicted equally well; 11 s instead of 48 s on 2 CPU cores).
ENROL_SETTINGS = FitSettings(steps=24, batch_size=512)
# How often 20-game queries found a player again by the openings, by the games they were enrolled
# from (bench/enrol_size_pilot.py, bench/results/enrolment-size.md: 60 masters among 477).
FOUND_FROM_20_GAMES = {50: 0.50, 100: 0.61, 200: 0.76, 400: 0.84}
IDENTIFY_SETTINGS = FitSettings(steps=30, batch_size=512, patience=6)
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
SETTLE_MIN_POSITIONS = 1024  # see SettledRanking
SETTLE_GAP = 8.0
HUB_NEIGHBOURS = 10  # CSLS's usual neighbourhood, for the style model's own ranking


def evidence_weights(evidence: dict) -> dict[str, float]:
    """The weights `fused` gives to these pieces of evidence (they say whether the openings
    were seen)."""
    return WEIGHTS_WITH_OPENINGS if "openings" in evidence else WEIGHTS_OPENINGS_HIDDEN


def _log_likelihood(
    model: StyleModel, batch: dict[str, torch.Tensor], style: torch.Tensor
) -> torch.Tensor:
    """Per-position log-probability of the move played, illegal moves masked."""
    logits = model.logits(batch["squares"], batch["last_move"], batch["elo"], style=style)
    logits = logits.masked_fill(~batch["mask"], -1e9)
    return -F.cross_entropy(logits, batch["move"], reduction="none")


def fit_style_vector(
    model: StyleModel,
    positions: Positions,
    settings: FitSettings = ENROL_SETTINGS,
    on_check=None,
) -> tuple[torch.Tensor, int]:
    """Routing-only fit on `positions`; returns the vector and the steps taken.

    `on_check(vector)` is called every two steps; returning True stops the fit early.
    """
    if not len(positions):
        raise StylometryError("no positions to fit a style to")
    model.styled.eval()  # deterministic routing: sigmoid of the logits, no sampling noise
    prior = model.trained_mean
    vector = prior.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([vector], lr=settings.learning_rate)
    generator = np.random.default_rng(settings.seed)
    everything = positions.tensors(model.device) if len(positions) <= settings.batch_size else None
    steps = 0
    for step in range(settings.steps):
        if everything is None:
            rows = np.sort(generator.choice(len(positions), settings.batch_size, replace=False))
            batch = positions.subset(rows).tensors(model.device)
        else:
            batch = everything
        loss = -_log_likelihood(model, batch, vector).mean()
        loss = loss + settings.prior_weight * (vector - prior).pow(2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        steps = step + 1
        if (
            on_check is not None
            and steps % 2 == 0
            and steps >= settings.min_steps
            and on_check(vector.detach())
        ):
            break
    return vector.detach(), steps


def likelihood_gradient(
    model: StyleModel, positions: Positions, max_positions: int = 4096, seed: int = 0
) -> torch.Tensor:
    """Gradient of the query moves' mean log-likelihood at the trained mean: one pass.

    To first order, log L(v) - log L(mean) = g . (v - mean), so the players whose vectors point
    along g are those under whom the query's moves gain most likelihood; ranking players by the
    cosine of their centred vector with g is a one-step stand-in for fitting a vector.
    """
    rows = np.arange(len(positions))
    if len(rows) > max_positions:
        rows = np.sort(np.random.default_rng(seed).choice(len(rows), max_positions, replace=False))
    vector = model.trained_mean.clone().requires_grad_(True)
    for start in range(0, len(rows), 1024):
        batch = positions.subset(rows[start : start + 1024]).tensors(model.device)
        (_log_likelihood(model, batch, vector).sum() / len(rows)).backward()
    return vector.grad.detach()


def fingerprint_scores(model: StyleModel, query: torch.Tensor) -> torch.Tensor:
    """Cosine of every player's fingerprint with the query's, both centred on the trained
    players' mean; players without a fingerprint score -inf (ranked last)."""
    table = model.fingerprints
    known = _fingerprinted(model)
    centre = model.fingerprint_centre
    query = query.cpu()
    scores = torch.full((len(table),), float("-inf"))
    scores[known] = F.cosine_similarity(table[known] - centre, (query - centre)[None], dim=-1)
    return scores


def _fingerprinted(model: StyleModel) -> torch.Tensor:
    """The players with a fingerprint; a model without any cannot rank by style."""
    known = ~model.fingerprints.isnan().any(dim=1)
    if not bool(known.any()):
        raise StylometryError(
            "this model has no stylometry fingerprints: add them with `stylespace fingerprints "
            "--model DIR` (or retrain), or use --method similarity"
        )
    return known


def reference_hubness(model: StyleModel, neighbours: int = HUB_NEIGHBOURS) -> torch.Tensor:
    """Each player's mean centred cosine with its `neighbours` nearest other fingerprints (0 for
    players without one). A reference close to many others is close to many queries too (a
    hub), whoever played them; enrolled players, whose references come from games the model
    never trained on as queries do, are such hubs (`bench/results/fingerprint-hubness.md`)."""
    table = model.fingerprints
    known = ~table.isnan().any(dim=1)
    hubness = torch.zeros(len(table))
    if int(known.sum()) > 1:
        references = F.normalize(table[known] - model.fingerprint_centre, dim=-1)
        hubness[known] = neighbour_hubness(references, neighbours)
    return hubness


def neighbour_hubness(references: torch.Tensor, neighbours: int = HUB_NEIGHBOURS) -> torch.Tensor:
    """Mean cosine of each row of `references` (unit rows) with its `neighbours` nearest others:
    the term CSLS subtracts, half of it, from a reference's cosine with a query."""
    between = references @ references.T
    between.fill_diagonal_(float("-inf"))
    count = min(neighbours, len(references) - 1)
    return between.topk(count, dim=1).values.mean(dim=1)


def style_alone_scores(model: StyleModel, query: torch.Tensor) -> torch.Tensor:
    """The style model's own ranking (`--method fingerprint`): the centred cosine less half of
    each reference's hubness (CSLS, Conneau et al. 2018). Among the demo's 497 players it found
    the author of 100 games 72% of the time where the plain cosine found 49% (57 masters), and
    players enrolled from 100 games 85% where it found 60%. `fused` keeps the plain cosine: there
    the correction changed nothing measurable and its confidence is calibrated on it."""
    return fingerprint_scores(model, query) - 0.5 * reference_hubness(model)


def _standardised(scores: torch.Tensor, among: torch.Tensor) -> torch.Tensor:
    spread = scores[among].std().clamp_min(1e-12) if int(among.sum()) > 1 else torch.tensor(1.0)
    return (scores - scores[among].mean()) / spread


def weighted_sum(weights: dict[str, float]) -> str:
    """The weights as a formula a reader can check, e.g. `1 x style + 2 x openings`."""
    return " + ".join(f"{weight:g} x {kind.replace('_', ' ')}" for kind, weight in weights.items())


def fused_evidence(
    model: StyleModel,
    fingerprint: torch.Tensor,
    openings: Tokens = (),
    deep_lines: Tokens = (),
    structures: Tokens = (),
    games: Sequence[np.ndarray] = (),
) -> dict[str, torch.Tensor]:
    """Each candidate's evidence, z-scored over the candidates with a fingerprint: `style`
    (fingerprint cosine); `openings`: the likelihood of the query's first 12 moves under every
    player's own choices against everybody's (`MoveChoices.scores`) and `embedding`: the
    cosine of the query's games with every player's in the learned game embedding (`games`:
    `game_embedding.game_bags`); or, when it has no opening moves (its moves start later),
    `deep_lines`: the likelihood of its moves 13 to 20, and `structures`: the likelihood of the
    pawn structures of its moves from move 11 on under every player's against everybody's
    (`StructureVisits.scores`). A piece the query or the model lacks is absent. Candidates
    without a fingerprint get -inf; those without a game-embedding profile, the mean.
    """
    return {
        "style": style_evidence(model, fingerprint),
        **query_evidence(model, openings, deep_lines, structures, games),
    }


def style_evidence(model: StyleModel, fingerprint: torch.Tensor) -> torch.Tensor:
    """The fingerprint cosines, z-scored over the candidates with a fingerprint (-inf else)."""
    style = fingerprint_scores(model, fingerprint)
    known = torch.isfinite(style)
    return torch.where(known, _standardised(style, known), torch.tensor(float("-inf")))


def query_evidence(
    model: StyleModel,
    openings: Tokens = (),
    deep_lines: Tokens = (),
    structures: Tokens = (),
    games: Sequence[np.ndarray] = (),
) -> dict[str, torch.Tensor]:
    """`fused_evidence` beside the style: what does not depend on the fingerprint, so a query
    computes it once however much of its fingerprint it reads."""
    known = _fingerprinted(model)
    unknown = torch.tensor(float("-inf"))

    def standardised(scores: np.ndarray) -> torch.Tensor:
        return torch.where(known, _standardised(torch.from_numpy(scores), known), unknown)

    evidence = {}
    # The tables are read from the artifact when first touched: the deep lines only when the
    # query has no opening moves.
    tables = (("openings", "repertoires", openings), ("deep_lines", "deep_lines", deep_lines))
    for kind, table_name, query in tables:
        table = getattr(model, table_name) if len(query) else None
        if table is not None and table.known.any():
            evidence[kind] = standardised(table.scores(query))
            break
    embedding = model.game_embedding
    if "openings" in evidence and len(games) and embedding is not None and embedding.known.any():
        scores = embedding.scores(games, model.trained_mask())
        found = np.isfinite(scores)
        if found.any():
            evidence["embedding"] = standardised(np.where(found, scores, scores[found].mean()))
    if "openings" not in evidence and len(structures) and model.structures.known.any():
        evidence["structures"] = standardised(model.structures.scores(structures))
    return evidence


def fused_scores(
    model: StyleModel,
    fingerprint: torch.Tensor,
    openings: Tokens = (),
    deep_lines: Tokens = (),
    structures: Tokens = (),
    games: Sequence[np.ndarray] = (),
) -> torch.Tensor:
    """The evidence of `fused_evidence`, weighted by `evidence_weights` and summed (the style
    evidence alone when neither the query nor the model gives any other)."""
    return _fused_total(fused_evidence(model, fingerprint, openings, deep_lines, structures, games))


def _fused_total(evidence: dict[str, torch.Tensor]) -> torch.Tensor:
    weights = evidence_weights(evidence)
    return sum(weights[kind] * scores for kind, scores in evidence.items())


def similarity_scores(model: StyleModel, vector: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of every player's vector to `vector`, centred on the trained mean."""
    table = model.style_vectors
    centre = model.trained_mean
    return F.cosine_similarity(table - centre, (vector - centre)[None, :], dim=-1)


@torch.no_grad()
def likelihood_scores(
    model: StyleModel,
    positions: Positions,
    candidates: Sequence[int],
    max_positions: int = 512,
    seed: int = 0,
) -> torch.Tensor:
    """Mean log-likelihood of the query's moves under each candidate's own vector."""
    rows = np.arange(len(positions))
    if len(rows) > max_positions:
        rows = np.sort(np.random.default_rng(seed).choice(len(rows), max_positions, replace=False))
    batch = positions.subset(rows).tensors(model.device)
    scores = [
        _log_likelihood(model, batch, model.style_vectors[task]).mean() for task in candidates
    ]
    return torch.stack(scores)


def resolve_author(games: Sequence[PlayedGame], requested: str | None) -> str:
    """The single author of a set of games: `requested`, else the one name in every game."""
    if not games:
        raise StylometryError("no games to look at")
    if requested is not None:
        wanted = normalise_name(requested)
        for game in games:
            for name in (game.white, game.black):
                if normalise_name(name) == wanted:
                    return name
        raise StylometryError(
            f"{requested!r} plays in none of these games; check the name in the PGN tags"
        )
    common = common_players(games)
    if len(common) == 1:
        return common[0]
    if not common:
        raise StylometryError(
            "no player is in every game, so the author is ambiguous: pass --as NAME"
        )
    raise StylometryError(f"both {common[0]!r} and {common[1]!r} play every game: pass --as NAME")


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


def _eligible(model: StyleModel, opted_out: frozenset[str]) -> torch.Tensor:
    """Per task id: may be offered as a candidate (not on the opt-out list)."""
    return torch.tensor([not is_opted_out(name, opted_out) for name in model.player_names()])


@dataclass
class SettledRanking:
    """Whether a query's `fused` ranking needs more of its moves (`compute_fingerprint`'s
    `settled`): not once the same player has led at two checks in a row, at least
    `min_positions` positions in, by at least `gap` (in the fused score's units).

    The openings decide most long queries long before the style fingerprint has read them
    all, and the fingerprint is most of `identify`'s time. Chosen on validation games
    (bench/settled_ranking_pilot.py, bench/results/settled-ranking.md).
    """

    model: StyleModel
    others: dict[str, torch.Tensor]  # the query's evidence beside the style
    eligible: torch.Tensor  # candidates the ranking may offer
    min_positions: int = SETTLE_MIN_POSITIONS
    gap: float = SETTLE_GAP
    leader: int | None = None

    def __call__(self, fingerprint: Fingerprint) -> bool:
        evidence = {"style": style_evidence(self.model, fingerprint.sketch), **self.others}
        total = _fused_total(evidence).masked_fill(~self.eligible, float("-inf"))
        top = torch.topk(total, min(2, len(total)))
        leader, before = int(top.indices[0]), self.leader
        self.leader = leader
        lead = float(top.values[0] - top.values[1]) if len(top.values) == 2 else float("inf")
        return fingerprint.positions >= self.min_positions and leader == before and lead >= self.gap


def identify(
    model: StyleModel,
    games: Sequence[PlayedGame],
    author: str | None = None,
    top: int = 10,
    from_ply: int = 0,
    method: str = DEFAULT_METHOD,
    settings: FitSettings = IDENTIFY_SETTINGS,
    shortlist: int = 20,
    opted_out: frozenset[str] = frozenset(),
    settle: bool = True,
) -> dict:
    """Rank the model's players as the author of `games` (one author, who plays every game).

    Methods: `fused` (the default) adds the fingerprint's and the opening repertoire's evidence
    (see `fused_scores`); `fingerprint` compares the query's fingerprint with every player's,
    centred cosine (one pass, no fit; see `fingerprints.py`); `similarity` fits a vector and ranks
    by centred cosine (the paper's); `likelihood` re-ranks similarity's shortlist by the
    likelihood of the query's moves under each candidate; `gradient` ranks players' vectors by
    their cosine with the query's likelihood gradient at the mean.
    Players on the opt-out list (normalised names) are never offered as candidates.
    `settle`: `fused` stops reading a long query's moves once its ranking is settled
    (`SettledRanking`); False reads up to `FINGERPRINT_POSITIONS` of them whatever happens.
    """
    if method not in METHODS:
        raise StylometryError(f"unknown method {method!r}: one of {', '.join(METHODS)}")
    started = time.perf_counter()
    name = resolve_author(games, author)
    # The fingerprint reads the unmasked likelihood: no board replay for legal moves.
    positions = author_positions(games, name, from_ply, method not in ("fingerprint", "fused"))
    centred = model.style_vectors - model.trained_mean
    eligible = _eligible(model, opted_out)
    sketch, evidence, repertoire, bags = None, {}, None, None
    read = None
    if method in ("fingerprint", "fused"):
        settled = None
        if method == "fused":
            per_game = game_repertoires(games, name, from_ply)
            repertoire, bags = joined_repertoire(per_game), game_bags(per_game)
            others = query_evidence(model, *repertoire, games=bags)
            if settle:
                settled = SettledRanking(model, others, eligible)
        found = compute_fingerprint(model, positions, seed=settings.seed, settled=settled)
        sketch, gradient, read = found.sketch, found.style_gradient, found.positions
        if method == "fused":
            evidence = {"style": style_evidence(model, sketch), **others}
            scores = _fused_total(evidence)
        else:
            scores = style_alone_scores(model, sketch)
    elif method == "gradient":
        gradient = likelihood_gradient(model, positions, seed=settings.seed)
        scores = F.cosine_similarity(centred, gradient[None], dim=-1)
    if method in ("gradient", "fingerprint", "fused"):
        # A stand-in vector for the map and the JSON: along the gradient, at a typical distance.
        length = centred.norm(dim=-1).median()
        vector = model.trained_mean + gradient / gradient.norm().clamp_min(1e-12) * length
        steps = 0
    else:
        settled = {"leader": None, "held": 0}

        def ranking_settled(vector: torch.Tensor) -> bool:
            leader = int(similarity_scores(model, vector).argmax())
            settled["held"] = settled["held"] + 1 if leader == settled["leader"] else 0
            settled["leader"] = leader
            return settings.patience > 0 and settled["held"] >= settings.patience

        vector, steps = fit_style_vector(model, positions, settings, on_check=ranking_settled)
        scores = similarity_scores(model, vector)
    names = model.player_names()
    order = [task for task in torch.argsort(scores, descending=True).tolist() if eligible[task]]
    if method == "likelihood":
        head = order[: max(shortlist, top)]
        scores = torch.full_like(scores, float("-inf"))
        scores[torch.tensor(head)] = likelihood_scores(model, positions, head, seed=settings.seed)
        order = sorted(head, key=lambda task: -float(scores[task])) + order[len(head) :]
    candidates = [
        {
            "player": names[task],
            "score": _rounded(scores[task]),
            **(
                {"evidence": {k: _rounded(v[task]) for k, v in evidence.items()}}
                if evidence
                else {}
            ),
        }
        for task in order[:top]
    ]
    wanted = normalise_name(name)
    first_two = [float(scores[task]) for task in order[:2]]
    return {
        "author": name,
        "games": sum(wanted in (normalise_name(g.white), normalise_name(g.black)) for g in games),
        "games_used": len({int(g) for g in positions.game}),
        "from_ply": from_ply,  # the author's moves before it were left out
        "positions": len(positions),
        "fingerprint_positions": read,  # how many of them the style fingerprint read
        "candidates": candidates,
        # How far the first place leads the second, in the whole ranking (`confidence.py`).
        "gap": _rounded(torch.tensor(first_two[0] - first_two[1])) if len(first_two) == 2 else None,
        "method": method,
        "fit_steps": steps,
        "vector": vector.tolist(),
        "fingerprint": sketch.tolist() if sketch is not None else None,
        "repertoire": repertoire,  # the query's opening tokens, for enrolling it (fused only)
        "game_bags": bags,  # and its games' embedding tokens
        "seconds": round(time.perf_counter() - started, 3),
    }


def whole_fingerprint(
    model: StyleModel, games: Sequence[PlayedGame], found: dict, from_ply: int = 0
) -> torch.Tensor:
    """An `identify` result's fingerprint over every move it may read (`FINGERPRINT_POSITIONS`):
    `fused` stops reading once its ranking is settled, but a reference (a session enrolment)
    and the style model's own ranking in the benchmark want them all."""
    if found["fingerprint_positions"] >= min(found["positions"], FINGERPRINT_POSITIONS):
        return torch.tensor(found["fingerprint"])
    positions = author_positions(games, found["author"], from_ply, legal_masks=False)
    return compute_fingerprint(model, positions).sketch


def _rounded(score: torch.Tensor) -> float | None:
    return round(float(score), 5) if np.isfinite(float(score)) else None


def enroll(
    model: StyleModel,
    games: Sequence[PlayedGame],
    name: str,
    label: str | None = None,
    from_ply: int = 0,
    settings: FitSettings = ENROL_SETTINGS,
) -> dict:
    """Fit a new player's vector (base and skills frozen), their fingerprint and their opening
    repertoire; add all three to the player table."""
    author = resolve_author(games, name)
    positions = author_positions(games, author, from_ply)
    torch.manual_seed(settings.seed)
    vector, steps = fit_style_vector(model, positions, settings)
    label = label or author
    replaced = label in model.player_names()
    per_game = game_repertoires(games, author, from_ply)
    task = model.set_player(
        label,
        vector,
        fingerprint=reference_fingerprint(model, positions),
        repertoire=joined_repertoire(per_game),
        game_bags=game_bags(per_game),
        enrolled=True,
        games=len({int(g) for g in positions.game}),
        positions=len(positions),
        reference={
            "positions": min(REFERENCE_POSITIONS, len(positions)),
            "available": len(positions),
        },
    )
    games_used = model.players[task]["games"]
    return {
        "player": label,
        "task_id": task,
        "replaced": replaced,
        "games": games_used,
        "positions": len(positions),
        "fit_steps": steps,
        "note": enrolment_note(games_used),
    }


def enrolment_note(games: int) -> str | None:
    """What an enrolment from this few games means for finding the player again (None from
    400 games on): identification leans on the openings, and a thin table finds few."""
    most = max(FOUND_FROM_20_GAMES)
    if games >= most:
        return None
    near = min(FOUND_FROM_20_GAMES, key=lambda known: abs(known - games))
    return (
        f"enrolled from {games} games: on masters, 20-game queries found players enrolled from "
        f"{near} games {FOUND_FROM_20_GAMES[near]:.0%} of the time and from {most} games "
        f"{FOUND_FROM_20_GAMES[most]:.0%}; enrol from more of their games if you have them"
    )
