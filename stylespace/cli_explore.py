"""`stylespace like | steer | project | map-reading`: exploring the style vectors."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from stylespace.cli_common import (
    AT_LEAST_1,
    DEFAULT_MODEL,
    AddCommand,
    CommandError,
    emit,
)
from stylespace.name_search import did_you_mean, the_one_named
from stylespace.optout import is_opted_out, load_opt_out
from stylespace.placeholders import may_be_named


def _shown_player(names: list[str], requested: str, opted_out: frozenset[str]) -> str:
    """The player a typed name means ('carlsen' for 'Carlsen,M', said on stderr), if the model
    may show them: never one on the opt-out list (nor a placeholder); a name that plainly means
    none of them, or several, is answered with the names it may mean."""
    if is_opted_out(requested, opted_out):
        raise CommandError(f"{requested!r} is on the opt-out list: nothing of them is shown")
    shown = [name for name in names if may_be_named(name, opted_out)]
    if requested in shown:
        return requested
    meant = the_one_named(requested, shown)
    if meant is None:
        hint = did_you_mean(requested, shown)
        raise CommandError(f"{requested!r} is not a player of this model{hint}")
    print(f"stylespace: taking {requested!r} to mean {meant!r}", file=sys.stderr)
    return meant


def _cmd_like(args: argparse.Namespace) -> int:
    from stylespace.projection import players_like
    from stylespace.style_model import StyleModel

    model = StyleModel.load(args.model)
    opted_out = load_opt_out()
    player = _shown_player(model.player_names(), args.player, opted_out)
    similar = players_like(model, player, top=args.top, opted_out=opted_out)
    result = [{"player": name, "similarity": score} for name, score in similar]
    emit(args, result, "\n".join(f"{name:<36} {score:.3f}" for name, score in similar))
    return 0


def _cmd_steer(args: argparse.Namespace) -> int:
    import chess

    from stylespace.steering import load_directions, steer
    from stylespace.style_model import StyleModel

    model = StyleModel.load(args.model)
    player = _shown_player(model.player_names(), args.player, load_opt_out())
    directions = load_directions(args.model)
    strengths = {}
    for item in args.set or []:
        prop, _, value = item.partition("=")
        try:
            strengths[prop] = float(value)
        except ValueError:
            raise CommandError(f"--set wants PROPERTY=STRENGTH, got {item!r}") from None
    vector = steer(model.style_vector(player), strengths, directions)
    try:
        board = chess.Board(args.fen) if args.fen else chess.Board()
    except ValueError as error:
        raise CommandError(f"not a valid FEN: {error}") from None
    moves = model.predict(board, style=vector, top_k=args.top)
    result = {
        "player": player,
        "strengths": strengths,
        "moves": [
            {"uci": m.uci, "san": m.san, "probability": round(m.probability, 5)} for m in moves
        ],
    }
    text = "\n".join(f"{m.san:<8} {m.probability:6.1%}" for m in moves)
    emit(args, result, text)
    return 0


def _cmd_project(args: argparse.Namespace) -> int:
    from stylespace.projection import build_map
    from stylespace.style_model import StyleModel

    model = StyleModel.load(args.model)
    try:
        style_map, method, stability = build_map(model, seed=args.seed)
    except ValueError as error:
        raise CommandError(str(error)) from None
    style_map.save(args.model, method, stability)
    _keep_map_reading(args.model)
    result = {"players": len(style_map.names), "method": method, **stability}
    if stability["layout"] == "umap":
        how = (
            f"placing perturbed players by neighbours: error {stability['neighbours_error']}, by "
            f"UMAP transform: {stability['transform_error']} (map spread {stability['map_spread']})"
        )
    else:
        how = f"too few players for UMAP: laid out by their {stability['layout']}"
    text = f"mapped {len(style_map.names)} players into {args.model}/map.json; {how}"
    emit(args, result, text)
    return 0


def _keep_map_reading(model_dir: Path) -> None:
    """A new map gets its reading stored beside it, where the model can be explored (it has
    steering directions and the rest the app loads); else the app measures it when shown."""
    from stylespace.explore import Atlas, AtlasError

    with contextlib.suppress(AtlasError, FileNotFoundError):
        Atlas.load(model_dir).save_map_reading()


def _cmd_map_reading(args: argparse.Namespace) -> int:
    from stylespace.explore import Atlas, AtlasError
    from stylespace.map_reading import islands_text, sorted_by_text

    try:
        atlas = Atlas.load(args.model)
    except AtlasError as error:
        raise CommandError(str(error)) from None
    reading, saved = atlas.map_reading, atlas.save_map_reading()
    text = islands_text(reading) + "\n" + sorted_by_text(reading) + f"\n(kept in {saved})"
    emit(args, reading.to_dict(), text)
    return 0


def add_explore_commands(command: AddCommand) -> None:
    """Exploring the style vectors: neighbours, steering and the map."""
    like = command("like", _cmd_like, "Players whose style is most like a player's.")
    like.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    like.add_argument("--player", required=True)
    like.add_argument("--top", type=AT_LEAST_1, default=10)

    steer_cmd = command(
        "steer", _cmd_steer, "A player's predicted moves, steered toward properties."
    )
    steer_cmd.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    steer_cmd.add_argument("--player", required=True)
    steer_cmd.add_argument(
        "--set",
        nargs="*",
        metavar="PROPERTY=STRENGTH",
        help="e.g. castling_rate=0.5: 1 is the farthest setting the steering benchmark checked "
        "(`bench steering`), -1 the same the other way; beyond them nothing was measured",
    )
    steer_cmd.add_argument("--fen", default=None, help="position (default: the start)")
    steer_cmd.add_argument("--top", type=AT_LEAST_1, default=5)

    project = command("project", _cmd_project, "Lay all players out on a 2-D style map (UMAP).")
    project.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    project.add_argument("--seed", type=int, default=0)

    reading = command(
        "map-reading",
        _cmd_map_reading,
        "What the style map's layout follows: its islands and the properties neighbours share.",
    )
    reading.add_argument("--model", type=Path, default=DEFAULT_MODEL)
