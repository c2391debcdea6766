"""`stylespace identify | enroll | unenroll | calibrate`: who played these games, adding (and
removing) a player, and how sure a ranking is."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stylespace.cli_common import (
    AT_LEAST_0,
    AT_LEAST_1,
    DEFAULT_MODEL,
    AddCommand,
    CommandError,
    emit,
)
from stylespace.confidence import KNOWN_AUTHORS, STRANGERS
from stylespace.game_files import GameFile, read_game_files
from stylespace.optout import load_opt_out
from stylespace.quick_identify import ENGINES
from stylespace.ranking_methods import DEFAULT_METHOD, METHODS


@contextmanager
def _explained_by(found: GameFile) -> Iterator[None]:
    """A request the games cannot answer names the games that were skipped too: an author who
    seems ambiguous or absent may be in the games that were not read."""
    try:
        yield
    except ValueError as error:
        raise CommandError(f"{error}{found.skipped()}") from None


def _cmd_identify(args: argparse.Namespace) -> int:
    from stylespace.aliases import same_person_note
    from stylespace.confidence import Calibration, confidence_line
    from stylespace.fused import public_result
    from stylespace.game_fit import GameFit, fits_text
    from stylespace.quick_identify import identify_in_directory

    found = read_game_files(args.games)
    with _explained_by(found):
        result = identify_in_directory(
            args.model,
            found.games,
            method=args.method,
            engine=args.engine,
            author=args.name,
            top=args.top,
            from_ply=args.from_ply,
            opted_out=load_opt_out(args.opt_out),
            per_game=True,
        )
    result = {**public_result(result), **found.report()}
    if result.get("engine_note"):
        print(f"note: {result['engine_note']}", file=sys.stderr)
    calibration = Calibration.load(args.model)
    result["confidence"] = calibration.assess(result) if calibration else None
    read = result["fingerprint_positions"]
    partly = read is not None and read < result["positions"]
    settled = f", the style fingerprint read {read:,}" if partly else ""
    lines = [
        f"{result['author']}: {result['games']} games, {result['positions']:,} moves "
        f"(from ply {args.from_ply}{settled}){found.skipped()}; most likely players "
        f"({result['method']}):"
    ]
    for rank, candidate in enumerate(result["candidates"], start=1):
        score = "-" if candidate["score"] is None else f"{candidate['score']:.3f}"
        evidence = "".join(
            f"  {kind} {value:+.2f}"
            for kind, value in candidate.get("evidence", {}).items()
            if value is not None
        )
        lines.append(f"{rank:>3}. {candidate['player']:<36} {score:>8}{evidence}")
    if result.get("openings_note"):
        lines.append(f"openings: {result['openings_note']}")
    if same_person := same_person_note(result.get("same_person", [])):
        lines.append(f"names: {same_person}")
    if result["confidence"]:
        lines.append(f"first place: {confidence_line(result['confidence'])}")
    if result["known_games_note"]:
        lines.append(f"known games: {result['known_games_note']}")
    fits = [GameFit(**fit) for fit in result.get("game_fits", [])]
    if result["candidates"] and (odd := fits_text(fits, result["candidates"][0]["player"])):
        lines.append(odd)
    emit(args, result, "\n".join(lines))
    return 0


def _cmd_enroll(args: argparse.Namespace) -> int:
    from stylespace.style_model import StyleModel
    from stylespace.stylometry import enroll

    if args.every_player:
        return _enroll_every_player(args)
    if args.min_games is not None:
        raise CommandError("--min-games goes with --every-player")
    found = read_game_files(args.games)
    model = StyleModel.load(args.model)
    with _explained_by(found):
        result = enroll(
            model,
            found.games,
            args.name,
            label=args.label,
            from_ply=args.from_ply,
            opted_out=load_opt_out(args.opt_out),
        )
    model.save_player_table(args.model)
    result = {**result, **found.report(), "model": str(args.model)}
    verb = "replaced" if result["replaced"] else "enrolled"
    text = (
        f"{verb} {result['player']!r} as task {result['task_id']} in {args.model} from "
        f"{result['games']} games ({result['positions']:,} moves)" + found.skipped()
    )
    if result["note"]:
        text += f"\nnote: {result['note']}"
    emit(args, result, text)
    return 0


def _enroll_every_player(args: argparse.Namespace) -> int:
    from stylespace.batch_enrolment import MIN_GAMES, enrol_every_player, plan_enrolment
    from stylespace.style_model import StyleModel

    if args.label is not None:
        raise CommandError("--label names one player: it goes with --as, not --every-player")
    min_games = MIN_GAMES if args.min_games is None else args.min_games
    found = read_game_files(args.games)
    model = StyleModel.load(args.model)
    opted_out = load_opt_out(args.opt_out)
    plan = plan_enrolment(model, found.games, min_games, opted_out)
    left_out = plan.left_out_text(min_games)
    if not plan.to_enrol and not plan.already_enrolled:
        raise CommandError(f"nobody in these games is enrolled{left_out}")

    def said(result: dict) -> None:
        if not args.json:
            print(f"enrolled {result['player']!r} from {result['games']} games", file=sys.stderr)

    with _explained_by(found):
        enrolled = enrol_every_player(
            model, args.model, found.games, plan, args.from_ply, opted_out, on_enrolled=said
        )
    result = {
        "enrolled": enrolled,
        "already_enrolled": plan.already_enrolled,
        "trained": plan.trained,
        "too_few_games": plan.too_few_games,
        "opted_out": plan.opted_out,
        "min_games": min_games,
        **found.report(),
        "model": str(args.model),
    }
    text = f"enrolled {len(enrolled)} players in {args.model}{left_out}" + found.skipped()
    emit(args, result, text)
    return 0


def _cmd_unenroll(args: argparse.Namespace) -> int:
    from stylespace.style_model import StyleModel

    model = StyleModel.load(args.model)
    removed = model.remove_player(args.label)
    model.save_player_table(args.model)
    result = {
        "player": args.label,
        "games": removed.get("games"),
        "players_left": len(model.players),
        "model": str(args.model),
    }
    text = (
        f"removed {args.label!r} and everything {args.model} kept of them (style vector, "
        f"fingerprint, opening tables, game profile); {len(model.players)} players left"
    )
    emit(args, result, text)
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from stylespace.confidence import calibrate_from_store

    started = time.perf_counter()
    calibration = calibrate_from_store(
        args.model, args.db, players=args.players, strangers=args.strangers, seed=args.seed
    )
    result = {
        "model": str(args.model),
        **calibration.counts(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    text = (
        f"calibrated {args.model}: {result['known_queries']} queries by its players and "
        f"{result['stranger_queries']} by strangers in {result['seconds']:.0f} s"
    )
    emit(args, result, text)
    return 0


def add_stylometry_commands(command: AddCommand) -> None:
    """Identification, enrolment and the calibration of a ranking's confidence."""
    ident = command("identify", _cmd_identify, "Rank the model's players as the author of games.")
    ident.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ident.add_argument(
        "--games",
        required=True,
        nargs="+",
        metavar="FILE",
        help="PGN files (.pgn, .gz, .zst, -), all games by one author",
    )
    ident.add_argument("--as", dest="name", default=None, help="the author's name in the PGN tags")
    ident.add_argument("--top", type=AT_LEAST_1, default=10)
    ident.add_argument(
        "--from-ply", type=AT_LEAST_0, default=0, help="use the author's moves from this ply"
    )
    ident.add_argument(
        "--method", choices=METHODS, default=DEFAULT_METHOD, help="how candidates are ranked"
    )
    ident.add_argument("--opt-out", type=Path, default=None, help="never name these players")
    ident.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="what computes the fingerprint: auto takes ONNX Runtime (no torch import) when the "
        "model has its graph and the method is fused",
    )

    enrol = command(
        "enroll", _cmd_enroll, "Fit a new player's style vector and add it to the model."
    )
    enrol.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    enrol.add_argument(
        "--games",
        required=True,
        nargs="+",
        metavar="FILE",
        help="PGN files (.pgn, .gz, .zst, -) with the player's games",
    )
    who = enrol.add_mutually_exclusive_group(required=True)
    who.add_argument("--as", dest="name", help="the player's name in the PGN tags")
    who.add_argument(
        "--every-player",
        action="store_true",
        help="enrol everyone with --min-games games here (saved once a minute; a rerun goes on)",
    )
    enrol.add_argument(
        "--min-games",
        type=AT_LEAST_1,
        default=None,
        help="with --every-player: the fewest games a player is enrolled from (default 50)",
    )
    enrol.add_argument("--label", default=None, help="name in the model's table (default: --as)")
    enrol.add_argument(
        "--from-ply", type=AT_LEAST_0, default=0, help="count moves from this ply on"
    )
    enrol.add_argument(
        "--opt-out", type=Path, default=None, help="never enrol these players (default list)"
    )

    unenrol = command(
        "unenroll",
        _cmd_unenroll,
        "Remove an enrolled player and everything the model kept of them.",
    )
    unenrol.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    unenrol.add_argument("label", help="the enrolled player's name in the model's table")

    calibration = command(
        "calibrate",
        _cmd_calibrate,
        "Measure what a ranking's gap means (held-out queries of known players and strangers).",
    )
    calibration.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    calibration.add_argument(
        "--players", type=AT_LEAST_1, default=KNOWN_AUTHORS, help="trained players queried"
    )
    calibration.add_argument(
        "--strangers",
        type=AT_LEAST_1,
        default=STRANGERS,
        help="players of the store not in the model",
    )
    calibration.add_argument("--seed", type=int, default=0)
