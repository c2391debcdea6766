"""The thin layer between Streamlit and the library: caching, session state, error messages.

The app shows the model in `$STYLESPACE_MODEL` (default `models/demo`). The loaded `Atlas` is
shared by every visitor (`st.cache_resource`); players a visitor enrols live in that visitor's
session only, on a copy.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from stylespace.explore import Atlas, AtlasError

DEFAULT_MODEL_DIR = Path("models") / "demo"
# The map page loads the network for the other pages this long after it has run: Chromium
# takes 2.5 s to draw the map's plotly chart on the slow 2-core machine, and a load beside it
# slowed the map from 5.2 to 6.8-7.5 s there (`bench/results/app-first-page.md`)
MAP_DRAWING_SECONDS = 2.5


def model_dir() -> Path:
    return Path(os.environ.get("STYLESPACE_MODEL") or DEFAULT_MODEL_DIR)


@st.cache_resource(show_spinner="Loading the style model ...")
def shared_atlas(directory: str) -> Atlas:
    return Atlas.load(directory)


ENTERED = "_entered_through_app"


def mark_entered() -> None:
    """Called by `app.py` before it runs the chosen page: this session came in through it."""
    st.session_state[ENTERED] = True


def atlas(network: bool = True) -> Atlas:
    """This session's atlas (the shared one plus the session's enrolments); stops the page
    with an explanation when the model cannot be loaded. Without `network` (the map page) the
    network is not waited for: the player table is all that page reads.

    A page opened by its address on a server that has not run `app.py` yet is run on its own:
    Streamlit reads the `pages/` folder until `st.navigation` is first called, so the page would
    come without the app's menu and layout. Such a session is sent through `app.py` first."""
    if not st.session_state.get(ENTERED):
        st.switch_page("app.py")
    try:
        base = shared_atlas(str(model_dir()))
        if network:
            base.load_network()  # here, where a failure can be explained
    except AtlasError as error:
        st.error(f"The style model cannot be shown: {error}")
        st.stop()
    enrolled: dict[str, dict] = st.session_state.setdefault("enrolled", {})
    key = tuple(sorted(enrolled))
    cached = st.session_state.get("_session_atlas")
    if cached is None or cached[0] != key or cached[1] is not base:
        st.session_state["_session_atlas"] = (key, base, base.with_enrolled(enrolled))
    return st.session_state["_session_atlas"][2]


def remember_player(name: str) -> None:
    st.session_state["player"] = name


def pick_player(names: list[str], label: str, key: str, default: str | None = None) -> str:
    """A searchable player picker that starts on the player chosen last (any page)."""
    wanted = default or st.session_state.get("player")
    index = names.index(wanted) if wanted in names else 0
    return st.selectbox(label, names, index=index, key=key)


def open_selected_player(table_key: str, names: list[str], picker_key: str) -> None:
    """A table's selected row becomes the player picker's choice. Meant as the table's
    `on_select` callback: callbacks run before the page draws its picker again."""
    rows = st.session_state[table_key].selection.rows
    if rows and rows[0] < len(names):
        st.session_state[picker_key] = names[rows[0]]


@contextmanager
def friendly_errors(what: str) -> Iterator[None]:
    """Turn any failure inside into a message on the page, never a traceback."""
    try:
        yield
    except Exception as error:
        st.error(f"{what} failed: {error}")
