"""stylespace: explore how individual chess players play. Run: `streamlit run app.py`."""

import streamlit as st

st.set_page_config(page_title="stylespace", page_icon="♞", layout="wide")
navigation = st.navigation(
    [
        st.Page("pages/map.py", title="Style map", icon="🗺️", default=True),
        st.Page("pages/player.py", title="Player", icon="♟️"),
        st.Page("pages/steer.py", title="Steer", icon="🎚️"),
        st.Page("pages/identify.py", title="Identify", icon="🔎"),
        st.Page("pages/about.py", title="About", icon="📖"),
    ]
)
navigation.run()
