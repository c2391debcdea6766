"""About: what the model is, what it learned from, how well it does, what it cannot tell."""

import streamlit as st

from stylespace.app_support import atlas, model_dir

explorer = atlas(network=False)
card = model_dir() / "MODEL_CARD.md"
st.title("About stylespace")
st.markdown(
    """
**stylespace** learns how individual people play chess. A network predicts the move a human
plays in a position; a shared set of small adapter "skills" sits inside it, and every player gets
one **style vector** that mixes those skills (Multi-Head Routing, after Omi et al. 2025,
*Generative Modeling of Individual Behavior at Scale*). That vector is what the map lays out,
what the sliders steer and what identification compares. In the first 20 moves a player's
predicted moves also follow their own opening choices from their games, where they stood in the
same position before (the base model follows everybody's); a steered or mixed vector has no
games behind it and gets the network alone.

**What it can tell.** Whose moves a set of games resembles most, among the players the model
knows; which players play alike; which moves a player would likely choose in a position.
Identification weighs how the moves pull the model's style skills and how well each player's
own opening choices predict the games' moves; when the openings are hidden, which pawn
structures the games reach against each player's. On masters the openings carry most of it,
directly or through the structures they lead to (the model card's *style alone* column is the
style model by itself).
Structures only match players known from hundreds of games. Each game of a set can also be
read alone against the first candidate, which points at a game that may not be theirs (a third
of the time it is the least fitting game of twenty, most of the time among the three lowest).
The style map says what its layout
follows: its islands and the properties that neighbours on it share (on the masters, mostly
their first move; hardly their strength).

**What it cannot tell.** It does not know players it was not shown: an unknown author always
gets a ranking, and the top name is then only the nearest known style. The Identify page says
how sure a first place is, from held-out queries of known players and of strangers (the model
card's *How sure* table): a *clear* first place was nearly always right, but some strangers'
games come out *likely*, so even that is not proof. A handful of games
identifies poorly, and so do games whose openings are hidden or new to the model. Games that
leave every known opening at once (an engine, a beginner, a bot) are ranked by the style model
alone, and their first place is judged against masters ranked that way, so it often stays
*uncertain* even when it is right. Games the model was built from (a famous game, a
master's games from a public database) are read as new ones: what its tables counted of them is
taken out before they are weighed, and the page says so; its network still learned from them,
so on such games it may look a little better than it is. Similar style
is not proof of identity: never use a ranking alone to accuse anyone of anything (fair-play
decisions need far more evidence).
"""
)
st.subheader("This model")
metrics = explorer.metrics
st.write(f"{len(explorer.names())} players shown; trained with preset `{explorer.preset or '?'}`.")
if card.exists():
    with st.expander("Model card (data, commands, measured figures)", expanded=True):
        st.markdown(card.read_text(encoding="utf-8"))
elif metrics:
    st.json(metrics.get("final", {}))
st.subheader("Privacy and opt-out")
st.markdown(
    """
Style models can identify people. stylespace learns only from public games. Any player can ask
not to be modelled: their name goes on the opt-out list (`data/opt-out.txt`, or the file in
`$STYLESPACE_OPT_OUT`), which ingest, training, enrolment and this app honour: an opted-out
player is not shown, not searchable, never offered as a candidate and never enrolled, under their
own name or another. To opt out, open an issue on the
project's repository with the name as it appears in your games. A player enrolled into a model
(`stylespace enroll`) is removed from it, with every number it kept of them, by
`stylespace unenroll --model DIR NAME`; players enrolled on the Identify page are kept for that
browser session only.
"""
)
