"""Steer: move a player's style along a property with sliders, or mix two players."""

import chess
import streamlit as st

from stylespace.app_support import atlas, friendly_errors, pick_player
from stylespace.figures import map_figure
from stylespace.rendering import board_png

explorer = atlas()
names = explorer.names()
rows = explorer.table()
st.title("Steer")
st.caption(
    "A style vector can be pushed toward a property (along the mean style of the players "
    "highest in it minus the mean of all, or along a linear probe of the property: whichever "
    "the steering benchmark found to move it farther), or mixed with another player's. Only "
    "properties whose steering was checked to move the model's moves the intended way are "
    "offered, each slider as far as the property kept rising while the other moves changed "
    "little."
)
mode = st.radio("Mode", ["Steer a player", "Mix two players"], horizontal=True, key="steer_mode")
fen = st.text_input("Position (FEN)", chess.STARTING_FEN, key="steer_fen")
board = chess.Board()
with friendly_errors("Reading the position"):
    board = chess.Board(fen)


def show(label: str, start, vector) -> None:
    """Board, predicted moves, measured shift and the map marker for a steered vector."""
    board_column, map_column = st.columns([1, 1])
    with board_column:
        moves = explorer.predictions(board, vector)
        st.image(board_png(board, [(m.uci, m.probability) for m in moves], size=340), width=340)
        st.dataframe(
            [{"move": m.san, "probability": f"{m.probability:.1%}"} for m in moves],
            hide_index=True,
            key="steered_moves",
        )
        st.caption(
            "A steered or mixed vector has no games behind it: these moves come from the "
            "network alone, without the opening books the Player page uses."
        )
    with map_column:
        x, y = explorer.place(vector)
        st.plotly_chart(map_figure(rows, markers=[(label, x, y)], height=380), key="steer_map")
        shift = explorer.proxy_shift(start, vector)
        if shift:
            st.markdown("**Measured on probe positions** (share of the model's move choices)")
            st.dataframe(
                [
                    {
                        "property": explorer.steerable().get(prop, prop),
                        "before": f"{old:.1%}",
                        "now": f"{new:.1%}",
                        "change": f"{new - old:+.1%}",
                    }
                    for prop, (old, new) in shift.items()
                ],
                hide_index=True,
                key="shift",
            )


if mode == "Steer a player":
    name = pick_player(names, "Player", key="steer_player")
    steerable = explorer.steerable()
    if not steerable:
        st.info("No property passed the steering benchmark for this model, so none is offered.")

    weak = explorer.weakly_steerable()
    if weak:
        st.caption(
            f"Weak: {', '.join(weak)} move by under one point over the whole slider. The "
            "steering is real (it passed the benchmark) but small: away from the first move, "
            "this model's moves depend little on the style vector. Each slider's help says how "
            "far it goes."
        )

    @st.fragment
    def sliders() -> None:
        strengths = {
            prop: st.slider(
                label,
                -1.0,
                1.0,
                0.0,
                0.25,
                key=f"strength_{prop}",
                help=explorer.slider_help(prop),
            )
            for prop, label in steerable.items()
        }
        start = explorer.model.style_vector(name)
        show(f"{name} (steered)", start, explorer.steered(name, strengths))

    sliders()
else:
    if record := explorer.mixing_record():
        st.caption(record)
    first_column, second_column = st.columns(2)
    with first_column:
        first = pick_player(names, "From", key="mix_first")
    with second_column:
        second = st.selectbox("To", [n for n in names if n != first], key="mix_second")

    @st.fragment
    def mixer() -> None:
        weight = st.slider(f"Share of {second}", 0.0, 1.0, 0.5, 0.1, key="mix_weight")
        start = explorer.model.style_vector(first)
        show(
            f"{1 - weight:.0%} {first} + {weight:.0%} {second}",
            start,
            explorer.mixed(first, second, weight),
        )

    mixer()
