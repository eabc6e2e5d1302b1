"""Plotly figures for the dashboards, made from the DataFrames the query modules return
(``analytics.ikm_read``, ``comment_read``, ``complaint_trends``).

Pure functions: a frame (and the words to show) in, a ``go.Figure`` out; no Flask, no
database. A page embeds ``figure_json(fig)`` in a data- attribute and static/js/analytics.js
draws it with the plotly.js served from static (the CSP forbids inline scripts, so
``fig.to_html`` is not used). Values go in as plain lists so the JSON stays readable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from analytics.ikm import CATEGORIES

# Category colours keep WCAG AA contrast against white; the letter is always printed too,
# so colour is never the only signal.
CATEGORY_COLOURS = {"A": "#1d6b35", "B": "#0b5cad", "C": "#8a5300", "D": "#b00020"}
# Okabe–Ito (distinguishable with the common colour-vision deficiencies), then four of
# Paul Tol's, so the eleven complaint categories never share a colour.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#F0E442", "#882255", "#44AA99", "#999933", "#332288")
# Answer 1 (worst) … 4 (best), as on the survey's four faces.
ANSWER_COLOURS = ("#b00020", "#e69f00", "#56b4e9", "#1d6b35")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
SCALE_MIN, SCALE_MAX = 25, 100


@dataclass(frozen=True)
class Words:
    """Everything a chart prints, so the caller can translate it (Bahasa Indonesia first)."""

    empty: str = "Belum ada data pada periode ini"
    ikm_axis: str = "IKM (25–100)"
    period_axis: str = "Periode"
    respondents: str = "responden"
    answers: str = "jawaban"
    complaints: str = "pengaduan"
    category: str = "Mutu"
    share: str = "bagian dari komentar"
    decimal: str = ","
    thousands: str = "."


def figure_json(figure: go.Figure) -> str:
    return figure.to_json()


def _layout(figure: go.Figure, words: Words, *, height: int, legend: bool = True) -> go.Figure:
    figure.update_layout(
        template="none",
        height=height,
        margin={"l": 10, "r": 20, "t": 20, "b": 10},
        font={"family": FONT, "size": 13, "color": "#1b1f24"},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        separators=f"{words.decimal}{words.thousands}",
        showlegend=legend,
        legend={"orientation": "h", "y": -0.18, "x": 0, "yanchor": "top"},
        hoverlabel={"font": {"family": FONT}},
    )
    figure.update_xaxes(automargin=True, gridcolor="#e3e7ec", zeroline=False)
    figure.update_yaxes(automargin=True, gridcolor="#e3e7ec", zeroline=False)
    return figure


def _empty(words: Words, height: int = 220) -> go.Figure:
    figure = _layout(go.Figure(), words, height=height, legend=False)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.add_annotation(text=words.empty, showarrow=False, x=0.5, y=0.5, xref="paper",
                          yref="paper", font={"size": 15, "color": "#4a5360"})
    return figure


def _category_lines(figure: go.Figure, words: Words, axis: str) -> None:
    """The SKM thresholds (88.31 A, 76.61 B, 65.00 C) as dotted reference lines.

    Plain shapes and annotations set in one update: ``add_hline`` validates so much that
    three lines cost more than the rest of a chart."""
    shapes, notes = [], []
    for category in CATEGORIES[:-1]:
        value = float(category.lower)
        colour = CATEGORY_COLOURS[category.letter]
        text = f"{category.letter} ≥ {category.lower}".replace(".", words.decimal)
        line = {"color": colour, "width": 1, "dash": "dot"}
        font = {"size": 11, "color": colour}
        if axis == "y":
            shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                           "y0": value, "y1": value, "line": line})
            notes.append({"xref": "paper", "x": 0, "yref": "y", "y": value, "text": text,
                          "showarrow": False, "xanchor": "left", "yanchor": "bottom",
                          "font": font})
        else:
            shapes.append({"type": "line", "yref": "paper", "y0": 0, "y1": 1, "xref": "x",
                           "x0": value, "x1": value, "line": line})
            notes.append({"yref": "paper", "y": 1, "xref": "x", "x": value, "text": text,
                          "showarrow": False, "xanchor": "center", "yanchor": "bottom",
                          "font": font})
    figure.update_layout(shapes=shapes, annotations=notes)


def ikm_trend(series: pd.DataFrame, words: Words = Words()) -> go.Figure:
    """The converted IKM over time, one line per unit, with the category thresholds.

    ``series``: ``ikm_read.ikm_series`` (unit_name, period_start, ikm_converted, respondents)."""
    series = series.dropna(subset=["ikm_converted"])
    if series.empty:
        return _empty(words, 320)
    figure = go.Figure()
    for index, (name, rows) in enumerate(series.groupby("unit_name", sort=True)):
        rows = rows.sort_values("period_start")
        figure.add_trace(go.Scatter(
            x=[d.isoformat() for d in rows["period_start"]],
            y=rows["ikm_converted"].astype(float).tolist(),
            customdata=rows["respondents"].astype(int).tolist(),
            name=_plain(str(name)),
            mode="lines+markers",
            line={"color": PALETTE[index % len(PALETTE)], "width": 2},
            hovertemplate=f"%{{x|%d %b %Y}}<br>%{{y:.2f}} · %{{customdata}} {words.respondents}"
                          f"<extra>{_escape_hover(str(name))}</extra>",
        ))
    low = min(float(series["ikm_converted"].min()) - 5, 60)
    figure.update_yaxes(range=[max(SCALE_MIN, low), SCALE_MAX], title_text=words.ikm_axis)
    figure.update_xaxes(type="date", title_text=None)
    _category_lines(figure, words, "y")
    return _layout(figure, words, height=340)


def element_bars(elements: pd.DataFrame, words: Words = Words()) -> go.Figure:
    """The nine elements side by side on the 25–100 scale (NRR × 25), weakest first.

    ``elements``: code, name, converted, category, answers (e.g. from an ``IkmResult``)."""
    if elements.empty:
        return _empty(words, 320)
    rows = elements.assign(converted=elements["converted"].astype(float)).sort_values(
        ["converted", "code"], kind="stable")
    labels = [_plain(f"{code} · {name}")
              for code, name in zip(rows["code"], rows["name"], strict=True)]
    values = rows["converted"].tolist()
    figure = go.Figure(go.Bar(
        x=values,
        y=labels,
        orientation="h",
        marker={"color": [CATEGORY_COLOURS.get(c, "#4a5360") for c in rows["category"]]},
        text=[f"{v:.2f}".replace(".", words.decimal) + f" ({c})"
              for v, c in zip(values, rows["category"], strict=True)],
        textposition="outside",
        cliponaxis=False,
        customdata=rows["answers"].astype(int).tolist(),
        hovertemplate=f"%{{y}}<br>%{{x:.2f}} · %{{customdata}} {words.answers}<extra></extra>",
    ))
    figure.update_xaxes(range=[SCALE_MIN, SCALE_MAX + 8], title_text=words.ikm_axis)
    # Weakest at the top: where follow-up starts.
    figure.update_yaxes(autorange="reversed")
    _category_lines(figure, words, "x")
    return _layout(figure, words, height=60 + 36 * len(rows), legend=False)


def complaint_trend(counts: pd.DataFrame, category_labels: Mapping[str, str],
                    words: Words = Words()) -> go.Figure:
    """Complaints per period, stacked by category. ``counts``: ``services.complaint_counts``."""
    if counts.empty:
        return _empty(words, 300)
    totals = counts.groupby(["period_start", "category"], as_index=False)["count"].sum()
    figure = go.Figure()
    for category in _ordered(totals["category"], category_labels):
        rows = totals[totals["category"] == category].sort_values("period_start")
        label = category_labels.get(category, category)
        figure.add_trace(go.Bar(
            x=[d.isoformat() for d in rows["period_start"]],
            y=rows["count"].astype(int).tolist(),
            name=_plain(label),
            marker={"color": _category_colour(category, category_labels)},
            hovertemplate=f"%{{x|%d %b %Y}}<br>%{{y}} {words.complaints}"
                          f"<extra>{_escape_hover(label)}</extra>",
        ))
    figure.update_layout(barmode="stack")
    figure.update_xaxes(type="date")
    figure.update_yaxes(title_text=words.complaints, rangemode="tozero")
    return _layout(figure, words, height=320)


def topic_shares(topics: pd.DataFrame, labels: Mapping[str, str],
                 words: Words = Words()) -> go.Figure:
    """Share of comments with each topic, by week, over the units given
    (``services.comment_topics`` rows of one kind)."""
    if topics.empty:
        return _empty(words, 300)
    totals = topics.drop_duplicates(["unit_id", "week"]).groupby("week")["total"].sum()
    counts = topics.groupby(["week", "topic"], as_index=False)["count"].sum()
    figure = go.Figure()
    for i, topic in enumerate(t for t in labels if t in set(counts["topic"])):
        rows = counts[counts["topic"] == topic].sort_values("week")
        label = labels.get(topic, topic)
        shares = [round(100 * n / totals[w], 1) for w, n in zip(rows["week"], rows["count"],
                                                                  strict=True)]
        figure.add_trace(go.Scatter(
            x=[d.isoformat() for d in rows["week"]], y=shares, mode="lines+markers",
            name=_plain(label), line={"color": PALETTE[i % len(PALETTE)]},
            hovertemplate=f"%{{x|%d %b %Y}}<br>%{{y}}% {words.share}"
                          f"<extra>{_escape_hover(label)}</extra>",
        ))
    figure.update_xaxes(type="date")
    figure.update_yaxes(title_text=f"% {words.share}", rangemode="tozero", ticksuffix="%")
    return _layout(figure, words, height=300)


def complaints_by_unit(counts: pd.DataFrame, unit_names: Mapping[int, str],
                       category_labels: Mapping[str, str], words: Words = Words()) -> go.Figure:
    """Complaints of the period per unit, stacked by category (horizontal bars)."""
    if counts.empty:
        return _empty(words, 220)
    totals = counts.groupby(["unit_id", "category"], as_index=False)["count"].sum()
    units = (totals.groupby("unit_id")["count"].sum().sort_values(ascending=False).index.tolist())
    names = [_plain(unit_names.get(u, str(u))) for u in units]
    figure = go.Figure()
    categories = _ordered(totals["category"], category_labels)
    for category in categories:
        rows = totals[totals["category"] == category].set_index("unit_id")["count"]
        label = category_labels.get(category, category)
        figure.add_trace(go.Bar(
            y=names,
            x=[int(rows.get(u, 0)) for u in units],
            orientation="h",
            name=_plain(label),
            marker={"color": _category_colour(category, category_labels)},
            hovertemplate=f"%{{y}}<br>%{{x}} {words.complaints}"
                          f"<extra>{_escape_hover(label)}</extra>",
        ))
    figure.update_layout(barmode="stack")
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title_text=words.complaints, rangemode="tozero")
    # Room for the bars and for the legend below them (two categories a line).
    return _layout(figure, words, height=110 + 40 * len(units) + 24 * ((len(categories) + 1) // 2))


def answer_distribution(distribution: Mapping[str, Sequence[int]],
                        element_names: Mapping[str, str], answer_labels: Sequence[str],
                        words: Words = Words()) -> go.Figure:
    """How the answers 1–4 spread over each element (a 100 % stacked bar per element)."""
    codes = [c for c in distribution if sum(distribution[c])]
    if not codes:
        return _empty(words, 200)
    labels = [_plain(f"{c} · {element_names.get(c, c)}") for c in codes]
    figure = go.Figure()
    for answer in range(4):
        counts = [int(distribution[c][answer]) for c in codes]
        shares = [100 * n / sum(distribution[c]) for n, c in zip(counts, codes, strict=True)]
        figure.add_trace(go.Bar(
            y=labels,
            x=shares,
            orientation="h",
            name=_plain(f"{answer + 1} · {answer_labels[answer]}"),
            marker={"color": ANSWER_COLOURS[answer]},
            customdata=counts,
            # A count printed only where its bar is wide enough to hold it upright.
            text=[str(n) if share >= 6 else "" for n, share in zip(counts, shares, strict=True)],
            textposition="inside",
            insidetextanchor="middle",
            textangle=0,
            hovertemplate=f"%{{y}}<br>%{{customdata}} {words.answers} (%{{x:.0f}}%)"
                          f"<extra>{answer + 1}</extra>",
        ))
    figure.update_layout(barmode="stack", legend_traceorder="normal")
    figure.update_xaxes(range=[0, 100], ticksuffix="%")
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, words, height=150 + 44 * len(codes))


def _category_colour(category: str, labels: Mapping[str, str]) -> str:
    """The same colour for a category in every chart (its place in the category list)."""
    order = list(labels)
    index = order.index(category) if category in order else len(order)
    return PALETTE[index % len(PALETTE)]


def _ordered(categories: pd.Series, labels: Mapping[str, str]) -> list[str]:
    """Categories in the order the labels define (the complaint list's order), others last."""
    present = set(categories)
    known = [c for c in labels if c in present]
    return known + sorted(present - set(known))


def _plain(text: str) -> str:
    # plotly.js reads a little HTML in names and labels (<b>, <a href>…): a unit's name
    # is shown as written, never as markup.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_hover(text: str) -> str:
    # Hover templates also read %{…} as a placeholder.
    return _plain(text).replace("%{", "%&#123;")
