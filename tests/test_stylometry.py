"""Identify the author of games, enrol new players; bad requests get a clear message."""

from __future__ import annotations

import gzip
import json
import shutil

import numpy as np
import pytest
import torch
from planted import PLANTED, planted_pgn

from stylespace.cli import main
from stylespace.fused import (
    OPENINGS_REACH,
    SETTLE_MIN_POSITIONS,
    fingerprint_scores,
    fused_evidence,
    fused_scores,
    opening_reach,
    query_evidence,
)
from stylespace.game_files import read_game_file
from stylespace.openings import MOVE_SLOTS, repertoire_tokens
from stylespace.positions import PlayedGame
from stylespace.ranking_methods import DEFAULT_METHOD, METHODS
from stylespace.style_model import StyleModel
from stylespace.stylometry import (
    enroll,
    enrolment_note,
    identify,
    similarity_scores,
    style_alone_scores,
    whole_fingerprint,
)


def _run(capsys, *args: str) -> tuple[int, dict | str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    if code == 0 and "--json" in args:
        return code, json.loads(captured.out)
    return code, captured.err if code else captured.out


@pytest.mark.parametrize("author", list(PLANTED))
@pytest.mark.parametrize("method", METHODS)
def test_identify_names_the_planted_author_of_unseen_games(
    planted_model, tmp_path, capsys, author, method
):
    games = tmp_path / "query.pgn"
    games.write_text(planted_pgn(games_each=20, seed=77, players={author: PLANTED[author]}))
    code, result = _run(
        capsys,
        "identify",
        "--model",
        str(planted_model),
        "--games",
        str(games),
        "--top",
        "2",
        "--method",
        method,
        "--json",
    )
    assert code == 0
    assert set(result) >= {"author", "games", "positions", "candidates"}
    assert (result["author"], result["games"], result["positions"]) == (author, 20, 140)
    assert result["candidates"][0]["player"] == author
    assert len(result["candidates"]) == 2


def test_identify_with_from_ply_uses_only_later_moves(planted_model, tmp_path, capsys):
    games = tmp_path / "query.pgn"
    games.write_text(
        planted_pgn(games_each=10, seed=5, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    code, result = _run(
        capsys,
        "identify",
        "--model",
        str(planted_model),
        "--games",
        str(games),
        "--from-ply",
        "4",
        "--json",
    )
    assert code == 0
    assert result["positions"] == 10 * 5  # White's moves at plies 4, 6, 8, 10, 12


def test_enrolment_learns_an_unseen_players_style(planted_model, tmp_path, capsys):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    newcomer = {
        "Newcomer, Nia": PLANTED["Righty, Rob"]
    }  # plays like Righty, never seen in training
    games = tmp_path / "nia.pgn"
    games.write_text(planted_pgn(games_each=40, seed=11, players=newcomer))
    code, result = _run(
        capsys,
        "enroll",
        "--model",
        str(model_dir),
        "--games",
        str(games),
        "--as",
        "Newcomer, Nia",
        "--json",
    )
    assert code == 0
    assert (result["player"], result["task_id"], result["replaced"], result["games"]) == (
        "Newcomer, Nia",
        2,
        False,
        40,
    )
    assert "Enrolled from 40 games" in result["note"]  # few games: says what that costs
    model = StyleModel.load(model_dir)
    assert model.player_names()[2] == "Newcomer, Nia"
    first = next(
        p for p in model.predict(__import__("chess").Board(), style="Newcomer, Nia", top_k=3)
    )
    assert first.uci == "h2h4"
    scores = similarity_scores(model, model.style_vectors[2])
    assert scores[model.task_id("Righty, Rob")] > scores[model.task_id("Lefty, Lea")]
    by_fingerprint = fingerprint_scores(model, model.fingerprints[2])
    assert (
        by_fingerprint[model.task_id("Righty, Rob")] > by_fingerprint[model.task_id("Lefty, Lea")]
    )


def test_every_player_has_a_fingerprint_and_an_enrolled_author_is_found_by_it(
    planted_model, tmp_path, capsys
):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    assert not StyleModel.load(model_dir).fingerprints.isnan().any()  # made by `train`
    middle = {"Middy, Mo": ["d2d4", "e2e4"]}  # unlike either planted player
    reference, query = tmp_path / "mo.pgn", tmp_path / "query.pgn"
    reference.write_text(planted_pgn(games_each=40, seed=21, players=middle))
    query.write_text(planted_pgn(games_each=20, seed=23, players=middle))
    enrol = ["enroll", "--model", str(model_dir), "--games", str(reference), "--as", "Middy, Mo"]
    assert _run(capsys, *enrol)[0] == 0
    code, result = _run(
        capsys, "identify", "--model", str(model_dir), "--games", str(query), "--json"
    )
    assert code == 0 and DEFAULT_METHOD == "fused"
    assert result["method"] == "fused"
    assert result["candidates"][0]["player"] == "Middy, Mo"
    alone = ["identify", "--model", str(model_dir), "--games", str(query), "--json"]
    code, result = _run(capsys, *alone, "--method", "fingerprint")
    assert code == 0 and result["candidates"][0]["player"] == "Middy, Mo"


def test_fused_ranking_lets_the_opening_repertoire_speak_when_the_fingerprint_is_silent(
    planted_model, tmp_path
):
    model = StyleModel.load(planted_model)
    assert model.repertoires.known.all()  # made by `train`, from the players' train games
    path = tmp_path / "lea.pgn"
    path.write_text(planted_pgn(games_each=10, seed=5, players={"Lea": PLANTED["Lefty, Lea"]}))
    tokens = repertoire_tokens(read_game_file(str(path)).games, "Lea").openings
    silent = model.fingerprint_centre  # a query fingerprint that favours nobody
    assert np.array_equal(fingerprint_scores(model, silent), np.zeros(2))
    fused = fused_scores(model, silent, tokens)
    assert fused[model.task_id("Lefty, Lea")] > fused[model.task_id("Righty, Rob")]
    leaning = model.fingerprints[model.task_id("Righty, Rob")]
    alone = fingerprint_scores(model, leaning)
    assert np.array_equal(fused_scores(model, leaning, []).argsort(), alone.argsort())


def test_the_openings_count_by_the_share_of_their_moves_somebody_in_the_model_chose():
    low, full = OPENINGS_REACH
    assert opening_reach(0.0) == opening_reach(low) == 0.0
    assert opening_reach((low + full) / 2) == pytest.approx(0.5)
    assert opening_reach(full) == opening_reach(1.0) == 1.0


def test_openings_that_leave_every_known_line_at_once_leave_the_ranking_to_the_style(
    planted_model,
):
    model = StyleModel.load(planted_model)
    lefty, righty = model.task_id("Lefty, Lea"), model.task_id("Righty, Rob")
    games = planted_pgn(games_each=10, seed=5, players={"Lea": PLANTED["Lefty, Lea"]}, plies=4)
    lea_opening = repertoire_tokens(read_game_file_text(games), "Lea").openings
    first_moves = [t for t in lea_opening if t == lea_opening[0]]  # 1.a4, as Lea always plays
    never_chosen = [key * MOVE_SLOTS + 5 for key in range(900_001, 900_001 + 12 * len(first_moves))]
    leaning = model.fingerprints[righty]  # the style model says: Rob
    # Lea's own lines, which the model knows: her openings outweigh the style's lean.
    known = query_evidence(model, lea_opening)
    assert known.openings_known > OPENINGS_REACH[1]
    assert fused_scores(model, leaning, lea_opening).argmax() == lefty
    # Her first move, then only moves nobody in the model ever chose there (a bot, a beginner):
    # the openings say nothing, whatever their z-scores, and the style decides.
    off_the_map = np.array(first_moves + never_chosen)
    far = query_evidence(model, off_the_map)
    assert far.openings_known == pytest.approx(1 / 13)
    assert np.array_equal(far.scores["openings"], np.zeros(2))
    assert fused_scores(model, leaning, off_the_map).argmax() == righty
    assert fused_evidence(model, leaning, off_the_map)["openings"][lefty] == 0.0


def test_the_style_models_own_ranking_discounts_a_reference_close_to_everybody(planted_model):
    model = StyleModel.load(planted_model)
    centre = model.fingerprint_centre
    trained = model.fingerprints[model.task_id("Lefty, Lea")] - centre
    # Directions at right angles to each other and to the trained players' axis.
    axes, _ = torch.linalg.qr(torch.cat([trained[:, None], torch.randn(len(centre), 5)], dim=1))
    crowd, loner, *others = axes[:, 1:].T
    vector = model.style_vectors[0]
    model.set_player("Hub, Hal", vector, centre + crowd, enrolled=True)
    for index, other in enumerate(others):  # players near the hub: it is near everybody
        model.set_player(f"Crowd, {index}", vector, centre + crowd + 0.3 * other, enrolled=True)
    model.set_player("Loner, Lou", vector, centre + loner, enrolled=True)
    query = centre + 1.05 * crowd + loner  # a shade nearer the hub by plain cosine
    plain, corrected = fingerprint_scores(model, query), style_alone_scores(model, query)
    names = model.player_names()
    assert names[int(plain.argmax())] == "Hub, Hal"
    assert names[int(corrected.argmax())] == "Loner, Lou"


def test_queries_without_openings_are_weighed_against_the_players_deep_lines(planted_model):
    model = StyleModel.load(planted_model)
    lefty, righty = model.task_id("Lefty, Lea"), model.task_id("Righty, Rob")
    line_a, line_b, line_c = (np.array([key]) * MOVE_SLOTS + 5 for key in (11, 12, 13))
    model.deep_lines.set_rows({lefty: np.concatenate([line_a, line_b]), righty: line_c})
    silent = model.fingerprint_centre
    hidden_openings = fused_evidence(model, silent, [], np.concatenate([line_a, line_b]))
    assert hidden_openings["deep_lines"][lefty] > hidden_openings["deep_lines"][righty]
    lea_opening = repertoire_tokens(
        read_game_file_text(
            planted_pgn(games_each=5, seed=5, players={"L": PLANTED["Lefty, Lea"]})
        ),
        "L",
    ).openings
    with_openings = fused_evidence(model, silent, lea_opening, line_c)  # openings come first
    assert "deep_lines" not in with_openings
    assert np.array_equal(
        with_openings["openings"], fused_evidence(model, silent, lea_opening)["openings"]
    )


def test_the_pawn_structures_speak_when_the_openings_are_hidden(planted_model):
    model = StyleModel.load(planted_model)
    lefty, righty = model.task_id("Lefty, Lea"), model.task_id("Righty, Rob")
    model.structures.set_rows({lefty: np.array([1, 2, 2]), righty: np.array([3])})
    with_openings = fused_evidence(model, model.fingerprint_centre, [7], [], np.array([2]))
    assert "structures" not in with_openings  # beside the openings they add nothing
    evidence = fused_evidence(model, model.fingerprint_centre, [], [], np.array([2, 2]))
    assert evidence["structures"][lefty] > evidence["structures"][righty]
    total = fused_scores(model, model.fingerprint_centre, [], [], np.array([2, 2]))
    assert total[lefty] > total[righty]


def test_enrolment_stores_the_deep_lines_of_long_games(planted_model):
    import random

    import chess

    rng, games = random.Random(4), []
    for _ in range(6):
        board = chess.Board()
        while board.ply() < 40 and not board.is_game_over():
            board.push(rng.choice(list(board.legal_moves)))
        games.append(PlayedGame([m.uci() for m in board.move_stack], "Long, Lu", "Other"))
    model = StyleModel.load(planted_model)
    enroll(model, games, "Long, Lu")
    lu = model.task_id("Long, Lu")
    assert model.deep_lines.known[lu] and not model.deep_lines.known[:lu].any()
    assert model.deep_lines.scores(repertoire_tokens(games, "Long, Lu").deep_lines).argmax() == lu
    assert model.structures.known[lu] and not model.structures.known[:lu].any()


def test_enrolment_stores_the_new_players_repertoire(planted_model, tmp_path):
    model = StyleModel.load(planted_model)
    path = tmp_path / "nia.pgn"
    path.write_text(planted_pgn(games_each=10, seed=12, players={"Nia": PLANTED["Righty, Rob"]}))
    games = read_game_file(str(path)).games
    enroll(model, games, "Nia")
    model.save_player_table(tmp_path)
    shutil.copy(planted_model / "config.json", tmp_path)
    for name in ("base.safetensors", "skills.safetensors"):
        shutil.copy(planted_model / name, tmp_path)
    again = StyleModel.load(tmp_path)
    scores = again.repertoires.scores(repertoire_tokens(games, "Nia").openings)
    assert again.repertoires.known.all()
    assert scores.argmax() == again.task_id("Nia")
    assert scores[again.task_id("Righty, Rob")] > scores[again.task_id("Lefty, Lea")]


def test_a_model_without_fingerprints_says_which_method_to_use(planted_model, tmp_path, capsys):
    model = StyleModel.load(planted_model)
    model.fingerprints[:] = float("nan")
    model.save(tmp_path / "bare")
    games = tmp_path / "query.pgn"
    games.write_text(
        planted_pgn(games_each=5, seed=3, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    code, message = _run(
        capsys, "identify", "--model", str(tmp_path / "bare"), "--games", str(games)
    )
    assert code != 0 and "--method similarity" in message


def test_enrolling_a_trained_players_name_says_what_the_model_gives_up(
    planted_model, tmp_path, capsys
):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    games = tmp_path / "lea.pgn"
    games.write_text(
        planted_pgn(games_each=10, seed=13, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    code, result = _run(
        capsys,
        "enroll",
        "--model",
        str(model_dir),
        "--games",
        str(games),
        "--as",
        "Lefty, Lea",
        "--json",
    )
    assert code == 0 and result["replaced"]
    assert "'Lefty, Lea' was a trained player" in result["note"]
    assert "another --label" in result["note"]


def test_unenrolling_removes_every_trace_and_keeps_the_others(planted_model, tmp_path, capsys):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    original = {f.name: f.read_bytes() for f in model_dir.iterdir() if f.is_file()}
    for label, seed in (("First", 21), ("Second", 22)):
        games = tmp_path / f"{label}.pgn"
        games.write_text(
            planted_pgn(games_each=8, seed=seed, players={"Nia": PLANTED["Lefty, Lea"]})
        )
        args = ["enroll", "--model", str(model_dir), "--games", str(games), "--as", "Nia"]
        assert _run(capsys, *args, "--label", label)[0] == 0
    second = StyleModel.load(model_dir).style_vectors[3].clone()

    code, result = _run(capsys, "unenroll", "--model", str(model_dir), "First", "--json")
    assert code == 0 and result["players_left"] == 3
    model = StyleModel.load(model_dir)
    assert model.player_names()[2] == "Second" and torch.equal(model.style_vectors[2], second)
    assert model.repertoires.counts.shape[0] == model.fingerprints.shape[0] == 3

    assert _run(capsys, "unenroll", "--model", str(model_dir), "Second")[0] == 0
    after = {f.name: f.read_bytes() for f in model_dir.iterdir() if f.is_file()}
    assert after == original  # as if neither had been enrolled


def test_a_trained_or_unknown_player_cannot_be_unenrolled(planted_model, tmp_path, capsys):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    code, message = _run(capsys, "unenroll", "--model", str(model_dir), "Lefty, Lea")
    assert code == 2 and "opt-out list" in message
    code, message = _run(capsys, "unenroll", "--model", str(model_dir), "Nobody, N")
    assert code == 2 and "not a player of this model" in message


def test_an_enrolment_that_cannot_be_saved_leaves_the_model_as_it_was(
    planted_model, tmp_path, capsys
):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    before = {f.name: f.read_bytes() for f in model_dir.iterdir() if f.is_file()}
    (model_dir / "openings.safetensors.partial").mkdir()  # the second file cannot be written
    games = tmp_path / "nia.pgn"
    games.write_text(planted_pgn(games_each=8, seed=5, players={"Nia": PLANTED["Lefty, Lea"]}))
    enrol = ["enroll", "--model", str(model_dir), "--games", str(games), "--as", "Nia"]
    code, message = _run(capsys, *enrol)
    assert code == 1 and "Is a directory" in message and "Traceback" not in message
    after = {f.name: f.read_bytes() for f in model_dir.iterdir() if f.is_file()}
    assert after == before  # no file replaced, no scratch file left behind
    (model_dir / "openings.safetensors.partial").rmdir()
    assert _run(capsys, *enrol)[0] == 0  # once the directory can be written, it works


def test_enrolment_is_deterministic_and_replaces_a_label(planted_model, tmp_path, capsys):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    games = tmp_path / "nia.pgn"
    games.write_text(planted_pgn(games_each=10, seed=12, players={"Nia": PLANTED["Lefty, Lea"]}))
    args = [
        "enroll",
        "--model",
        str(model_dir),
        "--games",
        str(games),
        "--as",
        "nia",
        "--label",
        "N",
    ]
    assert _run(capsys, *args)[0] == 0
    first = StyleModel.load(model_dir).style_vectors[2].clone()
    code, text = _run(capsys, *args)
    assert code == 0 and "replaced 'N'" in text
    again = StyleModel.load(model_dir)
    assert again.style_vectors.shape[0] == 3
    assert torch.equal(again.style_vectors[2], first)


def test_bad_requests_get_one_clear_line(planted_model, tmp_path, capsys):
    empty = tmp_path / "empty.pgn"
    empty.write_text("")
    mixed = tmp_path / "mixed.pgn"
    mixed.write_text(planted_pgn(games_each=3, seed=1))  # Lefty and Righty: nobody is in every game
    junk = tmp_path / "junk.pgn"
    junk.write_bytes(b"\x89PNG\r\n\x1a\nnot chess")
    model = str(planted_model)
    cases = [
        (["identify", "--model", model, "--games", str(empty)], "no readable chess game"),
        (["identify", "--model", model, "--games", str(junk)], "no readable chess game"),
        (["identify", "--model", model, "--games", str(mixed)], "pass --as NAME"),
        (["identify", "--model", model, "--games", str(mixed), "--as", "Zed"], "plays in none"),
        (["identify", "--model", model, "--games", str(tmp_path / "missing.pgn")], "cannot read"),
        (
            ["identify", "--model", str(tmp_path / "nomodel"), "--games", str(mixed)],
            "no style model",
        ),
        (["enroll", "--model", model, "--games", str(mixed), "--as", "Zed"], "plays in none"),
    ]
    for args, message in cases:
        code, err = _run(capsys, *args)
        assert code == 2, args
        assert message in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1


def test_counts_that_make_no_sense_are_refused_before_any_work(planted_model, tmp_path, capsys):
    games = tmp_path / "lea.pgn"
    games.write_text(
        planted_pgn(games_each=3, seed=2, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    common = ["identify", "--model", str(planted_model), "--games", str(games)]
    for flag, value, message in (
        ("--top", "0", "must be at least 1, not 0"),
        ("--top", "-3", "must be at least 1, not -3"),
        ("--from-ply", "-1", "must be at least 0, not -1"),
        ("--from-ply", "ten", "'ten' is not a whole number"),
    ):
        capsys.readouterr()
        with pytest.raises(SystemExit) as stopped:
            main([*common, flag, value])
        err = capsys.readouterr().err
        assert stopped.value.code == 2 and f"argument {flag}: {message}" in err
        assert "Traceback" not in err


def test_malformed_games_are_skipped_and_counted(planted_model, tmp_path, capsys):
    text = planted_pgn(games_each=8, seed=3, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    broken = text.replace("1. a4", "1. a5", 1)
    games = tmp_path / "some-bad.pgn"
    games.write_text(broken)
    code, result = _run(
        capsys, "identify", "--model", str(planted_model), "--games", str(games), "--json"
    )
    assert code == 0
    assert (result["games"], result["rejected"], result["errors_by_reason"]) == (
        7,
        1,
        {"illegal_move": 1},
    )
    code, text = _run(capsys, "identify", "--model", str(planted_model), "--games", str(games))
    assert code == 0 and "(1 of 8 games skipped: 1 illegal move)" in text


def test_games_spread_over_several_files_are_read_as_one_set(planted_model, tmp_path, capsys):
    lea = {"Lefty, Lea": PLANTED["Lefty, Lea"]}
    some, more = (planted_pgn(games_each=n, seed=s, players=lea) for n, s in ((12, 78), (8, 79)))
    whole, first, second = tmp_path / "all.pgn", tmp_path / "a.pgn", tmp_path / "b.pgn.gz"
    whole.write_text(some + more)
    first.write_text(some)
    second.write_bytes(gzip.compress(more.encode()))
    identify = ["identify", "--model", str(planted_model), "--json", "--games"]
    _, from_one = _run(capsys, *identify, str(whole))
    _, from_two = _run(capsys, *identify, str(first), str(second))
    assert from_two["games"] == from_one["games"] == 20
    assert from_two["candidates"] == from_one["candidates"]
    code, message = _run(capsys, *identify, str(first), str(tmp_path / "missing.pgn"))
    assert code == 2 and "cannot read" in message and "missing.pgn" in message


def test_an_author_question_names_the_games_that_were_skipped(planted_model, tmp_path, capsys):
    """Lefty is in every game that could be read; the unreadable ones may hold Righty's games."""
    lefty = planted_pgn(games_each=4, seed=4, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    variant = '[Variant "Crazyhouse"]\n'
    righty = planted_pgn(games_each=2, seed=5, players={"Righty, Rob": PLANTED["Righty, Rob"]})
    righty = righty.replace("[Date ", variant + "[Date ")
    games = tmp_path / "mixed.pgn"
    games.write_text(lefty + "\n" + righty)
    code, err = _run(
        capsys, "identify", "--model", str(planted_model), "--games", str(games), "--as", "Righty"
    )
    assert code == 2
    assert "plays in none" in err and "(2 of 6 games skipped: 2 variant)" in err


def test_opted_out_players_are_never_named(planted_model, tmp_path, capsys):
    games = tmp_path / "query.pgn"
    games.write_text(
        planted_pgn(games_each=10, seed=6, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    opt_out = tmp_path / "opt-out.txt"
    opt_out.write_text("lefty,  lea\n")
    code, result = _run(
        capsys,
        "identify",
        "--model",
        str(planted_model),
        "--games",
        str(games),
        "--opt-out",
        str(opt_out),
        "--json",
    )
    assert code == 0
    assert [c["player"] for c in result["candidates"]] == ["Righty, Rob"]


def test_an_opted_out_player_is_neither_shown_nor_enrolled(
    planted_model, tmp_path, capsys, monkeypatch
):
    opt_out = tmp_path / "opt-out.txt"
    opt_out.write_text("lefty,  lea\n")
    monkeypatch.setenv("STYLESPACE_OPT_OUT", str(opt_out))
    for command in ("like", "steer"):
        code, message = _run(
            capsys, command, "--model", str(planted_model), "--player", "Lefty, Lea"
        )
        assert code == 2 and "'Lefty, Lea' is on the opt-out list" in message, command
    code, message = _run(capsys, "like", "--model", str(planted_model), "--player", "lefty")
    assert code == 2 and "did you mean" not in message  # not even offered as a spelling

    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    games = tmp_path / "lea.pgn"
    games.write_text(
        planted_pgn(games_each=8, seed=6, players={"Lefty, Lea": PLANTED["Lefty, Lea"]})
    )
    enrol = ["enroll", "--model", str(model_dir), "--games", str(games), "--as", "Lefty, Lea"]
    code, message = _run(capsys, *enrol, "--label", "Someone Else")  # nor under another name
    assert code == 2 and "they asked not to be modelled" in message
    assert (
        StyleModel.load(model_dir).player_names() == StyleModel.load(planted_model).player_names()
    )


def test_a_player_name_as_people_type_it_is_taken_when_it_plainly_means_one_player(
    planted_model, capsys
):
    steer = ["--json", "steer", "--model", str(planted_model), "--player"]
    capsys.readouterr()
    assert main([*steer, "righty"]) == 0
    said = capsys.readouterr()
    assert json.loads(said.out)["player"] == "Righty, Rob"
    assert "taking 'righty' to mean 'Righty, Rob'" in said.err

    code, message = _run(capsys, *steer, "Rigty")  # a spelling merely alike is only offered
    assert code == 2 and "did you mean 'Righty, Rob'?" in message


def read_game_file_text(text: str) -> list:
    """Games of a PGN text, through the same reader as files."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".pgn", delete=False) as handle:
        handle.write(text)
    return read_game_file(handle.name).games


def test_the_repertoires_command_restores_a_models_openings(
    planted_model, planted_store, tmp_path, capsys
):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    (model_dir / "openings.safetensors").unlink()  # a model from before repertoires
    assert not StyleModel.load(model_dir).repertoires.known.any()
    args = ["--db", str(planted_store), "repertoires", "--model", str(model_dir), "--json"]
    code, result = _run(capsys, *args)
    assert code == 0 and result["players"] == 2
    restored = StyleModel.load(model_dir).repertoires
    assert restored.known.all()
    trained_with_the_model = StyleModel.load(planted_model).repertoires.counts
    assert (restored.counts != trained_with_the_model).nnz == 0


def test_an_enrolment_from_few_games_says_what_more_games_would_buy():
    assert "from 100 games 61%" in enrolment_note(90)
    assert "400 games 84%" in enrolment_note(90)
    assert enrolment_note(400) is None and enrolment_note(2_000) is None


def test_a_long_querys_ranking_stops_reading_its_moves_once_settled(planted_model, tmp_path):
    path = tmp_path / "lea.pgn"
    lea = {"Lefty, Lea": PLANTED["Lefty, Lea"]}
    # Her own openings only (two moves a game), which the model knows: they count fully.
    path.write_text(planted_pgn(games_each=600, seed=8, players=lea, plies=4))
    games = read_game_file(str(path)).games
    model = StyleModel.load(planted_model)

    settled = identify(model, games, top=2)
    everything = identify(model, games, top=2, settle=False)

    assert settled["openings_known"] > 0.8
    assert settled["positions"] == everything["positions"] == 1200
    assert everything["fingerprint_positions"] == 1200
    assert settled["fingerprint_positions"] == SETTLE_MIN_POSITIONS
    assert [c["player"] for c in settled["candidates"]] == ["Lefty, Lea", "Righty, Rob"]
    assert [c["player"] for c in everything["candidates"]] == ["Lefty, Lea", "Righty, Rob"]
    # A reference (a session enrolment) still reads every move.
    every_move = torch.tensor(everything["fingerprint"])
    assert torch.allclose(whole_fingerprint(model, games, settled), every_move, atol=1e-6)
    assert not torch.allclose(torch.tensor(settled["fingerprint"]), every_move, atol=1e-6)


def test_a_models_players_are_listed_trained_and_enrolled_opted_out_left_out(
    planted_model, tmp_path, capsys
):
    model_dir = tmp_path / "model"
    shutil.copytree(planted_model, model_dir)
    games = tmp_path / "nia.pgn"
    games.write_text(planted_pgn(games_each=8, seed=23, players={"Nia": PLANTED["Lefty, Lea"]}))
    assert (
        _run(capsys, "enroll", "--model", str(model_dir), "--games", str(games), "--as", "Nia")[0]
        == 0
    )
    opt_out = tmp_path / "opt-out.txt"
    opt_out.write_text("righty, rob\n")
    args = ["players", "--model", str(model_dir), "--opt-out", str(opt_out), "--json"]
    code, rows = _run(capsys, *args)
    assert code == 0
    assert {row["player"]: row["kind"] for row in rows} == {
        "Lefty, Lea": "trained",
        "Nia": "enrolled",
    }
    assert next(row["games"] for row in rows if row["player"] == "Nia") == 8
