"""Identify: who, among the model's players, most likely played a set of uploaded games."""

import json

import streamlit as st

from stylespace.aliases import same_person_note
from stylespace.app_support import atlas
from stylespace.authors import StylometryError
from stylespace.confidence import confidence_line
from stylespace.explore import evidence_rows
from stylespace.figures import candidates_figure, map_figure
from stylespace.fused import (
    WEIGHTS_OPENINGS_HIDDEN,
    WEIGHTS_WITH_OPENINGS,
    public_result,
    weighted_sum,
)
from stylespace.game_files import UnreadableGames, read_uploaded_games
from stylespace.game_fit import FIT_READING, fit_rows
from stylespace.map_reading import place_text
from stylespace.positions import common_players, players_by_games

explorer = atlas()
st.title("Identify")
st.caption(
    "Upload games that one person played (PGN, plain or .gz/.zst). The model compares how that "
    "person's moves pull its shared style skills (their style fingerprint) and which openings "
    "they choose with every player's. This works for players the model knows; a stranger will "
    "still get a ranking, so read how sure the first place is, not just the name. "
    + (explorer.identification_record() or "")
)
uploads = st.file_uploader(
    "PGN files", type=["pgn", "gz", "zst"], accept_multiple_files=True, key="uploads"
)
if not uploads:
    st.stop()
try:
    found = read_uploaded_games([(u.name, u.getvalue()) for u in uploads])
except UnreadableGames as error:
    st.error(f"These files cannot be used: {error}")
    st.stop()
st.caption(f"{len(found.games)} games read{found.rejections()}")
for name, why in found.incomplete.items():
    st.warning(f"{name}: {why}.")
if found.limit:
    st.warning(f"{found.limit_note().capitalize()}.")

common = common_players(found.games)
if len(common) == 1:
    author = common[0]
    st.write(f"The author is taken to be **{author}**, who plays in every game.")
else:
    if not common:
        st.warning("No one plays in every game: choose whose moves to look at.")
    games_of = dict(players_by_games(found.games))
    author = st.selectbox(
        "Whose moves are these?",
        common or list(games_of),
        key="author",
        format_func=lambda name: f"{name} ({games_of[name]} of {len(found.games)} games)",
    )

left_out = st.slider(
    "Leave out each game's first moves",
    0,
    30,
    0,
    key="left_out",
    help="15 hides the openings: then the style model, the deep lines and the pawn structures "
    "have to tell who played, as when someone's games are shown from the middlegame on.",
)
if st.button("Identify", type="primary", key="identify"):
    with st.spinner("Comparing the author's moves and openings with every player's ..."):
        try:
            st.session_state["identified"] = explorer.identify(
                found.games, author=author, from_ply=2 * left_out
            )
        except StylometryError as error:
            st.error(str(error))
            st.stop()
result = st.session_state.get("identified")
if not result or result["author"] != author or result["from_ply"] != 2 * left_out:
    st.stop()

counted = f" from move {left_out + 1} on" if left_out else ""
st.success(
    f"{result['games_used']} games, {result['positions']} moves by {result['author']}{counted}, "
    f"in {result['seconds']:.1f} s. Most similar style: **{result['candidates'][0]['player']}**."
)
if result.get("known_games_note"):
    st.warning(f"Known games: {result['known_games_note']}.")
assessed = result.get("confidence")
if assessed and assessed["verdict"] == "uncertain":
    st.warning(
        f"How sure: {confidence_line(assessed)} The author may well be someone this model does "
        "not know."
    )
elif assessed:
    st.info(f"How sure: {confidence_line(assessed)}")
if result.get("openings_note"):
    st.info(f"Openings: {result['openings_note']}.")
if same_person := same_person_note(result.get("same_person", [])):
    st.info(f"Names: {same_person}.")
chart, places = st.columns(2)
with chart:
    st.plotly_chart(candidates_figure(result["candidates"]), key="candidates")
with places:
    top = [c["player"] for c in result["candidates"]]
    x, y = result["place"]
    st.plotly_chart(
        map_figure(explorer.table(), highlight=top[:5], markers=[("uploaded games", x, y)]),
        key="identify_map",
    )
    if where := place_text(explorer.map_reading, x, y):
        st.caption(f"The uploaded games (the star). {where}.")
if "evidence" in result["candidates"][0]:
    st.caption(
        f"Score = {weighted_sum(WEIGHTS_WITH_OPENINGS)}, each in standard deviations above the "
        "average player. Style: how the moves pull the model's style skills, compared with each "
        "player's pull. Openings: how much better each player's own choices in the same "
        "positions (first 12 moves) predict the games' moves than everybody's do. Embedding: "
        "how close the games lie to each player's in a space learned to tell players apart "
        "by their lines and pawn structures, where related lines lie close. When the "
        "games hide their openings, the score becomes "
        f"{weighted_sum(WEIGHTS_OPENINGS_HIDDEN)}: deep lines do the same for moves 13 to 20, "
        "structures the pawn structures of the positions from move 11 on (they need "
        "hundreds of a player's games to match well). Blank: the games give none."
    )
    st.dataframe(evidence_rows(result["candidates"]), hide_index=True)
if result.get("game_fits"):
    st.subheader("Game by game")
    reading = FIT_READING.format(candidate=result["candidates"][0]["player"])
    if assessed and assessed["verdict"] == "uncertain":
        reading += " The first place is uncertain here, so these are fits to that player only."
    st.caption(reading)
    st.dataframe(fit_rows(result["game_fits"]), hide_index=True)
st.download_button(
    "Download this ranking (JSON, as `stylespace identify --json` prints it)",
    json.dumps(public_result(result), ensure_ascii=False, indent=1),
    file_name=f"identify-{result['author']}.json",
    mime="application/json",
    key="download",
)
label = st.text_input("Enrol these games as a new player named", author, key="enrol_label")
if st.button("Enrol for this session", key="enrol"):
    if refusal := explorer.enrolment_refusal(author, label):
        st.error(refusal)
    else:
        st.session_state["enrolled"][label] = explorer.enrolment(found.games, result)
        st.success(f"{label} is on the map and on the other pages until this browser tab closes.")
