"""MODEL_CARD.md for a built model, written from what the build measured (`build.json`,
`metrics.json`, `steering.json`), so that every figure in the card is one the build produced."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import torch

from stylespace.aliases import spelling_pairs
from stylespace.bench_identify import query_name
from stylespace.bench_stylometry import PROFILE_BANDS
from stylespace.encoding import ELO_BUCKET_MIN, ELO_BUCKET_WIDTH
from stylespace.fused import SETTLE_MIN_POSITIONS, WEIGHTS_OPENINGS_HIDDEN, weighted_sum
from stylespace.intervals import share_interval
from stylespace.placeholders import is_placeholder_name
from stylespace.sketch import FINGERPRINT_POSITIONS
from stylespace.steering import FIRST_MOVE_BUDGET, MOVE_CHANGE_BUDGET, REACH_MULTIPLIERS
from stylespace.training import PRESETS

SOURCE = (
    "`../shared/data/gm/games.pgn.zst`: 294,738 public master games (the pgnmentor.com per-player "
    "collections of 240 featured masters, 1749-2025, as mirrored in the public GitHub repository "
    "louis-yay/AIchess at commit e18ee9d5; deduplicated, featured names made consistent)"
)


TABLE_HEAD = [
    "| group | games per query | players | queries | top-1 (95% interval) | top-5 "
    "| style alone top-1 (top-5) "
    "| opening baseline top-1 |",
    "|---|---|---|---|---|---|---|---|",
]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _with_interval(share: float, trials: int) -> str:
    """A share and its 95% Wilson interval, e.g. `93.2% (84-97)`."""
    low, high = share_interval(share, trials)
    return f"{_pct(share)} ({100 * low:.0f}-{100 * high:.0f})"


def _stylometry_rows(run: dict) -> list[str]:
    rows = []
    for group in ("seen", "unseen"):
        for size, row in run.get(group, {}).items():
            top1 = _with_interval(row["top1"], row["queries"])
            rows.append(
                f"| {group} | {size} | {row['players']} | {row['queries']} | {top1} "
                f"| {_pct(row['top5'])} | {_pct(row.get('style_alone_top1'))} "
                f"({_pct(row.get('style_alone_top5'))}) | {_pct(row['baseline_top1'])} |"
            )
    return rows


def _profile_rows(stylometry: dict) -> list[str]:
    """Seen authors' top-1 by the number of train games their profile came from, when the
    benchmark recorded it: how much of the accuracy rests on how much the model saw of them."""
    runs = (("", stylometry["from_ply_0"]), (" from ply 30", stylometry.get("from_ply_30", {})))
    rows = [
        (f"{size}{suffix}", row["top1_by_profile_games"])
        for suffix, run in runs
        for size, row in run.get("seen", {}).items()
        if row.get("top1_by_profile_games")
    ]
    if not rows:
        return []
    bands = [label for *_, label in PROFILE_BANDS]
    lines = [
        "",
        "Seen authors' top-1 by the number of train games the model learned them from "
        "(queries in brackets):",
        "",
        "| games per query | " + " | ".join(f"{band} train games" for band in bands) + " |",
        "|---|" + "---|" * len(bands),
    ]
    for label, split in rows:
        cells = [
            f"{_pct(split[band]['top1'])} ({split[band]['queries']})" if band in split else "-"
            for band in bands
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _alias_lines(names: list[str]) -> list[str]:
    pairs = spelling_pairs(names)
    if not pairs:
        return []
    listed = "; ".join(f'"{a}" and "{b}"' for a, b in pairs)
    return [
        f"- {len(pairs)} masters are here under two spellings each ({listed}): the master "
        "file makes each featured player's own name consistent but keeps their opponents' "
        "names as the sources gave them, so a master's games against other featured players "
        "can carry another spelling. Each spelling is a player of its own, with its own games: "
        "rankings and the map show both."
    ]


def _placeholder_lines(players: list[dict]) -> list[str]:
    """What the card says of players who are placeholders ("NN"), if the model holds any."""
    names = [p["name"] for p in players if is_placeholder_name(p["name"])]
    if not names:
        return []
    listed = ", ".join(f'"{name}"' for name in names)
    return [
        f"- Of the trained players, {listed} stands for unknown opponents (in the master file, "
        "the masters' anonymous opponents in simultaneous exhibitions): many people under one "
        "name. Trained before such placeholders were left out (`stylespace/placeholders.py`; "
        "`train` no longer models them), it stays in the tables but is never shown, offered as "
        "a candidate or a neighbour, nor drawn as an author by the benchmarks."
    ]


def _training_minutes(metrics: dict, batch_size: int) -> dict[int, float]:
    """Minutes per stage at the median measured speed (runs were resumed, so wall time was
    spread over several sessions)."""
    minutes = {}
    for stage in (1, 2):
        rows = [r for r in metrics.get("log", []) if r.get("stage") == stage]
        if rows:
            speeds = sorted(r["positions_per_second"] for r in rows)
            steps = max(r["step"] for r in rows)
            minutes[stage] = steps * batch_size / speeds[len(speeds) // 2] / 60
    return minutes


# Where a GPU preset's shipped run trained, as it was recorded then (`bench/results/gpu-model.md`).
GPU_RUNS = {
    "demo-gpu": "one NVIDIA H100 (torch 2.11, bfloat16 autocast; three calls of under 10 minutes, "
    "each resumed from the last checkpoint)",
}


def _on_gpu(preset: str) -> bool:
    return preset in PRESETS and PRESETS[preset].gpu


def _commands(preset: str) -> list[str]:
    if not _on_gpu(preset):
        return [
            "```",
            "stylespace ingest ../shared/data/gm/games.pgn.zst",
            "stylespace build-demo  # resumable: train, properties, eval, stylometry, enrol, ...",
            "```",
        ]
    return [
        "```",
        "stylespace ingest ../shared/data/gm/games.pgn.zst",
        "# runs/demo/shards: written first by `stylespace build-demo` (its train step)",
        "stylespace pack-shards --work runs/demo --out .gpu/demo-shards.xz   # 21 MB",
        "# on the GPU machine (no store, no duckdb), resumed across calls from checkpoint.pt:",
        f"PRESET={preset} bash bench/gpu_train.sh .gpu/demo-shards.xz /tmp/run OUT [SECONDS] "
        "[CHECKPOINT]",
        f"# back here, OUT's files in runs/{preset} beside runs/demo's shards:",
        f"stylespace build-demo --preset {preset} --work runs/{preset}",
        "```",
    ]


def _machine(preset: str) -> str:
    here = f"{platform.machine()} CPU, 2 cores; torch {torch.__version__}"
    if not _on_gpu(preset):
        return f"Machine: {here}, no GPU."
    where = GPU_RUNS.get(preset, "a GPU lent by the device tool (bfloat16 autocast)")
    return (
        f"Machines: both training stages on {where}, everything else (finishing the run, "
        f"repertoires, benchmarks, enrolment) on this {here}."
    )


def _size_limitation(preset: str, config: dict, metrics: dict) -> str:
    if not _on_gpu(preset):
        return (
            "- Trained on this 2-core CPU (stage 1 was slowed by other work on the same cores; "
            "undisturbed, `stylespace bench model --preset demo` measures 1,366 positions/s, "
            "about 87 min for stage 1): the base network is small and short of the "
            "move-matching goal; the figures above are what it reached."
        )
    network = config["model"]
    curve = [r for r in metrics.get("log", []) if r.get("stage") == 1 and "base_top1" in r]
    points = [curve[0], curve[len(curve) // 2], curve[-1]] if len(curve) >= 3 else curve
    reading = ", ".join(f"{r['base_top1']:.1%} after {r['step']:,} steps" for r in points)
    rising = len(curve) >= 2 and curve[-1]["base_top1"] > curve[-2]["base_top1"]
    return (
        f"- A small network (d{network['d_model']} x {network['n_layers']} layers), chosen so "
        "that `identify` stays within its time on a 2-core CPU: its validation top-1 was "
        f"{'still rising when' if rising else 'levelling off as'} stage 1 ended ({reading}; "
        "`metrics.json`), so more epochs or a larger base (with a faster identify) would "
        "match more moves."
    )


def _every_split_lines(build: dict) -> list[str]:
    """What the build's last step added to the player tables, if it ran."""
    added = build.get("tables_every_split", {}).get("result")
    if not added or added.get("splits") == ["train"]:
        return []
    return [
        "- Every figure below was measured with player tables (opening choices and deep lines "
        "of the first 20 moves: identification's openings and the opening books; pawn "
        "structures: identification once the openings are hidden) made from the trained "
        "players' train games. After the last measurement they took in the same "
        f"players' validation and test games too ({added['games_beyond_train']:,} games, "
        "`table_splits.py`), since the games a shipped model meets are new, and every game "
        "behind a table helps: on validation queries of 60 masters, tables that also held the "
        "test games (12% more games) found the author of 5 games 54.0% of the time instead of "
        "52.7% and of 20 games 96.0% instead of 94.7% (openings and game embedding), and "
        "matched 0.1 point more moves for the base and the style alike; structures that also "
        "held the test games found 45 of 60 authors of 100 games from ply 30 instead of 42 "
        "(`bench/results/every-split-tables.md`). So measuring this directory on its "
        "validation or test games (`bench stylometry`, `calibrate`, `eval --split val|test`) "
        "is refused: measure a copy whose tables `stylespace repertoires --model COPY` made "
        "train-only again (a rerun of a measuring step of `build-demo` does so itself).",
    ]


def _network_alone(evaluation: dict) -> list[str]:
    """What the opening books add, when the evaluation measured the network without them."""
    if "network_base_top1" not in evaluation:
        return []
    return [
        "In the first 20 moves the predictions also follow the opening books (`book.py`): "
        "everybody's move choices for the base model, the player's own on top of them for the "
        "style. The network alone: base top-1 "
        f"{_pct(evaluation['network_base_top1'])}, with the style vector "
        f"{_pct(evaluation['network_style_top1'])}. The style's gain over the base is measured "
        "with the books on both sides, so it is the player's own part."
    ]


def _elo_limitation(config: dict) -> str:
    """Which Elo levels the model has seen enough of, and how it reads the others."""
    levels = [b for b in config.get("known_elo_buckets", []) if b != 0]
    if not levels:
        return "It was trained without Elo and reads every mover's Elo as unknown."
    low, high = (ELO_BUCKET_MIN + (b - 1) * ELO_BUCKET_WIDTH for b in (min(levels), max(levels)))
    return (
        f"It knows the mover's Elo from {low} to {high + ELO_BUCKET_WIDTH - 1}; a weaker or "
        "stronger mover is read as the nearest of these levels, since an Elo seen in a few "
        "games only is noise that moves every prediction (`bench/elo_levels.py`)."
    )


def _references_counted(trained: list[dict]) -> bool:
    """Whether the build recorded how many positions every reference read (older builds read
    4,096 and did not say)."""
    return all(p.get("reference") for p in trained)


def _reference_line(trained: list[dict]) -> str:
    """How many positions the trained players' reference fingerprints read (`references.py`)."""
    if not _references_counted(trained):
        return "- Reference fingerprints: from 4,096 train positions per player (an older build)."
    read = [p["reference"]["positions"] for p in trained]
    capped = sum(p["reference"]["positions"] < p["reference"]["available"] for p in trained)
    return (
        f"- Reference fingerprints: from all of a trained player's train positions up to "
        f"{max(read):,} (median {int(np.median(read)):,}; for the {capped} with more, a fixed "
        f"draw of that many); a query reads at most {FINGERPRINT_POSITIONS:,}, and `fused` "
        f"stops from {SETTLE_MIN_POSITIONS:,} on once its ranking is settled "
        "(`stylespace references`, `fused.SettledRanking`)."
    )


def _by_engine(row: dict) -> str:
    """The command's median time, per engine where both ran in the same measurement."""
    by_engine = row.get("median_wall_seconds_by_engine")
    if not by_engine:
        return f"{row['median_wall_seconds']} s"
    return ", ".join(f"{seconds} s with {engine}" for engine, seconds in by_engine.items())


def _read_note(row: dict) -> str:
    """How many of a timed query's moves the fingerprint read, where the build recorded it."""
    read = row.get("fingerprint_positions")
    return f", the style fingerprint read {read:,} of them" if read is not None else ""


def _reference_limitation(trained: list[dict]) -> str:
    """What the reference fingerprints still cannot do, or, in an older build, what they lack."""
    if not _references_counted(trained):
        return (
            "- The trained players' reference fingerprints come from 4,096 of their train "
            "positions each and are mostly noise at that size: two disjoint draws of one player "
            "agree to a centred cosine of 0.38. From 16,384 positions the style alone found 96% "
            "of 57 authors of 100 games among 100 players instead of 68-77%, and 60% of 20-game "
            "ones instead of 33-44% (`bench/results/reference-positions.md`); `stylespace "
            "references` recomputes them."
        )
    return (
        "- Once the openings are hidden the style evidence stays weak however sharp the "
        "references: moves from ply 30 on carry little of what the skills' gradient tells "
        "apart, and references from the same phase found such queries no better "
        "(`bench/results/phase-references.md`)."
    )


def _confidence_section(confidence: dict) -> list[str]:
    """How the first place's verdict (`confidence.py`) came out on held-out queries."""
    lines = [
        "## How sure is a first place (`identify`'s `confidence`)",
        "The gap between the first and second candidates' scores, read against held-out "
        f"queries of this model (`stylespace calibrate`: {confidence['known_queries']} queries by "
        f"its players, on validation games or, for the enrolled ones, games they were not "
        f"enrolled from; {confidence['stranger_queries']} by players of the store it does not "
        "hold, none sharing a surname with one of its players). *Clear*: known authors' "
        "rankings of the nearest query size with at least that gap were right >= 90% of the "
        "time and <= 5% of strangers' queries reached it (shares as (k + 1) / (n + 2), so a "
        "few queries make no certainty); *likely*: >= 60% and <= 25%; else *uncertain*. A "
        "query whose openings the model does not know (under 20% of its opening moves ever "
        "chosen in the same position by a player of the model) is ranked by the style model "
        "alone and read against the same queries ranked that way (openings *unknown*). Each "
        "query judged against all the others:",
        "",
        "| games | openings | known authors' queries | top-1 | called clear | right when clear "
        "| strangers' queries | strangers called clear | strangers called uncertain |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in confidence["verdicts"]:
        lines.append(
            f"| {row['games']} | {_openings_kind(row)} "
            f"| {row['known_queries']} | {_pct(row['top1'])} | {_pct(row['called_clear'])} "
            f"| {_pct(row['clear_right'])} | {row['stranger_queries']} "
            f"| {_pct(row['strangers_called_clear'])} | {_pct(row['strangers_called_uncertain'])} |"
        )
    return lines


def _openings_kind(row: dict) -> str:
    if row.get("style_only"):
        return "unknown: style alone"
    return "hidden" if row["openings_hidden"] else "seen"


def _interpolation_section(report: dict) -> list[str]:
    """Does a mix of a weaker and a stronger player play in between (`bench_interpolation`)?"""
    if not report.get("pairs"):
        return []
    pairs = report["pairs"]
    curves = report["mean_log_likelihood"]
    change = {side: sum(row[side]["change"] for row in pairs) / len(pairs) for side in curves}
    names = "; ".join(f"{row['first']['player']} -> {row['second']['player']}" for row in pairs)
    verdict = "plays in between" if report["passes"] else "does not play in between"
    return [
        "",
        "## Mixing two players",
        f"`stylespace bench interpolation`: {len(pairs)} of the weakest trained players by mean "
        f"Elo, each mixed toward one of the strongest ({names}) at weights "
        f"{', '.join(f'{w:g}' for w in report['weights'])}, the network alone on up to "
        f"{max(row['first']['positions'] for row in pairs):,} held-out moves of each player. "
        "Mean log-likelihood per move of the weaker players' moves: "
        + " -> ".join(f"{v:.4f}" for v in curves["first"])
        + f" ({change['first']:+.4f} nats from end to end); of the stronger players' moves: "
        + " -> ".join(f"{v:.4f}" for v in curves["second"])
        + f" ({change['second']:+.4f}). The lean toward the stronger player rises at every step "
        f"for {report['pairs_in_between']} of {len(pairs)} pairs: the mix {verdict}, by as "
        "little as the vectors differ.",
    ]


def _steering_lines(steering: dict, passing: list[str], failing: list[str]) -> list[str]:
    """The benchmark's verdicts, and for each property the direction and reach it chose."""

    def setting(row: dict) -> str:
        if "multiplier" not in row:
            return ""
        return f" ({row['direction']} x{row['multiplier']:g}, {row['move_change']:.4f} nats)"

    return [
        "Each property's direction is the paper's delta (the mean vector of the top quarter of "
        "players in it minus the mean of all) or a linear probe (ridge regression of the "
        "property on the vectors, scaled to the delta's length), each, except the first "
        "move's shares, cleared of its pull on the first move's shares (`holding_first_move`), "
        "and each slider's end a "
        f"multiple of that length ({', '.join(f'{m:g}' for m in REACH_MULTIPLIERS)}): per "
        "property, the pair that moved the move-level proxy farthest while it still rose at "
        "every step, each doubling still reached more than 5% farther, the first move's shares "
        f"moved by at most {100 * FIRST_MOVE_BUDGET:g} points and the benchmark players' moves "
        "changed by at most "
        f"{MOVE_CHANGE_BUDGET:g} nats a move (KL divergence from their own) "
        "(`stylespace.steering.calibrated_steering`, `bench/results/steering-probe.md`). "
        f"Offered in the app: {', '.join(passing) or 'none'}. Not offered (it did not rise "
        f"monotonically even at the delta's own length): {', '.join(failing) or 'none'}. "
        "Mean move-level proxy over the benchmark's players at the slider's two ends "
        "(direction, reach, moves' change): "
        + "; ".join(
            f"{p} {row['mean'][0]:.4f} -> {row['mean'][-1]:.4f}{setting(row)}"
            for p, row in steering.items()
        )
        + ". Away from the first move the shifts stay small: the vectors, hence their "
        "differences, are small (see Limitations).",
    ]


def write_model_card(directory: Path | str, batch_size: int) -> Path:
    directory = Path(directory)
    build = json.loads((directory / "build.json").read_text())
    metrics = json.loads((directory / "metrics.json").read_text())
    config = json.loads((directory / "config.json").read_text())
    preset = config.get("preset", "demo")
    players = json.loads((directory / "players.json").read_text())
    steering = json.loads((directory / "steering.json").read_text())
    command = (directory / "command.txt").read_text().strip()
    size = sum(f.stat().st_size for f in directory.iterdir() if f.is_file())
    parameters = sum(
        t.numel() for name in ("base", "skills") for t in _load(directory / f"{name}.safetensors")
    )
    trained = [p for p in players if not p.get("enrolled")]
    enrolled = [p for p in players if p.get("enrolled")]
    evaluation = build["eval"]["result"]
    stylometry = build["stylometry"]["result"]
    speed = build.get("speed", {}).get("result", {})
    minutes = _training_minutes(metrics, batch_size)
    passing = [p for p, row in steering.items() if row["passes"]]
    failing = [p for p, row in steering.items() if not row["passes"]]
    lines = [
        "# Model card: `models/demo`",
        "",
        "A style model of chess masters: a move-prediction network (behaviour cloning) with a "
        "shared inventory of LoRA skills mixed per player by one style vector (Multi-Head "
        "Routing, after Omi et al. 2025). Built entirely by this project's code.",
        "",
        "## Data",
        f"- Source: {SOURCE}.",
        f"- Players with a style vector: {len(trained)} trained (>= "
        f"{config.get('min_games', 100)} train-split games) + {len(enrolled)} enrolled afterwards "
        "(left out of training on purpose, for the unseen-player benchmark).",
        *_placeholder_lines(trained),
        f"- Training positions: {metrics['train_positions']:,} (stage 1, every position of the "
        f"train split); {metrics['styled_train_positions']:,} by modelled players (stage 2).",
        _reference_line(trained),
        "- Splits: 80/10/10 train/val/test by a hash of each game's content. No game record is "
        "stored in this directory: only weights, vectors, per-player summaries and map "
        "coordinates, each player's opening choices and deep lines as hashed counts of the "
        "(position, move) choices of their first 12 moves and of moves 13 to 20, and of the "
        "pawn structures (whole and by wing) of their positions from move 11 on, each counted "
        "once per game "
        "(`openings.safetensors`), the game embedding's token vectors and each player's mean "
        "game in it (`game_embedding.safetensors`, `style_vectors.safetensors`), plus "
        "`probe_games.json`, "
        "games the base model played against itself, and `fingerprint_graph.onnx`, the "
        "network's fingerprint pass as a graph without weights (`stylespace export-graph`), "
        "which lets `identify` run without torch, and `known_games.safetensors`: a 32-bit hash "
        "of the moves of each game of 30 plies or more that the model was built from, with the "
        "trained players whose tables hold its sides, so that `identify` scores such games as "
        "new ones (the author's moves of them taken out of the tables' counts) and says so, "
        "and `eval --games` says when it is shown them (`known_games.py`).",
        *_every_split_lines(build),
        "",
        "## How it was made",
        *_commands(preset),
        f"Training command recorded by the build: `{command}`.",
        _machine(preset),
        f"Network: {config['model']}; style: {config['style']}; {parameters:,} parameters.",
        f"Training time at the median measured speed: stage 1 {minutes.get(1, 0):.0f} min, "
        f"stage 2 {minutes.get(2, 0):.0f} min (the run was interrupted and resumed from its "
        "checkpoints). Other build steps: "
        + ", ".join(
            f"{k} {v['seconds']:.0f} s" for k, v in build.items() if k not in ("train", "card")
        )
        + ".",
        f"Artifact size: {size / 2**20:.1f} MiB ({size / 1e6:.1f} MB).",
        "",
        "## Move matching (test split, legal moves only)",
        f"On {evaluation['positions']:,} positions of {evaluation['players']} modelled players: "
        f"base model top-1 **{_pct(evaluation['base_top1'])}**, top-3 "
        f"{_pct(evaluation['base_top3'])}; in the player's own style top-1 "
        f"**{_pct(evaluation['style_top1'])}**, top-3 {_pct(evaluation['style_top3'])}.",
        *_network_alone(evaluation),
        "Goal: base >= 45% (Maia's range), style >= +2 points.",
        "",
        "## Stylometry (who played these games?)",
        f"Ranked among all {stylometry['from_ply_0']['players_in_model']} players of the model; "
        f"method `{stylometry['from_ply_0']['method']}`; a player's query sets of one size are "
        "disjoint (a row's queries / players per player); "
        "seen players' query games come from the val/test splits, unseen players were left out "
        "of training, enrolled from 100 games and queried on other games. Beside it, in the same "
        "run, the opening baseline (TF-IDF over (position, move) of the first 12 moves). "
        "The `fused` method (the default) adds pieces of evidence, each z-scored over the "
        "candidates: the style model's fingerprint (the gradient of the moves' likelihood with "
        "respect to every LoRA skill, count-sketched to 2,048 numbers; it reads more of a player "
        "than the 128-number style vector does, `bench/results/fingerprint-kinds.md`) and, at "
        "16 times its weight, the openings: how much better the player's own choices in the "
        "query's positions of the first 12 moves predict its moves than everybody's do (a "
        "likelihood ratio with the player's counts smoothed toward everybody's, "
        "`bench/results/move-choices.md`; the baseline compares the same choices by TF-IDF "
        "cosine, which cannot tell an unvisited position from a rejected move), and at 4 times "
        "its weight the learned game embedding: the centred cosine of the query's games with "
        "each player's in a space trained to tell the trained players apart from a few games "
        "each, on the same hashed lines and structures; it adds little (measured fairly, "
        "`bench/results/embedding-identities.md`: 20-game queries of players enrolled from 100 "
        "games, 60% -> 61% top-1 beside the openings). The openings and the embedding count "
        "by how much of the query's openings the model knows: fully once 80% of its opening "
        "moves were chosen before, in the same position, by somebody in the model (a master's "
        "query knows 45-100% of them, median 75%), not at all below 20%: games that leave all "
        "known lines at once, or share one setup with other players and differ after it (bots "
        "with planted habits, in `bench/results/off-map.md`), are left to the style model, "
        "which named every such bot from 5 games where the openings' noise had hidden it. "
        "The *style "
        "alone* column ranks the same queries by the fingerprint only (`--method fingerprint`): "
        "it is what the style model itself knows. There each player's cosine is lessened by half "
        "the mean cosine of their fingerprint with its 10 nearest others' (CSLS), so a reference "
        "close to everybody does not come first for everybody "
        "(`bench/results/fingerprint-hubness.md`); `fused` keeps the plain cosine, on which its "
        "confidence is calibrated. From ply 30 the first 12 moves are hidden: "
        "`fused` then weighs the pawn structures of the query's positions from move 11 on "
        "against each player's (the whole structure and its three wings, once per game, scored "
        "as a likelihood ratio against everybody's with a prior that grows with the number of "
        "distinct structures the player has, `bench/results/structure-likelihood.md`) and the "
        "likelihood of its moves 13 to 20 under each player's deep lines (the same as the "
        f"openings'): the score is {weighted_sum(WEIGHTS_OPENINGS_HIDDEN)}, as measured on "
        "validation games (`bench/results/structures.md`, `bench/results/style-weight.md`). "
        "The structures read the openings through the positions they lead to: from ply 30 this "
        "is still largely opening knowledge, and it needs many reference games: trained "
        "players have hundreds, the unseen players here were enrolled from 100 and their "
        "structures barely match their other games. A learned embedding of the late moves "
        "found little once every candidate was scored fairly (13% top-1 alone from 100 "
        "games, 2% from a 100-game profile, in an embedding that never saw them) and cost the "
        "trained players in the build (80% -> 44%), so it is not used "
        "(`bench/results/late-embedding.md`).",
        "",
        *TABLE_HEAD,
        *_stylometry_rows(stylometry["from_ply_0"]),
        "",
        "With only the moves from ply 30 on (`--from-ply 30`):",
        "",
        *TABLE_HEAD,
        *_stylometry_rows(stylometry["from_ply_30"]),
        "",
        "Goals: >= 99.5% top-1 from 100 games, >= 95% from 20, >= 75% from 5; >= 90% from 100 "
        "games from ply 30. In brackets, the 95% Wilson interval of each top-1 over its cell's "
        "queries (one query is 100 / queries points; a little optimistic where a player has "
        "several queries, which share their profile): a row of a few dozen queries places its "
        "rate only within 10 to 40 points.",
        *_profile_rows(stylometry),
    ]
    if speed:
        lines += [
            "",
            "## Speed (whole `stylespace identify` command, model loading included)",
            *(
                f"- {query_name(size)}: median {_by_engine(row)} "
                f"({row['positions']:,} moves{_read_note(row)})"
                for size, row in speed.items()
                if size[0].isdigit()
            ),
        ]
    confidence = build.get("confidence", {}).get("result", {})
    if confidence.get("verdicts"):
        lines += ["", *_confidence_section(confidence)]
    lines += [
        "",
        "## Steering",
        *_steering_lines(steering, passing, failing),
        *_interpolation_section(build.get("interpolation", {}).get("result", {})),
        "",
        "## Limitations",
        _size_limitation(preset, config, metrics),
        "- The style vectors differ little: a player's own vector predicts their held-out moves "
        "0.0034 nats per move better than the average vector (0.0005 for the CPU-trained "
        "vectors before; `bench/style_separation.py`, `bench/results/stage2-routing.json`), so "
        "the vector adds under a point to the network's move matching (most of the style's "
        "gain comes from the player's own opening book, which a steered or mixed vector does "
        "not have) and steering shifts are small; "
        "identification leans on the opening repertoire, the pawn structures and the skills' "
        "gradient more than on the vectors, and is short of its goals once the openings are "
        "hidden or the games are few. Higher routing learning rates, no routing noise or "
        "player-grouped batches did not make CPU-trained vectors more individual; the GPU's "
        "longer stage 2 did, a little: longer still is the next thing to try.",
        _reference_limitation(trained),
        "- Masters only, mostly classical games, many from before Elo ratings existed: "
        "the model knows nothing of amateur or online play beyond what these players did. "
        f"{_elo_limitation(config)}",
        *_alias_lines([p["name"] for p in players]),
        "- A ranking always names somebody: for an author the model does not know, the top "
        "candidate is only the nearest known style. `identify`'s confidence (above) tells a "
        "clear first place from a guess, but not perfectly: a few strangers' queries were "
        "called clear, about a fifth likely, and with the openings hidden it never calls a "
        "first place clear.",
        "- An enrolled player is found again only as well as their enrolment games describe "
        "their openings. Measured on validation games (`bench/enrol_size_pilot.py`, "
        "`bench/results/enrolment-size.md`, 60 masters among 477, openings alone): 20-game "
        "queries found their author 50% of the time with a table from 50 games, 61% from 100, "
        "76% from 200, 84% from 400 and 94% from all their train games (median 1,320); "
        "5-game queries 12%, 17%, 24%, 31% and 51%. Enrol from as many games as there are.",
        "",
        "## Responsible use",
        "Style vectors can identify people. Use public games only, never treat a ranking as "
        "proof of identity or of cheating, and honour the opt-out list (`data/opt-out.txt` or "
        "`$STYLESPACE_OPT_OUT`), which ingest, training and the app respect.",
        "",
    ]
    path = directory / "MODEL_CARD.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _load(path: Path) -> list[torch.Tensor]:
    from safetensors.torch import load_file

    return list(load_file(path).values())
