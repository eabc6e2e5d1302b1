"""Dashboard figures (pure functions of frames), period presets, and the vendored plotly.js
that lets the charts draw offline and under the CSP."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from analytics import charts, vendor
from analytics.dashboard import choose_period, frequency, preset_period
from analytics.periods import Period, PeriodError


def elements(*rows):
    return pd.DataFrame.from_records(
        [{"code": c, "name": n, "converted": v, "category": k, "answers": 10}
         for c, n, v, k in rows], columns=["code", "name", "converted", "category", "answers"])


def test_the_elements_chart_puts_the_weakest_first_with_the_category_thresholds():
    figure = charts.element_bars(elements(("U4", "Biaya/Tarif", 94.26, "A"),
                                          ("U3", "Waktu Penyelesaian", 73.67, "C"),
                                          ("U9", "Sarana dan Prasarana", 75.16, "C")))
    [bars] = figure.data
    assert list(bars.y) == ["U3 · Waktu Penyelesaian", "U9 · Sarana dan Prasarana",
                            "U4 · Biaya/Tarif"]
    assert list(bars.x) == [73.67, 75.16, 94.26]
    assert figure.layout.yaxis.autorange == "reversed"  # first row drawn at the top
    assert bars.marker.color[0] == charts.CATEGORY_COLOURS["C"]
    assert sorted(shape.x0 for shape in figure.layout.shapes) == [65.0, 76.61, 88.31]
    assert bars.text[0] == "73,67 (C)"


def test_the_ikm_trend_draws_one_line_per_unit_and_the_thresholds():
    series = pd.DataFrame({
        "unit_name": ["Puskesmas A", "Puskesmas A", "Puskesmas B"],
        "period_start": [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 2)],
        "ikm_converted": [80.5, 82.25, 70.0],
        "respondents": [40, 35, 12],
    })
    figure = charts.ikm_trend(series)
    assert [(t.name, list(t.y)) for t in figure.data] == [
        ("Puskesmas A", [80.5, 82.25]), ("Puskesmas B", [70.0])]
    assert list(figure.data[0].customdata) == [40, 35]
    assert sorted(shape.y0 for shape in figure.layout.shapes) == [65.0, 76.61, 88.31]
    assert figure.layout.separators == ",."


def test_an_empty_period_draws_a_message_instead_of_an_empty_axis():
    empty = pd.DataFrame(columns=["unit_name", "period_start", "ikm_converted", "respondents"])
    figure = charts.ikm_trend(empty, charts.Words(empty="Kosong"))
    assert not figure.data
    assert figure.layout.annotations[0].text == "Kosong"


def test_names_are_shown_as_written_never_read_as_plotly_markup():
    series = pd.DataFrame({"unit_name": ["<b>Unit</b> & %{y}"], "period_start": [date(2026, 3, 2)],
                           "ikm_converted": [80.0], "respondents": [3]})
    [trace] = charts.ikm_trend(series).data
    assert trace.name == "&lt;b&gt;Unit&lt;/b&gt; &amp; %{y}"
    assert "%{y}</extra>" not in trace.hovertemplate


def test_a_complaint_category_keeps_its_colour_across_charts():
    labels = {"antrean": "Antrean", "biaya": "Biaya", "sarana": "Sarana"}
    counts = pd.DataFrame({"unit_id": [1, 2], "unit_code": ["A", "B"],
                           "category": ["sarana", "antrean"], "element": ["U9", "U3"],
                           "period_start": [date(2026, 3, 2), date(2026, 3, 9)],
                           "count": [2, 5]})
    trend = charts.complaint_trend(counts, labels)
    by_unit = charts.complaints_by_unit(counts, {1: "Unit A", 2: "Unit B"}, labels)
    colours = [{t.name: t.marker.color for t in figure.data} for figure in (trend, by_unit)]
    assert colours[0] == colours[1]
    assert colours[0]["Sarana"] == charts.PALETTE[2]
    assert list(by_unit.data[0].y) == ["Unit B", "Unit A"]  # most complaints first


def test_the_answer_distribution_is_a_share_per_element_with_the_counts():
    figure = charts.answer_distribution({"U7": (1, 1, 0, 2)}, {"U7": "Perilaku"},
                                        ["a", "b", "c", "d"])
    assert [list(t.x) for t in figure.data] == [[25.0], [25.0], [0.0], [50.0]]
    assert [list(t.customdata) for t in figure.data] == [[1], [1], [0], [2]]


def test_figures_serialise_to_plain_json():
    figure = charts.element_bars(elements(("U1", "Persyaratan", 80.0, "B")))
    data = json.loads(charts.figure_json(figure))
    assert data["data"][0]["x"] == [80.0]


@pytest.mark.parametrize(("preset", "start", "end"), [
    ("bulan", date(2026, 11, 1), date(2026, 11, 24)),
    ("kuartal", date(2026, 10, 1), date(2026, 11, 24)),
    ("tahun", date(2026, 1, 1), date(2026, 11, 24)),
    ("tahun-lalu", date(2025, 1, 1), date(2025, 12, 31)),
    ("90-hari", date(2026, 8, 27), date(2026, 11, 24)),
])
def test_period_presets(preset, start, end):
    assert preset_period(preset, date(2026, 11, 24)) == Period(start, end)


def test_dates_chosen_by_hand_win_over_a_preset_and_are_checked():
    today = date(2026, 11, 24)
    choice = choose_period({"from": "2026-03-01", "to": "2026-03-31", "periode": "tahun"}, today)
    assert (choice.period, choice.preset) == (Period(date(2026, 3, 1), date(2026, 3, 31)), None)
    assert choice.args == {"from": "2026-03-01", "to": "2026-03-31"}
    with pytest.raises(PeriodError):
        choose_period({"from": "2026-03-31", "to": "2026-03-01"}, today)
    assert choose_period({"periode": "nonsense"}, today).preset == "90-hari"


def test_longer_periods_are_drawn_in_coarser_steps():
    assert frequency(Period(date(2026, 3, 1), date(2026, 3, 31))) == "D"
    assert frequency(Period(date(2026, 1, 1), date(2026, 6, 30))) == "W"
    assert frequency(Period(date(2026, 1, 1), date(2026, 12, 31))) == "M"


def test_the_served_plotly_js_is_the_installed_packages_and_its_stylesheet_matches():
    # After upgrading plotly: python -m analytics.vendor
    assert vendor.VENDORED_JS.read_bytes() == vendor.PLOTLY_JS.read_bytes()
    source = vendor.PLOTLY_JS.read_text(encoding="utf-8")
    assert vendor.VENDORED_CSS.read_text(encoding="utf-8") == vendor.plotly_css(source)
    assert vendor.guarded_style_ids(source) == list(vendor.PLACEHOLDER_IDS)


def test_the_extracted_stylesheet_carries_plotlys_rules_with_its_selectors():
    css = vendor.plotly_css(vendor.PLOTLY_JS.read_text(encoding="utf-8"))
    assert ".js-plotly-plot .plotly .main-svg{position:absolute;top:0;left:0;" in css
    assert '.js-plotly-plot .plotly [data-title]:before{content:"";' in css
    assert ".plotly-notifier .notifier-note{" in css


def test_a_bundle_injecting_styles_in_an_unknown_way_is_refused():
    with pytest.raises(ValueError, match="does not know"):
        vendor.guarded_style_ids('document.createElement("style")')
