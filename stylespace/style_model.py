"""A trained style model: the base network, the skills and the player table, saved and loaded.

Artifact layout (a directory):
- `config.json`: model and style sizes, preset, format version;
- `base.safetensors`: base network weights; `skills.safetensors`: LoRA skills of every layer;
- `style_vectors.safetensors`: the player table's vectors (row = task id) and, where computed,
  each player's stylometry fingerprint (`fingerprints`, NaN rows where unknown);
- `openings.safetensors`: each player's opening repertoire, deep lines and pawn structures
  (hashed counts, see `openings.py`);
- `game_embedding.safetensors`: the token vectors of the learned game embedding
  (`game_embedding.py`; each player's profile sits in `style_vectors.safetensors`);
- `players.json`: name as in the PGN tags <-> task id, with training counts;
- `metrics.json` and `command.txt`: how well it trained and the command that produced it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import chess
import numpy as np
import torch
from safetensors import numpy as safetensors_numpy
from safetensors.torch import load_file, save_file
from safetensors.torch import save as save_tensors

from stylespace.atomic_files import replaced_together
from stylespace.book import BookTable, with_books
from stylespace.encoding import elo_level_table, encode_board, index_to_move, legal_move_mask
from stylespace.game_embedding import quantised
from stylespace.known_games import LeftOut
from stylespace.mhr import RoutedPredictor, StyleConfig
from stylespace.model import ModelConfig, MovePredictor
from stylespace.openings import DEEP_LINE_PLIES, OPENING_PLIES, RepertoireTokens
from stylespace.player_table import OPENING_TABLES, QueryTables
from stylespace.sketch import FINGERPRINT_SIZE

FORMAT_VERSION = 1
Style = str | int | torch.Tensor | np.ndarray | None


@dataclass(frozen=True, slots=True)
class MovePrediction:
    uci: str
    san: str
    probability: float


class StyleModel(QueryTables):
    """Base move predictor + MHR style adapters + player table, ready for inference.

    Two engines run the adapters: `peft` (training: peft's Poly tuner, sampled routing) and
    `torch` (the default: our own forward pass in `mhr.py`, which starts without importing peft
    and folds one shared vector into the weights). Both read and write the same artifact.
    """

    def __init__(
        self,
        model_config: ModelConfig,
        style_config: StyleConfig,
        players: Sequence[dict],
        extra_config: dict | None = None,
        engine: str = "torch",
    ) -> None:
        self.model_config = model_config
        self.style_config = style_config
        self.players: list[dict] = [dict(p) for p in players]
        self.extra_config = extra_config or {}
        self.engine = engine
        self.base = MovePredictor(model_config)
        if engine == "peft":
            from stylespace.style_adapters import attach_style_adapters, shared_router

            self.styled = attach_style_adapters(self.base, style_config, len(self.players))
            self.router = shared_router(self.styled)
        elif engine == "torch":
            self.styled = RoutedPredictor(self.base, style_config, len(self.players))
            self.router = self.styled.router
        else:
            raise ValueError(f"unknown engine {engine!r}: torch or peft")
        self._task_of = {p["name"]: p["task_id"] for p in self.players}
        self.fingerprints = torch.full((len(self.players), FINGERPRINT_SIZE), torch.nan)
        self._start_tables()
        self.styled.requires_grad_(False)  # inference; training turns on what it trains
        self.styled.eval()

    # --- the player table --------------------------------------------------------------------

    @property
    def device(self) -> torch.device:
        return self.router.module_logits.device

    @property
    def style_vectors(self) -> torch.Tensor:
        """(players, vector size) routing logits; row = task id."""
        return self.router.module_logits.detach()

    @property
    def trained_mean(self) -> torch.Tensor:
        """Mean vector of the players trained with the skills (enrolled ones excluded): the
        fixed origin for fitting and comparing vectors, so enrolments never move it."""
        return self.style_vectors[self._trained_tasks()].mean(dim=0)

    @property
    def fingerprint_centre(self) -> torch.Tensor:
        """Mean fingerprint of the trained players: the origin identification compares from."""
        known = self.fingerprints[self._trained_tasks()]
        return known[~known.isnan().any(dim=1)].mean(dim=0)

    def task_id(self, name: str) -> int:
        try:
            return self._task_of[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a player of this model") from None

    def style_vector(self, style: Style) -> torch.Tensor | None:
        """A style as a vector: a player name, a task id, a vector, or None for the base."""
        if style is None:
            return None
        if isinstance(style, str):
            style = self.task_id(style)
        if isinstance(style, int):
            return self.style_vectors[style]
        return torch.as_tensor(style, dtype=torch.float32, device=self.device)

    def set_player(
        self,
        name: str,
        vector: torch.Tensor,
        fingerprint: torch.Tensor | None = None,
        repertoire: RepertoireTokens | None = None,
        game_bags: Sequence[np.ndarray] | None = None,
        **facts: object,
    ) -> int:
        """Add a player (growing the table, nothing retrained) or replace their vector, and
        set their fingerprint, opening repertoire, deep lines, structures and game-embedding
        profile (from their games' `game_embedding.game_bags`; None: unknown)."""
        if name in self._task_of:
            task = self._task_of[name]
            self.players[task].update(facts)
        else:
            task = len(self.players)
            self.router.resize(task + 1)
            self.players.append({"name": name, "task_id": task, **facts})
            self._task_of[name] = task
            unknown = torch.full((1, self.fingerprints.shape[1]), torch.nan)
            self.fingerprints = torch.cat([self.fingerprints, unknown])
        with torch.no_grad():
            self.router.module_logits[task] = vector.to(self.device)
        self.fingerprints[task] = torch.nan if fingerprint is None else fingerprint.cpu()
        for table, field, _ in OPENING_TABLES.values():
            tokens = getattr(repertoire, field) if repertoire else None
            getattr(self, table).set_row(task, tokens)
        if self.game_embedding is not None:
            self.game_embedding.set_row(task, game_bags)
        return task

    def remove_player(self, name: str) -> dict:
        """Remove an enrolled player and everything the model kept of them (vector,
        fingerprint, opening tables, game-embedding profile, facts); the players after them
        move up one task id. Returns their facts. A trained player's games shaped the shared
        skills, so they cannot be removed this way."""
        task = self.task_id(name)
        removed = self.players[task]
        if not removed.get("enrolled"):
            raise ValueError(
                f"{name!r} was trained with the model, not enrolled: their games shaped its "
                "shared skills. Put them on the opt-out list to hide them everywhere, or train "
                "without them (`train --exclude-players`)"
            )
        keep = np.arange(len(self.players)) != task
        rows = torch.from_numpy(keep)
        kept = self.router.module_logits.data[rows.to(self.device)].clone()
        self.router.module_logits = torch.nn.Parameter(kept, requires_grad=False)
        self.fingerprints = self.fingerprints[rows]
        for table, _, _ in OPENING_TABLES.values():
            current = getattr(self, table)
            setattr(self, table, type(current)(current.counts[np.flatnonzero(keep)]))
        if self.game_embedding is not None:
            self.game_embedding.profiles = self.game_embedding.profiles[keep]
        self.players = [p for p in self.players if p is not removed]
        for new_task, player in enumerate(self.players):
            player["task_id"] = new_task
        self._task_of = {p["name"]: p["task_id"] for p in self.players}
        return removed

    # --- scoring ------------------------------------------------------------------------------

    def logits(
        self,
        squares: torch.Tensor,
        last_move: torch.Tensor,
        elo: torch.Tensor,
        style: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Raw logits for a batch; `style` is None (base), task ids (long) or vectors (float).

        Elo buckets the training data never had (a 1500 player for a masters' model) are read as
        "unknown", which the model did learn, instead of an untrained embedding.
        """
        elo = self.known_elo(elo)
        if self.engine == "torch":
            return self.styled(squares, last_move, elo, style)
        if style is None:
            with self.styled.disable_adapter():
                return self.base(squares, last_move, elo)
        if style.is_floating_point() and style.dim() == 1:
            style = style.expand(squares.shape[0], -1)
        return self.styled.base_model(squares, last_move, elo, task_ids=style)

    def known_elo(self, elo: torch.Tensor) -> torch.Tensor:
        """Elo buckets read as the nearest level the training data had enough of
        (`encoding.elo_level_table`); a model without that record reads them as they are."""
        known = self.extra_config.get("known_elo_buckets")
        if known is None:
            return elo
        table = torch.tensor(elo_level_table(tuple(known)), dtype=torch.long, device=elo.device)
        return table[elo.long()]

    def predict(
        self,
        board: chess.Board | str,
        style: Style = None,
        top_k: int = 5,
        elo: int | None = None,
        books: bool = True,
    ) -> list[MovePrediction]:
        """The most likely legal moves here, in a style (None = base model)."""
        return self.predict_batch([board], style=style, top_k=top_k, elo=elo, books=books)[0]

    def book_tables(self, left_out: LeftOut | None = None) -> list[BookTable]:
        """The move-choice tables the opening books read, with the plies each covers; with
        `left_out` (known games), copies as if they had never counted those games."""
        tables = [
            (self.repertoires, "openings", 0, OPENING_PLIES),
            (self.deep_lines, "deep_lines", OPENING_PLIES, DEEP_LINE_PLIES),
        ]
        if left_out is None or not left_out.tokens:
            return [(table, first, end) for table, _, first, end in tables]
        return [
            (table.without(left_out.of(kind)), first, end) for table, kind, first, end in tables
        ]

    @torch.no_grad()
    def predict_batch(
        self,
        boards: Sequence[chess.Board | str],
        style: Style = None,
        top_k: int = 5,
        elo: int | None = None,
        books: bool = True,
    ) -> list[list[MovePrediction]]:
        """The most likely legal moves on each board; with `books`, in the first 20 moves a
        player (a name or task id) or the base model also follows the opening books
        (`book.with_books`); a bare vector always gets the network alone."""
        boards = [chess.Board(b) if isinstance(b, str) else b for b in boards]
        encoded = [encode_board(b, elo=elo) for b in boards]
        squares = torch.from_numpy(np.stack([e.squares for e in encoded])).to(self.device)
        last = torch.from_numpy(np.stack([e.last_move for e in encoded])).to(self.device)
        elos = torch.tensor([e.elo for e in encoded], device=self.device)
        mask = torch.from_numpy(np.stack([legal_move_mask(b) for b in boards])).to(self.device)
        logits = self.logits(squares, last, elos, self.style_vector(style))
        probabilities = torch.softmax(logits.masked_fill(~mask, float("-inf")), dim=-1)
        if books and (style is None or isinstance(style, str | int)):
            task = (
                None if style is None else style if isinstance(style, int) else self.task_id(style)
            )
            smoothed = with_books(
                probabilities.cpu().numpy(),
                squares.cpu().numpy(),
                np.array([b.ply() for b in boards]),
                mask.cpu().numpy(),
                self.book_tables(),
                None if task is None else np.full(len(boards), task),
            )
            probabilities = torch.from_numpy(smoothed)
        results = []
        for board, row, legal in zip(boards, probabilities, mask, strict=True):
            k = min(top_k, int(legal.sum()))
            values, indices = row.topk(k) if k else (row[:0], row[:0].long())
            moves = []
            for p, index in zip(values.tolist(), indices.tolist(), strict=True):
                move = index_to_move(index, board)
                moves.append(MovePrediction(move.uci(), board.san(move), p))
            results.append(moves)
        return results

    @torch.no_grad()
    def play(
        self,
        style: Style = None,
        board: chess.Board | str | None = None,
        max_plies: int = 200,
        temperature: float = 1.0,
        side: chess.Color | None = None,
        opponent_style: Style = None,
        seed: int | None = None,
    ) -> chess.Board:
        """Sample the rest of a game in a style; with `side`, only that side uses `style`."""
        board = (
            chess.Board()
            if board is None
            else (chess.Board(board) if isinstance(board, str) else board.copy())
        )
        rng = random.Random(seed)
        for _ in range(max_plies):
            if board.is_game_over(claim_draw=True):
                break
            mover_style = style if side is None or board.turn == side else opponent_style
            moves = self.predict(board, style=mover_style, top_k=64)
            weights = [m.probability ** (1.0 / max(temperature, 1e-3)) for m in moves]
            choice = rng.choices(moves, weights=weights)[0]
            board.push_uci(choice.uci)
        return board

    # --- devices and files --------------------------------------------------------------------

    def to(self, device: str | torch.device) -> StyleModel:
        self.styled.to(device)
        return self

    def save(
        self, directory: Path | str, metrics: dict | None = None, command: str | None = None
    ) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        config = {
            "format_version": FORMAT_VERSION,
            "model": self.model_config.to_dict(),
            "style": self.style_config.to_dict(),
            **self.extra_config,
        }
        (directory / "config.json").write_text(json.dumps(config, indent=2))
        save_file(
            {k: v.detach().cpu().contiguous() for k, v in self.base_state().items()},
            directory / "base.safetensors",
        )
        save_file(
            {k: v.detach().cpu().contiguous() for k, v in self.skill_parameters().items()},
            directory / "skills.safetensors",
        )
        self.save_player_table(directory)
        if metrics is not None:
            (directory / "metrics.json").write_text(json.dumps(metrics, indent=2))
        if command is not None:
            (directory / "command.txt").write_text(command + "\n")

    def skill_parameters(self) -> dict[str, torch.Tensor]:
        if self.engine == "torch":
            return self.styled.skill_parameters()
        from stylespace.style_adapters import skill_parameters

        return skill_parameters(self.styled)

    def base_state(self) -> dict[str, torch.Tensor]:
        """Base weights under their plain names (the adapters' wrapping removed)."""
        return {
            key.replace(".base_layer", ""): value
            for key, value in self.base.state_dict().items()
            if "poly_" not in key
        }

    def load_base_state(self, state: dict[str, torch.Tensor]) -> None:
        own = self.base.state_dict()
        mapped = {}
        for key in own:
            if "poly_" in key:
                continue
            mapped[key] = state[key.replace(".base_layer", "")]
        self.base.load_state_dict(mapped, strict=False)

    def save_player_table(self, directory: Path | str) -> None:
        """Write only the player table (after enrolment): vectors, fingerprints, opening
        repertoires and names, all three files or none (`atomic_files`)."""
        directory = Path(directory)
        table = {
            "style_vectors": self.style_vectors.cpu().contiguous(),
            "fingerprints": self.fingerprints.contiguous(),
        }
        if self.game_embedding is not None:
            table["game_profiles"] = torch.from_numpy(self.game_embedding.profiles).contiguous()
        tables = {}
        for prefix, (opening_table, _, _) in OPENING_TABLES.items():
            tables.update(getattr(self, opening_table).arrays(prefix))
        files = ("style_vectors.safetensors", "openings.safetensors", "players.json")
        with replaced_together(*(directory / name for name in files)) as (vectors, openings, names):
            # Serialised here and written as plain files: a failed write is an OSError.
            vectors.write_bytes(save_tensors(table))
            openings.write_bytes(safetensors_numpy.save(tables))
            names.write_text(json.dumps(self.players, indent=1, ensure_ascii=False))

    def save_game_embedding(self, directory: Path | str) -> None:
        """Write the game embedding's token vectors (one byte a number) and the profiles."""
        if self.game_embedding is None:
            raise ValueError("this model has no game embedding to save")
        stored = quantised(self.game_embedding.tokens)
        safetensors_numpy.save_file(stored, Path(directory) / "game_embedding.safetensors")
        self.save_player_table(directory)

    @classmethod
    def load(
        cls, directory: Path | str, device: str | torch.device = "cpu", engine: str = "torch"
    ) -> StyleModel:
        """Load an artifact directory onto any device."""
        directory = Path(directory)
        if not (directory / "config.json").exists():
            raise FileNotFoundError(f"no style model at {directory} (config.json missing)")
        config = json.loads((directory / "config.json").read_text())
        players = json.loads((directory / "players.json").read_text())
        extra = {k: v for k, v in config.items() if k not in ("model", "style", "format_version")}
        model = cls(
            ModelConfig(**config["model"]), StyleConfig(**config["style"]), players, extra, engine
        )
        model.load_base_state(load_file(directory / "base.safetensors"))
        skills = load_file(directory / "skills.safetensors")
        with torch.no_grad():
            for name, parameter in model.skill_parameters().items():
                parameter.copy_(skills[name])
            table = load_file(directory / "style_vectors.safetensors")
            model.router.module_logits.copy_(table["style_vectors"])
        stored = table.get("fingerprints")
        if stored is not None and stored.shape == model.fingerprints.shape:
            model.fingerprints = stored  # other shapes are an older kind: read as unknown
        profiles = table.get("game_profiles")
        model._read_tables(directory, None if profiles is None else profiles.numpy())
        return model.to(device)
