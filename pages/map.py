"""Style map: every player placed by style vector; colour, search, click to open a player."""

import streamlit as st

from stylespace.app_support import MAP_DRAWING_SECONDS, atlas, remember_player
from stylespace.figures import map_figure
from stylespace.map_reading import island_title, islands_text, sorted_by_text

st.title("Style map")
st.caption(
    "Each dot is a player; players who play alike sit close together. The layout comes from "
    "the players' style vectors (UMAP), so the axes have no meaning of their own."
)
explorer = atlas(network=False)
rows = explorer.table()
colourings = explorer.colourings(rows)
reading = explorer.map_reading

left, middle, right = st.columns([2, 2, 1])
colour_by = left.selectbox(
    "Colour by",
    [None, *colourings],
    format_func=lambda key: "nothing" if key is None else colourings[key],
    key="map_colour",
)
query = middle.text_input("Find a player", key="map_search", placeholder="e.g. Tal")
like_count = right.number_input("Players like them", 0, 30, 8, key="map_like")

highlight: list[str] = []
if query:
    found = explorer.find(query)
    if not found:
        st.info(f"No player's name contains {query!r}.")
    else:
        chosen = st.selectbox("Matching players", found, key="map_found")
        highlight = [chosen] + [name for name, _ in explorer.like(chosen, top=int(like_count))]
        st.caption(f"{chosen} and the {len(highlight) - 1} players whose style is nearest.")
        if st.button(f"Open {chosen}", key="map_open"):
            remember_player(chosen)
            st.switch_page("pages/player.py")

event = st.plotly_chart(
    map_figure(
        rows,
        colour_by,
        colourings.get(colour_by or ""),
        highlight,
        labels=[(island_title(i), i.centre[0], i.top) for i in reading.islands],
    ),
    key="style_map",
    on_select="rerun",
    selection_mode="points",
    config={"scrollZoom": True},
)
points = event.selection.points if event and event.selection else []
if points:
    name = points[0].get("customdata")
    if isinstance(name, list):
        name = name[0]
    if name:
        remember_player(name)
        st.switch_page("pages/player.py")
enrolled = sum(bool(r.get("enrolled")) for r in rows)
placed = (
    f" Diamonds: {enrolled} enrolled after training, placed beside the players most like them."
    if enrolled
    else ""
)
st.caption(f"{len(rows)} players. Click a dot to open that player.{placed}")
st.subheader("What the layout follows")
st.markdown(islands_text(reading))
st.markdown(sorted_by_text(reading) + " Colour the map by a property to see where it lies.")
explorer.load_network_in_background(after=MAP_DRAWING_SECONDS)  # for the other pages
