"""`stylespace train | eval | build-demo | ...`: making a model, measuring its move matching,
and the steps `train` runs that can be rerun on their own."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from stylespace.cli_common import (
    AT_LEAST_0,
    AT_LEAST_1,
    DEFAULT_MODEL,
    PRESET_NAMES,
    AddCommand,
    CommandError,
    emit,
    names_from,
)
from stylespace.game_files import GameFile, read_game_files
from stylespace.store import GameStore
from stylespace.table_splits import check_held_out


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
    """Games to evaluate on: PGN files (bad games skipped and counted) or a split of the store."""
    if args.games:
        return read_game_files(args.games)
    with GameStore(args.db, read_only=True) as store:
        games = store.played_games([args.split])
    return GameFile(games, read=len(games))


def _cmd_eval(args: argparse.Namespace) -> int:
    from stylespace.evaluation import move_matching
    from stylespace.known_games import known_games_fields
    from stylespace.style_model import StyleModel

    if args.split:
        check_held_out(args.model, args.split, "Move matching")
    model = StyleModel.load(args.model, device=args.device)
    found = _eval_games(args)
    # Games given in files may be ones the model's tables hold: their books read them as new.
    known = model.known_games if args.games else None
    left_out = known.every_side_left_out(found.games, model.players) if known else None
    result = {
        **move_matching(model, found.games, max_positions=args.max_positions, left_out=left_out),
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
    if args.games:
        said = known_games_fields(
            model.known_games,
            found.games,
            "these figures",
            left_out=left_out.games if left_out else None,
            players=model.players,
        )
        result["known_games"] = said["known_games"]
        result["known_games_scored_as_new"] = said.get("known_games_scored_as_new")
        if said["known_games_note"]:
            text += f"\nknown games: {said['known_games_note']}"
    if args.per_player and not args.json:
        rows = sorted(per_player.items(), key=lambda item: -item[1]["positions"])
        text += "".join(
            f"\n{name[:32]:<32} {r['positions']:>7} "
            f"base {r['base_top1']:.1%} style {r['style_top1']:.1%}"
            for name, r in rows
        )
    emit(args, result, text)
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


def _cmd_export_graph(args: argparse.Namespace) -> int:
    from stylespace.fingerprint_graph import write_graph

    result = write_graph(args.model)
    text = (
        f"wrote {result['graph']} ({result['bytes'] / 1024:.0f} KiB) in {result['seconds']} s: "
        "`identify` on this model now runs without torch"
    )
    emit(args, result, text)
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

    result = add_repertoires(args.model, args.db, tuple(args.splits))
    text = (
        f"opening repertoires: {result['players']} players in {args.model}, the first 20 moves "
        f"from their {' + '.join(result['splits'])} games "
        f"({result['games_beyond_train']:,} beyond train; {result['seconds']:.0f} s)"
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


def add_training_commands(command: AddCommand) -> None:
    """Training, evaluating and (re)building a model's parts."""
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
    source.add_argument("--games", nargs="+", metavar="FILE", help="PGN files (.pgn, .gz, .zst, -)")
    source.add_argument("--split", choices=["train", "val", "test"])
    evaluate.add_argument("--max-positions", type=AT_LEAST_1, default=None)
    evaluate.add_argument("--per-player", action="store_true", help="include per-player figures")
    evaluate.add_argument("--device", default="cpu")

    demo = command("build-demo", _cmd_build_demo, "Build models/demo from the store, resumably.")
    demo.add_argument("--work", type=Path, default=Path("runs") / "demo", help="training directory")
    demo.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    demo.add_argument("--preset", choices=PRESET_NAMES, default="demo")
    demo.add_argument("--unseen", type=Path, default=Path("bench") / "demo-unseen-players.txt")
    demo.add_argument("--min-games", type=AT_LEAST_0, default=None)
    demo.add_argument("--stylometry-players", type=AT_LEAST_1, default=60)
    demo.add_argument("--device", default="cpu")

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

    openings = command(
        "repertoires",
        _cmd_repertoires,
        "Store the trained players' opening repertoires from the store's train games "
        "(`train` does this).",
    )
    openings.add_argument("--model", type=Path, required=True, help="a trained model directory")
    openings.add_argument(
        "--splits",
        nargs="+",
        choices=["train", "val", "test"],
        default=["train"],
        help="whose games the tables hold (openings, deep lines, structures), train always; a "
        "model to be measured on val or test must keep train only",
    )

    embedding = command(
        "game-embedding",
        _cmd_game_embedding,
        "Train the learned game embedding identification uses on the trained players' train "
        "games, and store their profiles (`train` does this; enrolled players need re-enrolling).",
    )
    embedding.add_argument("--model", type=Path, required=True, help="a trained model directory")
    embedding.add_argument("--steps", type=AT_LEAST_1, default=3_000, help="training steps")
