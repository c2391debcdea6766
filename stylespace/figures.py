"""Plotly figures for the app: the style map (WebGL, smooth at 50,000 players), style cards and
candidate rankings. Pure functions of library data, so tests can build them without a browser."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from stylespace.explore import CardRow
from stylespace.fused import evidence_weights
from stylespace.properties import format_value

HIGHLIGHT = "#d62728"
MARKER = "#111111"
ENROLLED = "#ff7f0e"  # players enrolled after training, drawn as diamonds
LABEL_TEXT = "#333333"  # words on the map: markers' and islands' labels


def _hover(row: dict) -> str:
    parts = [f"<b>{row['name']}</b>"]
    if row.get("games"):
        parts.append(f"{row['games']} games")
    if row.get("years"):
        parts.append(str(row["years"]))
    if row.get("mean_elo"):
        parts.append(f"Elo {row['mean_elo']:.0f}")
    if row.get("enrolled"):
        parts.append("enrolled")
    return "<br>".join(parts)


def map_figure(
    rows: Sequence[dict],
    colour_by: str | None = None,
    colour_label: str | None = None,
    highlight: Sequence[str] = (),
    markers: Sequence[tuple[str, float, float]] = (),
    height: int = 620,
    labels: Sequence[tuple[str, float, float]] = (),
) -> go.Figure:
    """All players as one WebGL scatter (customdata = name), enrolled ones as larger orange
    diamonds; highlighted players ringed in red;
    `markers` are extra labelled points (a steered style, an identified author); `labels` are
    words written on the map, centred above (x, y) (what an island of players has most of)."""
    x = np.array([r["x"] for r in rows])
    y = np.array([r["y"] for r in rows])
    values = [r.get(colour_by) if colour_by else None for r in rows]
    coloured = colour_by is not None and any(v is not None for v in values)
    marker: dict = {"size": 7 if len(rows) < 5000 else 4, "opacity": 0.85}
    enrolled = [bool(r.get("enrolled")) for r in rows]
    if any(enrolled):  # enrolled players (a club's, the benchmark's unseen) stand out
        marker["symbol"] = ["diamond" if e else "circle" for e in enrolled]
        marker["size"] = [marker["size"] + 3 if e else marker["size"] for e in enrolled]
    if coloured:
        marker.update(
            color=[np.nan if v is None else v for v in values],
            colorscale="Viridis",
            showscale=True,
            colorbar={"title": {"text": colour_label or colour_by}},
        )
    else:
        marker["color"] = [ENROLLED if e else "#1f77b4" for e in enrolled]
    figure = go.Figure(
        go.Scattergl(
            x=x,
            y=y,
            mode="markers",
            marker=marker,
            customdata=[r["name"] for r in rows],
            hovertext=[_hover(r) for r in rows],
            hoverinfo="text",
            name="players",
        )
    )
    wanted = set(highlight)
    if wanted:
        chosen = [r for r in rows if r["name"] in wanted]
        figure.add_trace(
            go.Scattergl(
                x=[r["x"] for r in chosen],
                y=[r["y"] for r in chosen],
                mode="markers+text",
                text=[r["name"] for r in chosen],
                textposition="top center",
                marker={
                    "size": 13,
                    "color": "rgba(0,0,0,0)",
                    "line": {"width": 2, "color": HIGHLIGHT},
                },
                customdata=[r["name"] for r in chosen],
                hoverinfo="skip",
                name="highlighted",
            )
        )
    for label, mx, my in markers:
        figure.add_trace(
            go.Scatter(
                x=[mx],
                y=[my],
                mode="markers",
                marker={"size": 16, "symbol": "star", "color": MARKER},
                hoverinfo="text",
                hovertext=[label],
                name=label,
            )
        )
        # On a light box below the star, so that the dots under it do not hide the words.
        figure.add_annotation(
            x=mx,
            y=my,
            text=label,
            showarrow=False,
            yanchor="top",
            yshift=-10,
            bgcolor="rgba(255, 255, 255, 0.9)",
            bordercolor=MARKER,
            borderwidth=1,
            font={"color": LABEL_TEXT},
        )
    for text, lx, ly in labels:
        figure.add_annotation(
            x=lx,
            y=ly,
            text=text,
            showarrow=False,
            yanchor="bottom",
            yshift=6,
            font={"size": 14, "color": LABEL_TEXT},
        )
    figure.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 30 if labels else 10, "b": 0},
        showlegend=False,
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x"},
        dragmode="pan",
        clickmode="event+select",
    )
    return figure


def card_figure(rows: Sequence[CardRow]) -> go.Figure:
    """Percentiles of a player's properties against all players, as horizontal bars."""
    figure = go.Figure(
        go.Bar(
            x=[r.percentile for r in rows],
            y=[r.label for r in rows],
            orientation="h",
            text=[format_value(r.prop, r.value) for r in rows],
            textposition="outside",
            hovertext=[r.meaning for r in rows],
            marker={"color": "#1f77b4"},
        )
    )
    figure.add_vline(x=50, line_dash="dot", line_color="#888")
    figure.update_layout(
        height=28 * len(rows) + 60,
        margin={"l": 0, "r": 30, "t": 10, "b": 30},
        xaxis={"range": [0, 105], "title": {"text": "percentile among all players"}},
        yaxis={"autorange": "reversed"},
    )
    return figure


def candidates_figure(candidates: Sequence[dict]) -> go.Figure:
    """Ranked candidates (best at the top) with their scores; a `fused` ranking's bars are split
    into the (weighted) pieces of evidence they add up to."""
    players = [c["player"] for c in candidates]
    if candidates and "evidence" in candidates[0]:
        colours = {
            "style": "#1f77b4",
            "openings": "#ff7f0e",
            "embedding": "#9467bd",
            "deep_lines": "#ff7f0e",
            "structures": "#2ca02c",
        }
        weights = evidence_weights(candidates[0]["evidence"])
        present = candidates[0]["evidence"]  # the pieces this query and model gave
        parts = [(kind, weights[kind], colours[kind]) for kind in weights if kind in present]
        bars = [
            go.Bar(
                x=[weight * (c["evidence"].get(kind) or 0.0) for c in candidates],
                y=players,
                orientation="h",
                name=kind.replace("_", " ") + ("" if weight == 1.0 else f" x {weight:g}"),
                marker={"color": color},
            )
            for kind, weight, color in parts
        ]
        title = "weighted evidence (SDs above average)"
    else:
        colours = ["#2ca02c"] + ["#1f77b4"] * (len(candidates) - 1)
        bars = [
            go.Bar(
                x=[c["score"] for c in candidates],
                y=players,
                orientation="h",
                marker={"color": colours},
            )
        ]
        title = "score"
    figure = go.Figure(bars)
    figure.update_layout(
        barmode="relative",
        height=28 * len(candidates) + 90,
        margin={"l": 0, "r": 10, "t": 10, "b": 30},
        yaxis={"autorange": "reversed"},
        xaxis={"title": {"text": title}},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure
