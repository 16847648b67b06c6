"""Pure: tidy frames -> plotly figures as JSON that tell the truth (gaps for missing years, zero axes, zeros named)."""

from __future__ import annotations

import html
import json

import pandas as pd
import plotly.graph_objects as go

NO_DATA = "无数据"
ALL_ZERO = "全部为 0"
LAYOUT = {
    "template": "none",  # plotly's default theme would add some 8 KB of styling to every figure
    "height": 320,
    "margin": {"t": 30, "b": 60, "l": 50, "r": 10},
    "legend": {"orientation": "h", "y": -0.25},
    "font": {"family": "system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"},
}


def is_missing(value) -> bool:
    """True for None and NaN (a blank or uncountable cell), False for any number including 0."""
    return value is None or bool(pd.isna(value))


def all_zero(frame: pd.DataFrame) -> bool:
    """True when the frame has numbers and every one of them is 0."""
    values = [v for v in frame.to_numpy().ravel() if not is_missing(v)]
    return bool(values) and all(v == 0 for v in values)


def empty_years(frame: pd.DataFrame) -> list:
    """The index entries (years) where every series is missing."""
    return [year for year, row in frame.iterrows() if all(is_missing(v) for v in row)]


def year_labels(frame: pd.DataFrame) -> list[str]:
    """Category labels for the x axis: the year, and 无数据 under a year without any number."""
    gaps = set(empty_years(frame))
    return [f"{year}<br>{NO_DATA}" if year in gaps else str(year) for year in frame.index]


def column_values(series: pd.Series) -> list:
    """A series as a JSON-ready list: missing values become None (a gap in the chart, never 0)."""
    return [None if is_missing(v) else v for v in series]


# What plotly's `template: "none"` becomes in a figure's JSON (tests/test_charts.py compares with plotly).
NO_TEMPLATE = {"data": {"scatter": [{"type": "scatter"}]}}


class PlainFigure:
    """A plotly figure as plain data: `data` (a list of traces) and `layout`, both dicts in the order plotly's
    own JSON gives them, so that `to_json()` is the JSON a plotly.graph_objects.Figure of the same properties
    writes (tests/test_charts.py compares the two). Built without plotly's property validation, which costs a few
    milliseconds a figure (a page of a view has several, 10,000 reports have thousands)."""

    def __init__(self, data: list[dict], layout: dict):
        self.data = data
        self.layout = layout

    def to_plotly_json(self) -> dict:
        """{"data": the traces, "layout": the layout}, as plotly.graph_objects.Figure.to_plotly_json gives it."""
        return {"data": self.data, "layout": self.layout}

    def to_json(self) -> str:
        """The figure as JSON text (numpy numbers as plain numbers). Raises TypeError for a value JSON has not."""
        return json.dumps(self.to_plotly_json(), default=plain_number)


def plain_number(value):
    """A numpy number as the Python number it holds (json.dumps's `default`). Raises TypeError for anything else."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def base_layout(**changes) -> dict:
    """LAYOUT as plotly writes it (keys in plotly's order, the template expanded), with `changes` applied: a
    dict value is merged into the one there (as update_layout does), any other replaces it in place."""
    layout = {
        "font": dict(LAYOUT["font"]),
        "height": LAYOUT["height"],
        "legend": {k: LAYOUT["legend"][k] for k in sorted(LAYOUT["legend"])},
        "margin": {k: LAYOUT["margin"][k] for k in sorted(LAYOUT["margin"])},
        "template": json.loads(json.dumps(NO_TEMPLATE)),
    }
    for key, value in changes.items():
        layout[key] = {**layout[key], **value} if isinstance(value, dict) and key in layout else value
    return layout


def zero_annotation(y: float) -> dict:
    """The 全部为 0 words in the middle of a chart, at height `y` of the plot (a layout annotation)."""
    return {"showarrow": False, "text": ALL_ZERO, "x": 0.5, "xref": "paper", "y": y, "yref": "paper"}


def trend_figure(frame: pd.DataFrame, kind: str = "bar", stacked: bool = False, percent: bool = False) -> PlainFigure:
    """Given a frame indexed by year (every year of the range, missing years all None) with one column per
    series, return a bar (grouped or stacked) or line chart. A missing value is a gap, lines are not joined
    over it, the y axis starts at 0, and an all-zero frame gets a 0…1 axis and the words 全部为 0."""
    x = year_labels(frame)
    traces = []
    for name in frame.columns:
        y = column_values(frame[name])
        if kind == "line":
            trace = {"connectgaps": False, "mode": "lines+markers", "name": str(name), "x": x, "y": y}
            traces.append({**trace, "type": "scatter"})
        else:
            traces.append({"name": str(name), "x": x, "y": y, "type": "bar"})
    layout = base_layout(barmode="stack" if stacked else "group")
    layout["xaxis"] = {"type": "category", "categoryorder": "array", "categoryarray": x}
    yaxis = layout["yaxis"] = {"rangemode": "tozero"}
    tickformat = ".0%" if percent else ",d" if kind == "bar" else None
    if tickformat is not None:
        yaxis["tickformat"] = tickformat
    if percent:
        yaxis["range"] = [0, 1]
    if all_zero(frame):
        yaxis.update(range=[0, 1], tickvals=[0, 1])
        layout["annotations"] = [zero_annotation(0.6)]
    return PlainFigure(traces, layout)


def breakdown_figure(series: pd.Series, title: str) -> PlainFigure:
    """Given one report's numbers by category (e.g. outcome or applicant type), return a horizontal bar
    chart in the series' order; missing categories are gaps and named 无数据 on the axis."""
    labels = [f"{k}（{NO_DATA}）" if is_missing(v) else str(k) for k, v in series.items()]
    trace = {"name": title, "orientation": "h", "x": column_values(series), "y": labels, "type": "bar"}
    layout = base_layout(height=max(200, 40 + 28 * len(labels)), margin={"l": 10})
    layout["yaxis"] = {"type": "category", "autorange": "reversed", "automargin": True}
    xaxis = layout["xaxis"] = {"rangemode": "tozero"}
    if all_zero(series.to_frame()):
        xaxis.update(range=[0, 1], tickvals=[0, 1])
        layout["annotations"] = [zero_annotation(0.5)]
    return PlainFigure([trace], layout)


def heatmap_figure(frame: pd.DataFrame, percent: bool = False) -> go.Figure:
    """Given a frame of regions (index) × years (columns), return a heatmap drawn as coloured squares (a
    scatter trace: the site's plotly.js is the basic bundle, which has no heatmap trace). A missing cell
    has no square. Region names are escaped: plotly reads tags such as <a href> in labels."""
    cells = [
        (str(year), html.escape(str(region)), value)
        for region in frame.index
        for year, value in frame.loc[region].items()
        if not is_missing(value)
    ]
    years, regions, values = (list(c) for c in zip(*cells, strict=True)) if cells else ([], [], [])
    marker = {
        "symbol": "square",
        "size": 26,
        "color": values,
        "colorscale": "Blues",
        "cmin": 0,
        "cmax": 1 if percent else max(values, default=1),
        "showscale": True,
        "colorbar": {"tickformat": ".0%"} if percent else {},
        "line": {"width": 1, "color": "#888"},
    }
    hover = "%{y} %{x}: %{marker.color:.1%}<extra></extra>" if percent else "%{y} %{x}: %{marker.color}<extra></extra>"
    fig = go.Figure(go.Scatter(x=years, y=regions, mode="markers", marker=marker, hovertemplate=hover), layout=LAYOUT)
    fig.update_layout(height=max(220, 80 + 30 * len(frame.index)), margin={"l": 10}, showlegend=False)
    # Every region and year keeps its row and column, with or without a square: ranges over all categories.
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=[str(c) for c in frame.columns],
        range=[-0.5, len(frame.columns) - 0.5],
    )
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=[html.escape(str(i)) for i in frame.index],
        range=[len(frame.index) - 0.5, -0.5],
        automargin=True,
    )
    return fig
