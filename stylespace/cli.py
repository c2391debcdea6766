"""The `stylespace` command line: one subcommand per job, `--json` for machine-readable results."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from stylespace import __version__
from stylespace.cli_bench import add_bench_commands
from stylespace.cli_common import (
    AT_LEAST_0,
    AT_LEAST_1,
    DEFAULT_MODEL,
    PRESET_NAMES,
    CommandError,
    emit,
    names_from,
)
from stylespace.confidence import KNOWN_AUTHORS, STRANGERS
from stylespace.game_files import GameFile, UnreadableGames, read_game_file
from stylespace.optout import default_opt_out_path, load_opt_out
from stylespace.quick_identify import ENGINES
from stylespace.ranking_methods import DEFAULT_METHOD, METHODS
from stylespace.store import GameStore, default_db_path


def _cmd_ingest(args: argparse.Namespace) -> int:
    from stylespace.ingest import ingest

    opted_out = load_opt_out(args.opt_out)
    with GameStore(args.db) as store:
        summary = ingest(args.paths, store, opted_out=opted_out, batch_size=args.batch_size)
    for path, why in summary.unreadable.items():
        print(f"stylespace: cannot read {path}: {why}", file=sys.stderr)
    emit(args, asdict(summary), summary.line())
    if summary.added + summary.duplicates + summary.opted_out == 0:
        print("stylespace: no readable game in the input", file=sys.stderr)
        return 1
    return 0


def _cmd_players(args: argparse.Namespace) -> int:
    with GameStore(args.db, read_only=True) as store:
        rows = store.players(min_games=args.min_games, search=args.search, limit=args.limit)
    if args.json:
        emit(args, [asdict(row) for row in rows], "")
        return 0
    print(f"{'player':<36} {'games':>6} {'white':>6} {'black':>6} {'mean Elo':>8}  years")
    for row in rows:
        elo = f"{row.mean_elo:.0f}" if row.mean_elo is not None else "-"
        years = f"{(row.first_date or '?')[:4]}-{(row.last_date or '?')[:4]}"
        print(
            f"{row.name[:36]:<36} {row.games:>6} {row.as_white:>6} {row.as_black:>6} "
            f"{elo:>8}  {years}"
        )
    print(f"{len(rows)} players with >= {args.min_games} games")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    with GameStore(args.db, read_only=True) as store:
        counts = store.counts()
    splits = ", ".join(f"{k} {v:,}" for k, v in counts["splits"].items())  # type: ignore[union-attr]
    emit(
        args,
        {"db": str(args.db), **counts},
        f"{args.db}: {counts['games']:,} games ({splits}), {counts['players']:,} players, "
        f"{counts['rejected']:,} rejected games on record",
    )
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from stylespace.training import TrainRequest, train

    request = TrainRequest(
        out=args.out,
        preset=args.preset,
        db=args.db,
        min_games=args.min_games,
        device=args.device,
        resume=args.resume,
        seed=args.seed,
        base_steps=args.base_steps,
        style_steps=args.style_steps,
        routing_lr_scale=args.routing_lr_scale,
        routing_noise=args.routing_noise,
        players_per_batch=args.players_per_batch,
        exclude_players=names_from(args.exclude_players),
        opt_out=args.opt_out,
        workers=args.workers,
        restart_style=args.restart_style,
        base=args.base,
        command=shlex.join(["stylespace", *args.argv]),
    )
    try:
        metrics = train(request)
    except FileExistsError as error:
        raise CommandError(str(error)) from None
    final = metrics["final"]
    text = (
        f"trained {args.out}: {metrics['players']} players, {metrics['train_positions']:,} train "
        f"positions; validation top-1 base {final.get('base_top1')} style {final.get('style_top1')}"
    )
    emit(args, {k: v for k, v in metrics.items() if k != "log"}, text)
    return 0


def _eval_games(args: argparse.Namespace) -> GameFile:
    """Games to evaluate on: a PGN file (bad games skipped and counted) or a split of the store."""

    if args.games:
        return read_game_file(args.games)
    with GameStore(args.db, read_only=True) as store:
        games = store.played_games([args.split])
    return GameFile(games, read=len(games))


def _cmd_eval(args: argparse.Namespace) -> int:
    from stylespace.evaluation import move_matching
    from stylespace.style_model import StyleModel

    model = StyleModel.load(args.model, device=args.device)
    found = _eval_games(args)
    result = {
        **move_matching(model, found.games, max_positions=args.max_positions),
        **found.report(),
    }
    per_player = result["per_player"] if args.json else result.pop("per_player")
    if result["positions"] == 0:
        raise CommandError("no position where a player of this model is to move in these games")
    text = (
        f"{result['positions']:,} positions of {result['players']} players: top-1 base "
        f"{result['base_top1']:.1%} -> style {result['style_top1']:.1%}; top-3 base "
        f"{result['base_top3']:.1%} -> style {result['style_top3']:.1%} (network alone, "
        f"without the opening books: top-1 {result['network_base_top1']:.1%} -> "
        f"{result['network_style_top1']:.1%})" + found.skipped()
    )
    if args.per_player and not args.json:
        rows = sorted(per_player.items(), key=lambda item: -item[1]["positions"])
        text += "".join(
            f"\n{name[:32]:<32} {r['positions']:>7} "
            f"base {r['base_top1']:.1%} style {r['style_top1']:.1%}"
            for name, r in rows
        )
    emit(args, result, text)
    return 0


@contextmanager
def _explained_by(found: GameFile) -> Iterator[None]:
    """A request the games cannot answer names the games that were skipped too: an author who
    seems ambiguous or absent may be in the games that were not read."""
    try:
        yield
    except ValueError as error:
        raise CommandError(f"{error}{found.skipped()}") from None


def _cmd_enroll(args: argparse.Namespace) -> int:
    from stylespace.style_model import StyleModel
    from stylespace.stylometry import enroll

    found = read_game_file(args.games)
    model = StyleModel.load(args.model)
    with _explained_by(found):
        result = enroll(model, found.games, args.name, label=args.label, from_ply=args.from_ply)
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


def _cmd_identify(args: argparse.Namespace) -> int:
    from stylespace.aliases import same_person_note
    from stylespace.confidence import Calibration, confidence_line
    from stylespace.quick_identify import identify_in_directory

    found = read_game_file(args.games)
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
        )
    result.pop("vector")
    result.pop("fingerprint")
    result.pop("repertoire")
    result.pop("game_bags")
    result.update(found.report())
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
    emit(args, result, "\n".join(lines))
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


def _cmd_export_graph(args: argparse.Namespace) -> int:
    from stylespace.fingerprint_graph import write_graph

    result = write_graph(args.model)
    text = (
        f"wrote {result['graph']} ({result['bytes'] / 1024:.0f} KiB) in {result['seconds']} s: "
        "`identify` on this model now runs without torch"
    )
    emit(args, result, text)
    return 0


def _cmd_fingerprints(args: argparse.Namespace) -> int:
    from stylespace.shards import open_shard
    from stylespace.training import add_fingerprints

    result = add_fingerprints(args.model, open_shard(args.shard), redo=args.redo)
    text = (
        f"fingerprints: {result['computed']} computed, {result['players']} players in "
        f"{args.model} ({result['seconds']:.0f} s)"
    )
    emit(args, {**result, "model": str(args.model)}, text)
    return 0


def _cmd_references(args: argparse.Namespace) -> int:
    from stylespace.references import REFERENCE_POSITIONS, refresh_references

    work = args.work or Path("runs") / "references" / args.model.name
    cap = args.positions or REFERENCE_POSITIONS
    result = refresh_references(args.model, args.db, work, cap=cap)
    text = (
        f"references: {result['refreshed']} refreshed ({result['computed']} computed now) from "
        f"up to {result['cap']:,} train positions each, median {result['median_positions']:,}, "
        f"in {args.model} ({result['seconds']:.0f} s)"
    )
    emit(args, {**result, "model": str(args.model)}, text)
    return 0


def _cmd_repertoires(args: argparse.Namespace) -> int:
    from stylespace.training import add_repertoires

    result = add_repertoires(args.model, args.db)
    text = (
        f"opening repertoires: {result['players']} players in {args.model} "
        f"({result['seconds']:.0f} s)"
    )
    emit(args, {**result, "model": str(args.model)}, text)
    return 0


def _cmd_game_embedding(args: argparse.Namespace) -> int:
    from stylespace.game_embedding import EmbeddingSettings
    from stylespace.training import add_game_embedding

    result = add_game_embedding(args.model, args.db, EmbeddingSettings(steps=args.steps))
    text = (
        f"game embedding: {result['players']} players, {result['games']:,} games, "
        f"{result['steps']} steps in {args.model} ({result['seconds']:.0f} s)"
    )
    emit(args, {**result, "model": str(args.model)}, text)
    return 0


def _cmd_pack_shards(args: argparse.Namespace) -> int:
    from stylespace.shard_pack import pack_shards

    result = pack_shards(args.work / "shards", args.out)
    text = (
        f"packed {args.work / 'shards'} into {args.out}: {result['train']['positions']:,} train "
        f"and {result['val']['positions']:,} val positions, {result['bytes'] / 1e6:.1f} MB"
    )
    emit(args, {**result, "pack": str(args.out)}, text)
    return 0


def _cmd_unpack_shards(args: argparse.Namespace) -> int:
    from stylespace.shard_pack import unpack_shards

    result = unpack_shards(args.pack, args.work / "shards", workers=args.workers)
    text = (
        f"unpacked {args.pack} into {args.work / 'shards'}: {result['train']['positions']:,} "
        f"train and {result['val']['positions']:,} val positions; now `stylespace train --out "
        f"{args.work} --resume ...` needs no store"
    )
    emit(args, {**result, "work": str(args.work)}, text)
    return 0


def _cmd_properties(args: argparse.Namespace) -> int:
    from stylespace.properties import PROPERTIES, RECORD_PROPERTIES, compute_store_properties

    if args.compute:
        with GameStore(args.db) as store:
            compute_store_properties(store, args.min_games, workers=args.workers)
    with GameStore(args.db, read_only=True) as store:
        found = store.properties([args.player] if args.player else None)
    if args.player and not found:
        raise CommandError(
            f"no properties for {args.player!r}: check the name, or run with --compute"
        )
    labels = {**PROPERTIES, **RECORD_PROPERTIES}
    lines = [f"{len(found)} players with properties"]
    if args.player:
        lines = [args.player] + [
            f"  {labels.get(k, (k,))[0]:<20} {v:8.3f}"
            for k, v in sorted(found[args.player].items())
        ]
    emit(args, found, "\n".join(lines))
    return 0


def _cmd_steer(args: argparse.Namespace) -> int:
    import chess

    from stylespace.steering import load_directions, steer
    from stylespace.style_model import StyleModel

    model = StyleModel.load(args.model)
    directions = load_directions(args.model)
    strengths = {}
    for item in args.set or []:
        prop, _, value = item.partition("=")
        try:
            strengths[prop] = float(value)
        except ValueError:
            raise CommandError(f"--set wants PROPERTY=STRENGTH, got {item!r}") from None
    vector = steer(model.style_vector(args.player), strengths, directions)
    try:
        board = chess.Board(args.fen) if args.fen else chess.Board()
    except ValueError as error:
        raise CommandError(f"not a valid FEN: {error}") from None
    moves = model.predict(board, style=vector, top_k=args.top)
    result = {
        "player": args.player,
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
    style_map, method, stability = build_map(model, seed=args.seed)
    style_map.save(args.model, method, stability)
    result = {"players": len(style_map.names), "method": method, **stability}
    text = (
        f"mapped {len(style_map.names)} players into {args.model}/map.json; "
        f"placing perturbed players by neighbours: error {stability['neighbours_error']}, "
        f"by UMAP transform: {stability['transform_error']} (map spread {stability['map_spread']})"
    )
    emit(args, result, text)
    return 0


def _cmd_map_reading(args: argparse.Namespace) -> int:
    from stylespace.explore import Atlas, AtlasError
    from stylespace.map_reading import islands_text, sorted_by_text

    try:
        reading = Atlas.load(args.model).map_reading
    except AtlasError as error:
        raise CommandError(str(error)) from None
    emit(args, reading.to_dict(), islands_text(reading) + "\n" + sorted_by_text(reading))
    return 0


def _cmd_like(args: argparse.Namespace) -> int:
    from stylespace.projection import players_like
    from stylespace.style_model import StyleModel

    model = StyleModel.load(args.model)
    similar = players_like(model, args.player, top=args.top, opted_out=load_opt_out())
    result = [{"player": name, "similarity": score} for name, score in similar]
    emit(args, result, "\n".join(f"{name:<36} {score:.3f}" for name, score in similar))
    return 0


def _cmd_build_demo(args: argparse.Namespace) -> int:
    from stylespace.build_demo import DemoRequest, build_demo

    request = DemoRequest(
        db=args.db,
        work=args.work,
        out=args.out,
        preset=args.preset,
        unseen_file=args.unseen,
        min_games=args.min_games,
        stylometry_players=args.stylometry_players,
        device=args.device,
    )
    record = build_demo(request, report=lambda line: print(line, file=sys.stderr, flush=True))
    emit(
        args,
        record,
        f"built {args.out}: " + ", ".join(f"{k} {v['seconds']} s" for k, v in record.items()),
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="game store file")
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    parser = argparse.ArgumentParser(
        prog="stylespace",
        description="Learn, explore and identify individual playing styles.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"stylespace {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], text: str):
        sub = commands.add_parser(name, parents=[common], help=text, description=text)
        sub.set_defaults(handler=handler)
        return sub

    ingest = command(
        "ingest", _cmd_ingest, "Read PGN games (.pgn, .pgn.gz, .pgn.zst, -) into the store."
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="PGN file, or - for stdin")
    ingest.add_argument(
        "--opt-out",
        type=Path,
        default=None,
        help="opt-out list, one name a line "
        f"(default: $STYLESPACE_OPT_OUT or {default_opt_out_path()})",
    )
    ingest.add_argument("--batch-size", type=AT_LEAST_1, default=20_000, help="games per commit")

    players = command("players", _cmd_players, "List players in the store, most games first.")
    players.add_argument("--min-games", type=AT_LEAST_0, default=1)
    players.add_argument("--search", default=None, help="part of a name, case-insensitive")
    players.add_argument("--limit", type=AT_LEAST_1, default=None)

    train = command("train", _cmd_train, "Train a style model (both stages), resumable.")
    train.add_argument(
        "--out", type=Path, required=True, help="artifact directory, e.g. models/NAME"
    )
    train.add_argument("--preset", choices=PRESET_NAMES, default="demo")
    train.add_argument(
        "--min-games", type=AT_LEAST_0, default=None, help="train-split games to be modelled"
    )
    train.add_argument("--device", default="cpu", help="cpu or cuda")
    train.add_argument("--resume", action="store_true", help="continue from --out's checkpoint")
    train.add_argument(
        "--restart-style",
        action="store_true",
        help="with --resume: keep the trained base and train stage 2 again from scratch",
    )
    train.add_argument(
        "--base",
        type=Path,
        default=None,
        help="start from this trained base network (e.g. models/demo/base.safetensors): "
        "stage 1 is skipped and stage 2 trained from scratch",
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--base-steps", type=AT_LEAST_1, default=None, help="override the preset")
    train.add_argument("--style-steps", type=AT_LEAST_1, default=None, help="override the preset")
    train.add_argument(
        "--routing-lr-scale",
        type=float,
        default=None,
        help="style vectors' learning rate over the skills' (override the preset)",
    )
    train.add_argument(
        "--players-per-batch",
        type=AT_LEAST_0,
        default=None,
        help="stage 2: batches of this many players' positions, 0 for any rows (override)",
    )
    train.add_argument(
        "--routing-noise",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="sample skill weights (peft's relaxed Bernoulli) while training (override the preset)",
    )
    train.add_argument(
        "--exclude-players",
        nargs="*",
        default=None,
        metavar="NAME",
        help="leave these players' games out of training entirely (names, or @FILE)",
    )
    train.add_argument("--opt-out", type=Path, default=None)
    train.add_argument("--workers", type=AT_LEAST_1, default=None, help="processes for encoding")

    evaluate = command(
        "eval", _cmd_eval, "Move matching: base model vs each player's style vector."
    )
    evaluate.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--games", help="PGN file (.pgn, .gz, .zst, -)")
    source.add_argument("--split", choices=["train", "val", "test"])
    evaluate.add_argument("--max-positions", type=AT_LEAST_1, default=None)
    evaluate.add_argument("--per-player", action="store_true", help="include per-player figures")
    evaluate.add_argument("--device", default="cpu")

    enrol = command(
        "enroll", _cmd_enroll, "Fit a new player's style vector and add it to the model."
    )
    enrol.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    enrol.add_argument("--games", required=True, help="PGN file with the player's games")
    enrol.add_argument("--as", dest="name", required=True, help="the player's name in the PGN tags")
    enrol.add_argument("--label", default=None, help="name in the model's table (default: --as)")
    enrol.add_argument(
        "--from-ply", type=AT_LEAST_0, default=0, help="count moves from this ply on"
    )

    ident = command("identify", _cmd_identify, "Rank the model's players as the author of games.")
    ident.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ident.add_argument("--games", required=True, help="PGN file, all games by one author")
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

    prints = command(
        "fingerprints",
        _cmd_fingerprints,
        "Compute the trained players' stylometry fingerprints (resumable; `train` does this).",
    )
    prints.add_argument("--model", type=Path, required=True, help="a trained model directory")
    prints.add_argument(
        "--shard", type=Path, required=True, help="the training run's shards/train directory"
    )
    prints.add_argument("--redo", action="store_true", help="recompute existing fingerprints too")
    graph = command(
        "export-graph",
        _cmd_export_graph,
        "Write the model's fingerprint graph, so that identify runs without torch (`train` and "
        "`fingerprints` do this).",
    )
    graph.add_argument("--model", type=Path, default=DEFAULT_MODEL)

    refs = command(
        "references",
        _cmd_references,
        "Recompute the trained players' reference fingerprints from up to --positions of their "
        "train games' positions in the store (resumable; models trained since read as many).",
    )
    refs.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    refs.add_argument(
        "--positions", type=AT_LEAST_1, default=None, help="cap per player (default 16,384)"
    )
    refs.add_argument(
        "--work", type=Path, default=None, help="progress (default runs/references/<model>)"
    )

    pack = command(
        "pack-shards",
        _cmd_pack_shards,
        "Pack a training run's shards without their boards (~1 byte a position), to train on "
        "another machine without the store.",
    )
    pack.add_argument("--work", type=Path, required=True, help="training run with shards/")
    pack.add_argument("--out", type=Path, required=True, help="pack file to write")
    unpack = command(
        "unpack-shards",
        _cmd_unpack_shards,
        "Rebuild a run's shards from a pack by replaying its games.",
    )
    unpack.add_argument("pack", type=Path)
    unpack.add_argument("--work", type=Path, required=True, help="training run to create")
    unpack.add_argument("--workers", type=AT_LEAST_1, default=None, help="processes for replay")

    openings = command(
        "repertoires",
        _cmd_repertoires,
        "Store the trained players' opening repertoires from the store's train games "
        "(`train` does this).",
    )
    openings.add_argument("--model", type=Path, required=True, help="a trained model directory")

    embedding = command(
        "game-embedding",
        _cmd_game_embedding,
        "Train the learned game embedding identification uses on the trained players' train "
        "games, and store their profiles (`train` does this; enrolled players need re-enrolling).",
    )
    embedding.add_argument("--model", type=Path, required=True, help="a trained model directory")
    embedding.add_argument("--steps", type=AT_LEAST_1, default=3_000, help="training steps")

    props = command("properties", _cmd_properties, "Style properties per player, from their games.")
    props.add_argument("--compute", action="store_true", help="(re)compute them from the store")
    props.add_argument(
        "--min-games", type=AT_LEAST_0, default=20, help="players with this many games"
    )
    props.add_argument("--player", default=None, help="show one player")
    props.add_argument("--workers", type=AT_LEAST_1, default=2)

    steer_cmd = command(
        "steer", _cmd_steer, "A player's predicted moves, steered toward properties."
    )
    steer_cmd.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    steer_cmd.add_argument("--player", required=True)
    steer_cmd.add_argument(
        "--set", nargs="*", metavar="PROPERTY=STRENGTH", help="e.g. castling_rate=1.5"
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

    like = command("like", _cmd_like, "Players whose style is most like a player's.")
    like.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    like.add_argument("--player", required=True)
    like.add_argument("--top", type=AT_LEAST_1, default=10)

    demo = command("build-demo", _cmd_build_demo, "Build models/demo from the store, resumably.")
    demo.add_argument("--work", type=Path, default=Path("runs") / "demo", help="training directory")
    demo.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    demo.add_argument("--preset", choices=PRESET_NAMES, default="demo")
    demo.add_argument("--unseen", type=Path, default=Path("bench") / "demo-unseen-players.txt")
    demo.add_argument("--min-games", type=AT_LEAST_0, default=None)
    demo.add_argument("--stylometry-players", type=AT_LEAST_1, default=60)
    demo.add_argument("--device", default="cpu")

    command("stats", _cmd_stats, "Games, players, splits and rejected games in the store.")

    bench = command("bench", lambda _: 2, "Benchmarks.")
    add_bench_commands(bench, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    args.db = getattr(args, "db", None) or default_db_path()
    args.json = getattr(args, "json", False)
    try:
        return args.handler(args)
    except (CommandError, UnreadableGames, FileNotFoundError, KeyError, ValueError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"stylespace: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stylespace: interrupted; committed work is kept, rerun to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
