"""Player: style card, nearest players, and the moves the model predicts in this style."""

from functools import partial

import chess
import streamlit as st

from stylespace.app_support import (
    atlas,
    friendly_errors,
    open_selected_player,
    pick_player,
    remember_player,
)
from stylespace.careers import STRAY_GAP
from stylespace.figures import card_figure
from stylespace.map_reading import place_text
from stylespace.player_facts import PROPERTY_MIN_GAMES
from stylespace.rendering import board_png
from stylespace.typed_moves import line_from_text

explorer = atlas()
names = explorer.names()
st.title("Player")
PICKER = "player_pick"
name = pick_player(names, "Player", key=PICKER)
remember_player(name)
facts = explorer.player(name)
years = sorted({facts.get("first_year"), facts.get("last_year")} - {None})
summary = [f"{facts['games']} games" if facts.get("games") else None, "-".join(years) or None]
if facts.get("mean_elo"):
    summary.append(f"mean Elo {facts['mean_elo']:.0f}")
if facts.get("enrolled"):
    summary.append("enrolled from uploaded games" if facts.get("session") else "enrolled")
if said := " · ".join(str(part) for part in summary if part):
    st.caption(said)
if facts.get("stray_games"):
    st.caption(
        f"The years leave out {facts['stray_games']} of the games, dated over {STRAY_GAP} "
        "years from all the others: misdated, or another player's under the same name."
    )
if where := place_text(explorer.map_reading, *explorer.place_of(name)):
    st.caption(where + ".")

card, neighbours = st.columns([3, 2])
with card:
    st.subheader("Style card")
    rows = explorer.style_card(name)
    if rows:
        st.plotly_chart(card_figure(rows), key="style_card", config={"displayModeBar": False})
        st.caption("Bars: percentile among all players; numbers: the player's own value.")
    else:
        st.info(
            f"No measured properties for this player: they are measured from {PROPERTY_MIN_GAMES} "
            "games on, and the model knows fewer of theirs."
        )
with neighbours:
    st.subheader("Plays most like")
    similar = explorer.like(name)
    shown = f"neighbours_{name}"  # a new table for each player: no stale selection
    st.dataframe(
        [{"player": other, "similarity": score} for other, score in similar],
        hide_index=True,
        key=shown,
        column_config={
            "similarity": st.column_config.ProgressColumn(
                "similarity", format="%.2f", min_value=0.0, max_value=1.0
            )
        },
        on_select=partial(open_selected_player, shown, [other for other, _ in similar], PICKER),
        selection_mode="single-row",
    )
    st.caption("Cosine of the style vectors. Select a row to open that player.")

st.subheader("Predicted moves")
source = st.radio("Position", ["Start position", "FEN", "Moves"], horizontal=True, key="source")
board = chess.Board()
with friendly_errors("Reading the position"):
    if source == "FEN":
        fen = st.text_input("FEN", chess.STARTING_FEN, key="fen")
        board = chess.Board(fen)
        if not board.is_valid():
            st.warning("This position is not legal in chess; predictions may mean little.")
    elif source == "Moves":
        text = st.text_area("Moves from the start", "1. e4 e5 2. Nf3 Nc6 3. Bb5", key="moves")
        line = line_from_text(text)
        ply = st.slider("After ply", 0, len(line), len(line), key="ply") if line else 0
        for move in line[:ply]:
            board.push(move)
extra: list[str] = st.session_state.setdefault("extra_moves", [])
for uci in list(extra):
    if chess.Move.from_uci(uci) in board.legal_moves:
        board.push_uci(uci)
    else:
        extra.clear()
        break

others = ["base model", *(n for n in names if n != name)]
compare = st.selectbox("Compare with", others, key="compare")
mine = explorer.predictions(board, name)
theirs = explorer.predictions(board, None if compare == "base model" else compare)
left, right = st.columns(2)
for column, title, moves, colour in (
    (left, name, mine, "#15781b"),
    (right, compare, theirs, "#1f4e9c"),
):
    with column:
        st.markdown(f"**{title}**")
        arrows = [(m.uci, m.probability) for m in moves]
        st.image(board_png(board, arrows, size=360, colour=colour), width=360)
        st.dataframe(
            [{"move": m.san, "probability": f"{m.probability:.1%}"} for m in moves],
            hide_index=True,
            key=f"moves_{column is left}",
        )
st.caption(
    "In the first 20 moves the predictions follow the opening books where they have this "
    "position: the moves the player chose here before (for the base model, everybody's), "
    "weighed against the network; after that, the network in the player's style."
)
if board.is_game_over():
    st.info(f"The game is over: {board.result(claim_draw=True)}.")
else:
    st.caption(f"Play one of {name}'s predicted moves on the board:")
    buttons = st.columns(len(mine) + 2)
    for column, move in zip(buttons, mine, strict=False):
        if column.button(move.san, key=f"play_{move.uci}"):
            extra.append(move.uci)
            st.rerun()
    if buttons[-2].button("Undo", key="undo", disabled=not extra):
        extra.pop()
        st.rerun()
    if buttons[-1].button("Play on in this style", key="play_on"):
        with st.spinner("Playing the rest of the game ..."):
            finished = explorer.play_on(board, name)
        st.session_state["played"] = (name, board.fen(), finished)
played = st.session_state.get("played")
if played and played[0] == name:
    finished = played[2]
    st.markdown(f"**The game continued in {name}'s style** ({finished.result(claim_draw=True)})")
    st.image(board_png(finished, size=360), width=360)
    st.code(finished.root().variation_san(finished.move_stack), language=None)
