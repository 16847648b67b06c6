"""builder/charts.py's plain figures give the JSON plotly's own Figure of the same properties gives."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from builder import charts


def plotly_trend(frame: pd.DataFrame, kind: str = "bar", stacked: bool = False, percent: bool = False) -> go.Figure:
    """The trend chart built with plotly.graph_objects, as charts.trend_figure built it before (the oracle)."""
    x = charts.year_labels(frame)
    traces = []
    for name in frame.columns:
        y = charts.column_values(frame[name])
        if kind == "line":
            traces.append(go.Scatter(x=x, y=y, name=str(name), mode="lines+markers", connectgaps=False))
        else:
            traces.append(go.Bar(x=x, y=y, name=str(name)))
    fig = go.Figure(traces, layout=charts.LAYOUT)
    fig.update_layout(barmode="stack" if stacked else "group")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=x)
    fig.update_yaxes(rangemode="tozero", tickformat=".0%" if percent else ",d" if kind == "bar" else None)
    if percent:
        fig.update_yaxes(range=[0, 1])
    if charts.all_zero(frame):
        fig.update_yaxes(range=[0, 1], tickvals=[0, 1])
        fig.add_annotation(text=charts.ALL_ZERO, xref="paper", yref="paper", x=0.5, y=0.6, showarrow=False)
    return fig


def plotly_breakdown(series: pd.Series, title: str) -> go.Figure:
    """The breakdown chart built with plotly.graph_objects, as charts.breakdown_figure built it before."""
    labels = [f"{k}（{charts.NO_DATA}）" if charts.is_missing(v) else str(k) for k, v in series.items()]
    fig = go.Figure(go.Bar(y=labels, x=charts.column_values(series), orientation="h", name=title), layout=charts.LAYOUT)
    fig.update_layout(height=max(200, 40 + 28 * len(labels)), margin={"l": 10})
    fig.update_yaxes(type="category", autorange="reversed", automargin=True)
    fig.update_xaxes(rangemode="tozero")
    if charts.all_zero(series.to_frame()):
        fig.update_xaxes(range=[0, 1], tickvals=[0, 1])
        fig.add_annotation(text=charts.ALL_ZERO, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False)
    return fig


def same_json(ours, theirs) -> None:
    """Both figures' JSON, parsed, are equal with their keys in the same order (what the pages print)."""
    assert json.dumps(json.loads(ours.to_json()), ensure_ascii=False) == json.dumps(
        json.loads(theirs.to_json()), ensure_ascii=False
    )


FRAMES = {
    "numbers with a gap": pd.DataFrame(
        {"新收申请": [5, None, 0], "办结": [3, 2, None]}, index=[2020, 2021, 2022], dtype=object
    ),
    "all zero": pd.DataFrame({"复议": [0, 0]}, index=[2022, 2023], dtype=object),
    "rates": pd.DataFrame({"实质公开率": [0.25, None, 2 / 3]}, index=[2019, 2020, 2021], dtype=object),
    "one year <b>": pd.DataFrame({"<b>名</b>": [7]}, index=[2024], dtype=object),
    "numpy numbers": pd.DataFrame({"a": pd.Series([1, 2], dtype="int64"), "b": [1.5, 0.0]}, index=[2020, 2021]),
}


@pytest.mark.parametrize("name", FRAMES)
@pytest.mark.parametrize("kind, stacked, percent", [("bar", False, False), ("bar", True, False), ("line", False, True)])
def test_a_trend_chart_is_the_json_plotly_writes(name, kind, stacked, percent):
    frame = FRAMES[name]
    same_json(charts.trend_figure(frame, kind, stacked, percent), plotly_trend(frame, kind, stacked, percent))


@pytest.mark.parametrize(
    "series",
    [
        pd.Series({"（一）予以公开": 21, "（二）部分公开": None, "（三）不予公开": 4}, dtype=object),
        pd.Series({"自然人": 0, "法人": 0}, dtype=object),
        pd.Series({"一": 1.5, "二": None}, dtype=object),
        pd.Series({f"第{i}类": i for i in range(12)}, dtype="int64"),
    ],
)
def test_a_breakdown_chart_is_the_json_plotly_writes(series):
    same_json(charts.breakdown_figure(series, "办理结果 <i>"), plotly_breakdown(series, "办理结果 <i>"))
