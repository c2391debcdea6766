"""stylespace: explore how individual chess players play. Run: `streamlit run app.py`."""

import streamlit as st

from stylespace.app_support import mark_entered

st.set_page_config(page_title="stylespace", page_icon="♞", layout="wide")
navigation = st.navigation(
    [
        st.Page("pages/map.py", title="Style map", icon=":material/map:", default=True),
        st.Page("pages/player.py", title="Player", icon=":material/person:"),
        st.Page("pages/steer.py", title="Steer", icon=":material/tune:"),
        st.Page("pages/identify.py", title="Identify", icon=":material/search:"),
        st.Page("pages/about.py", title="About", icon=":material/info:"),
    ]
)
mark_entered()
navigation.run()
