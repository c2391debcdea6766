"""Style vectors for new games: enrol a new player, identify the author of a set of games.

Enrolment fits one routing vector with everything else frozen (routing-only fitting, as in the
paper): start from the trained players' mean vector, follow the gradient of the played moves'
likelihood (illegal moves masked), with a pull toward the mean so that a few games cannot run away
with it. It also records the player's fingerprint (how their moves pull the skills: see
`fingerprints.py`) and their opening repertoire (`openings.py`). Identification (default,
`fused`, in `fused.py`, torch-free) adds pieces of evidence, each z-scored over the candidates:
how the query's fingerprint matches every player's (the style model) and how much better each
player's own opening choices predict the query's (when the query has moves before move 12; a
likelihood, `openings.MoveChoices`). `fingerprint` is the style model alone; on the demo
model it finds authors far more often than comparing fitted vectors, in seconds instead of tens
(figures in the README). The paper's ranking (fit a query vector, cosine to the players'
vectors) and a likelihood re-ranking remain as methods.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F

from stylespace.authors import (
    AuthorQuery,
    StylometryError,
    author_positions,
    refuse_opted_out,
    resolve_author,
)
from stylespace.fingerprints import compute_fingerprint
from stylespace.fused import (
    best_first,
    eligible_players,
    fingerprint_scores,
    identify_fused,
    ranking_result,
    stand_in_vector,
)
from stylespace.game_embedding import game_bags
from stylespace.known_games import enrolment_record
from stylespace.openings import game_repertoires, joined_repertoire
from stylespace.player_facts import facts_from_games
from stylespace.positions import PlayedGame, Positions
from stylespace.progress import progress_bar
from stylespace.ranking_methods import DEFAULT_METHOD, METHODS
from stylespace.references import REFERENCE_POSITIONS, reference_fingerprint
from stylespace.sketch import FINGERPRINT_POSITIONS
from stylespace.style_model import StyleModel


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
HUB_NEIGHBOURS = 10  # CSLS's usual neighbourhood, for the style model's own ranking


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
    on_step=None,
) -> tuple[torch.Tensor, int]:
    """Routing-only fit on `positions`; returns the vector and the steps taken.

    `on_check(vector)` is called every two steps; returning True stops the fit early.
    `on_step()` is called after every step (a progress bar).
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
        if on_step is not None:
            on_step()
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


def reference_hubness(model: StyleModel, neighbours: int = HUB_NEIGHBOURS) -> np.ndarray:
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
    return hubness.numpy()


def neighbour_hubness(references: torch.Tensor, neighbours: int = HUB_NEIGHBOURS) -> torch.Tensor:
    """Mean cosine of each row of `references` (unit rows) with its `neighbours` nearest others:
    the term CSLS subtracts, half of it, from a reference's cosine with a query."""
    between = references @ references.T
    between.fill_diagonal_(float("-inf"))
    count = min(neighbours, len(references) - 1)
    return between.topk(count, dim=1).values.mean(dim=1)


def style_alone_scores(model: StyleModel, query: torch.Tensor) -> np.ndarray:
    """The style model's own ranking (`--method fingerprint`): the centred cosine less half of
    each reference's hubness (CSLS, Conneau et al. 2018). Among the demo's 497 players it found
    the author of 100 games 72% of the time where the plain cosine found 49% (57 masters), and
    players enrolled from 100 games 85% where it found 60%. `fused` keeps the plain cosine: there
    the correction changed nothing measurable and its confidence is calibrated on it."""
    return fingerprint_scores(model, query) - 0.5 * reference_hubness(model)


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
    per_game: bool = False,
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
    (`fused.SettledRanking`); False reads up to `FINGERPRINT_POSITIONS` of them whatever happens.
    `per_game`: `fused` also reads each game alone against the first candidate (`game_fits`).
    """
    if method not in METHODS:
        raise StylometryError(f"unknown method {method!r}: one of {', '.join(METHODS)}")
    if method == "fused":
        return identify_fused(
            model,
            partial(compute_fingerprint, model),
            games,
            author,
            top,
            from_ply,
            opted_out,
            settle,
            settings.seed,
            per_game,
        )
    started = time.perf_counter()
    # The fingerprint reads the unmasked likelihood: no board replay for legal moves.
    query = AuthorQuery.read(games, author, from_ply, legal_masks=method != "fingerprint")
    positions = query.positions
    centred = model.style_vectors - model.trained_mean
    sketch = read = None
    steps = 0
    if method == "fingerprint":
        found = compute_fingerprint(model, positions, seed=settings.seed)
        sketch, read = found.sketch, found.positions
        scores = style_alone_scores(model, sketch)
        vector = stand_in_vector(model, found.style_gradient)
    elif method == "gradient":
        gradient = likelihood_gradient(model, positions, seed=settings.seed)
        scores = F.cosine_similarity(centred, gradient[None], dim=-1).numpy()
        vector = stand_in_vector(model, gradient)
    else:
        settled = {"leader": None, "held": 0}

        def ranking_settled(vector: torch.Tensor) -> bool:
            leader = int(similarity_scores(model, vector).argmax())
            settled["held"] = settled["held"] + 1 if leader == settled["leader"] else 0
            settled["leader"] = leader
            return settings.patience > 0 and settled["held"] >= settings.patience

        vector, steps = fit_style_vector(model, positions, settings, on_check=ranking_settled)
        scores = similarity_scores(model, vector).numpy()
        vector = vector.numpy()
    order = best_first(scores, eligible_players(model, opted_out))
    if method == "likelihood":
        head = order[: max(shortlist, top)]
        scores = np.full_like(scores, -np.inf)
        scores[head] = likelihood_scores(model, positions, head, seed=settings.seed).numpy()
        order = sorted(head, key=lambda task: -float(scores[task])) + order[len(head) :]
    return ranking_result(
        model,
        query,
        scores,
        order,
        top,
        method=method,
        started=started,
        vector=np.asarray(vector),
        read=read,
        fit_steps=steps,
        fingerprint=None if sketch is None else sketch.numpy(),
    )


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


def enroll(
    model: StyleModel,
    games: Sequence[PlayedGame],
    name: str,
    label: str | None = None,
    from_ply: int = 0,
    settings: FitSettings = ENROL_SETTINGS,
    opted_out: frozenset[str] = frozenset(),
) -> dict:
    """Fit a new player's vector (base and skills frozen), their fingerprint and their opening
    repertoire; add all three to the player table. Nobody on the opt-out list is enrolled, under
    their own name or another."""
    author = resolve_author(games, name)
    label = label or author
    refuse_opted_out(author, label, opted_out)
    positions = author_positions(games, author, from_ply)
    torch.manual_seed(settings.seed)
    with progress_bar(settings.steps, desc=f"fitting {label}'s style vector", unit="step") as bar:
        vector, steps = fit_style_vector(model, positions, settings, on_step=bar.update)
    replaced = label in model.player_names()
    before = dict(model.players[model.task_id(label)]) if replaced else None
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
        **facts_from_games(games, author),
        **enrolment_record(games, author, from_ply),
    )
    games_used = model.players[task]["games"]
    return {
        "player": label,
        "task_id": task,
        "replaced": replaced,
        "games": games_used,
        "positions": len(positions),
        "fit_steps": steps,
        "note": _sentences(trained_replaced_note(label, before), enrolment_note(games_used)),
    }


def _sentences(*notes: str | None) -> str | None:
    """The notes that apply, each a sentence starting with a capital; None when none does."""
    found = [note[0].upper() + note[1:] for note in notes if note]
    return " ".join(found) or None


def trained_replaced_note(label: str, before: dict | None) -> str | None:
    """What re-enrolling a trained player's name costs: their trained vector and the tables of
    all their games give way to these games alone."""
    if before is None or before.get("enrolled"):
        return None
    games = before.get("games", before.get("train_games"))
    known = f", known from {games:,} games" if games else ""
    return (
        f"{label!r} was a trained player{known}; the model now knows them from these games "
        "only (enrol under another --label to keep both)."
    )


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
