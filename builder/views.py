"""Pure: the compare, rates, dictionary and download pages, the chart, rate and download sections added to
report, agency and region pages, and the files behind them (CSV, JSON, XLSX, zip, Atom feeds, catalog)."""

from __future__ import annotations

import html
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from builder import aggregate, charts, downloads, feeds, pages
from builder.agencies import name_to_sector
from builder.pages import lists
from builder.pages.addresses import agency_page, link, report_page, source_href
from builder.pages.figures import region_tree
from builder.rates import load_definitions, rate_value
from builder.template import Template

MISSING = "—"
# Rows of a ranking shown on a region page or the compare page; the rest are in the figures download.
RANKED_SHOWN = 20
# Above this many city-level regions, the compare page's heatmap is drawn by province (one row each).
HEATMAP_ROWS = 40
SHEETS = {"figures": "主要数字", "cells": "单元格"}


@dataclass
class Views:
    """What build_views returns: `appendix` {docs page: Markdown appended to it}, `pages` {docs page:
    Markdown, new or replacing}, `files` {docs path: bytes} (downloads, chart CSVs, feeds, catalog)."""

    appendix: dict[str, str] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Chart:
    """One chart as a page shows it: the figure (None: nothing to draw), the words under its title, and
    its numbers (`table`, first column the category) which are also its CSV."""

    key: str
    title: str
    figure: go.Figure | None
    note: str
    table: pd.DataFrame


# --- small formatting helpers ----------------------------------------------------------------------


def number_text(value) -> str:
    """A count for a table: `1,234`, a decimal as printed, or — for missing (never 0)."""
    value = downloads.plain(value)
    if value is None:
        return MISSING
    return Markup(f"{value:,}" if isinstance(value, int) else str(value))  # our own digits: nothing to escape


def rate_text(value) -> str:
    """A rate (0–1) as a percentage with one decimal, or — when missing."""
    value = downloads.plain(value)
    return MISSING if value is None else Markup(f"{value * 100:.1f}%")


def served_depth(page: str) -> int:
    """How many folders below the site root a docs page is served (MkDocs directory URLs):
    `index.md` 0, `a/b/index.md` 2, `a/b/2023.md` 3 (served as a/b/2023/)."""
    depth = page.count("/")
    return depth if page.rsplit("/", 1)[-1] == "index.md" else depth + 1


def figure_html(figure: go.Figure, chart_id: str) -> Markup:
    """A figure as docs/assets/charts.js draws it when it scrolls into view: an empty
    `<div class="chart" data-figure="ID">` and the figure JSON in `<script type="application/json" id="ID">`,
    with `<`, `>` and `&` written as \\u escapes so no label can close the script element (other text as UTF-8,
    half the bytes of plotly's \\u escapes for Chinese). What every figure shares is left to charts.js: the
    font, legend and margins of charts.LAYOUT where a figure keeps them (charts.js SHARED holds the same and
    fills in what a figure lacks), and the empty template "none" (plotly.js draws a figure without a template as
    with it)."""
    spec = json.loads(figure.to_json())
    layout = spec.get("layout", {})
    if layout.get("template") == charts.NO_TEMPLATE:
        del layout["template"]
    for key in ("font", "legend", "margin"):
        own = {k: v for k, v in layout.get(key, {}).items() if charts.LAYOUT[key].get(k) != v}
        if own:
            layout[key] = own
        else:
            layout.pop(key, None)
    data = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    div, figure_id = html.escape(chart_id, quote=True), html.escape(f"{chart_id}-figure", quote=True)
    return Markup(
        f'<div id="{div}" class="chart" data-figure="{figure_id}"></div>\n'
        f'<script type="application/json" id="{figure_id}">{data}</script>'
    )


def table_rows(frame: pd.DataFrame, percent_columns=()) -> list[list[str]]:
    """A frame's rows as display strings (numbers, rates as %, — for missing)."""
    out = []
    for index, row in frame.iterrows():
        cells = [str(index)]
        cells += [rate_text(v) if c in percent_columns else number_text(v) for c, v in row.items()]
        out.append(cells)
    return out


def chart_view(chart: Chart, page: str, csv_path: str, percent: bool = False) -> dict:
    """The context chart.md.j2 renders for one chart."""
    return {
        "key": chart.key,
        "title": chart.title,
        "note": chart.note,
        "html": figure_html(chart.figure, f"chart-{chart.key}-plot") if chart.figure is not None else None,
        "headers": [chart.table.index.name or "", *chart.table.columns],
        "rows": table_rows(chart.table, chart.table.columns if percent else ()),
        "csv_link": link(page, csv_path),
    }


def gap_note(frame: pd.DataFrame) -> str:
    """Words for the gaps and the zeros of a trend frame."""
    words = []
    gaps = charts.empty_years(frame)
    if gaps:
        years = "、".join(str(y) for y in gaps)
        words.append(f"{years}年无数据（没有报告，或数据缺失、未通过核查），图中留空，不是 0。")
    if charts.all_zero(frame):
        words.append("所有数字均为 0：该机关各年报告的这一项都是 0。")
    return "".join(words)


def chart_csv(frame: pd.DataFrame) -> bytes:
    """A chart's numbers as CSV (BOM, first column the index)."""
    table = frame.reset_index()
    return downloads.csv_bytes(table, {})


# --- charts of an agency and a report ---------------------------------------------------------------


def agency_charts(figures: pd.DataFrame, reports: list[dict], template: Template) -> list[Chart]:
    """The trends of an agency: applications, outcomes (stacked), the grant rate, reviews and lawsuits,
    licences and penalties. Every year from the first to the last report is on the axis."""
    names = {f.key: f.name for f in load_definitions().figures}

    def series_frame(keys: list[str]) -> pd.DataFrame:
        frame = pd.DataFrame({names.get(k, k): aggregate.year_series(figures, k) for k in keys})
        frame.index.name = "年度"
        return frame

    years = aggregate.year_range(figures)
    outcomes = aggregate.outcomes_by_year(reports, template, years)
    grant = series_frame(["grant_rate"]).rename(columns={"grant_rate": "实质公开率"})
    frames = [
        ("applications", "新收申请 New applications", series_frame(["applications_new"]), "bar", False, False),
        ("outcomes", "办理结果 Outcomes", outcomes, "bar", True, False),
        ("grant-rate", "实质公开率 Share granted", grant, "line", False, True),
        (
            "reviews",
            "行政复议与诉讼 Reviews and lawsuits",
            series_frame(["reviews", "lawsuits_direct", "lawsuits_after_review"]),
            "bar",
            False,
            False,
        ),
        (
            "licences",
            "行政许可与处罚 Licences and penalties",
            series_frame(["licences", "penalties"]),
            "bar",
            False,
            False,
        ),
    ]
    out = []
    for key, title, frame, kind, stacked, percent in frames:
        has_numbers = not frame.isna().all().all()
        figure = charts.trend_figure(frame, kind, stacked, percent) if has_numbers else None
        note = gap_note(frame) if has_numbers else "没有可用的数字。"
        out.append(Chart(key, title, figure, note, frame))
    return out


def report_charts(report: dict, template: Template) -> list[Chart]:
    """A report's outcome breakdown and applicant mix (table B); none for a report without the template."""
    if report["template"] == "pre2019":
        return []
    out = []
    for key, title, series, label in (
        ("outcomes", "办理结果 Outcomes", aggregate.outcome_groups(report, template), "办理结果"),
        ("applicants", "申请人 Applicants (new applications)", aggregate.applicant_mix(report, template), "申请人"),
    ):
        frame = series.to_frame("件数")
        frame.index.name = label
        if frame.isna().all().all():
            out.append(Chart(key, title, None, "没有可用的数字（表格缺失或未通过核查）。", frame))
            continue
        note = "所有数字均为 0。" if charts.all_zero(frame) else ""
        if frame["件数"].isna().any():
            note += "标“无数据”的类别缺失或未通过核查，图中留空，不是 0。"
        out.append(Chart(key, title, charts.breakdown_figure(series, title), note, frame))
    return out


# --- addresses of the downloads ----------------------------------------------------------------------


def report_downloads(report: dict) -> dict[str, str]:
    """Docs paths of what a report page offers for download: its JSON (every cell, with its printed text and
    source line), and its agency's every cell as a zipped CSV and its figures as XLSX (a report has no
    tabular file of its own: its cells as CSV and XLSX were 53 KB a report, 530 MB at 10,000, and each
    repeated what its JSON and its agency's files hold)."""
    agency = view_downloads("agencies", report["agency_id"]) if report.get("agency_id") else {}
    return {"json": f"data/{report['id']}.json", **{f"agency_{k}": v for k, v in agency.items() if k != "figures"}}


def view_downloads(kind: str, name: str, cells: bool = True) -> dict[str, str]:
    """Docs paths of an agency's or a region's downloads (`kind` agencies or regions): its figures as CSV and
    XLSX, and with `cells` its every cell as a zipped CSV (a region below a province has none: see
    region_downloads)."""
    base = f"downloads/{kind}/{name}"
    paths = {"figures": f"{base}-figures.csv", "cells": f"{base}-cells.zip", "xlsx": f"{base}.xlsx"}
    return paths if cells else {k: v for k, v in paths.items() if k != "cells"}


def region_downloads(folder: str) -> dict[str, str]:
    """Docs paths of a region's downloads (view_downloads): the figures of every region; every cell at the
    province only, so that each report's cells are zipped once per region chain, not at province, city and
    county (a city's or county's page links its province's cells: region_section)."""
    return view_downloads("regions", folder.replace("/", "-"), cells="/" not in folder)


DOWNLOAD_LABELS = {
    "figures": "主要数字与比率 CSV（每份报告一行）",
    "cells": "全部单元格 CSV（zip 压缩；每个单元格一行，含原文文字与行号）",
    "xlsx": "Excel XLSX（主要数字与比率）",
}


def download_links(paths: dict[str, str], page: str) -> list[dict]:
    """The download list of an agency or region page (downloads.set_files makes the files: the cells in the zip
    only, as a sheet of the XLSX they were 12 KB a report against the zip's 2.4 KB, and every cell of a report is
    also in its own JSON; the figures as JSON are in the whole set's figures.json)."""
    return [{"label": DOWNLOAD_LABELS[k], "link": link(page, path)} for k, path in paths.items()]


# --- sections added to report, agency and region pages -----------------------------------------------


def rate_rows(report: dict, template: Template) -> list[dict]:
    """A report's rates for its page: name, formula, numerator, denominator, value or why it is missing."""
    rows = []
    for rate in load_definitions().rates:
        v = rate_value(report, template, rate)
        rows.append(
            {
                "name": rate.name,
                "formula": rate.formula,
                "numerator": number_text(v.numerator),
                "denominator": number_text(v.denominator),
                "value": rate_text(v.value),
                "why": v.why,
            }
        )
    return rows


def report_section(report: dict, template: Template, files: dict[str, bytes]) -> str:
    """The rates, charts and downloads appended to a report page; adds its chart CSVs to `files`."""
    page = report_page(report)
    folder = page.removesuffix(".md")
    views = []
    for chart in report_charts(report, template):
        csv_path = f"{folder}-{chart.key}.csv"
        files[csv_path] = chart_csv(chart.table)
        views.append(chart_view(chart, page, csv_path))
    paths = report_downloads(report)
    return pages.render(
        "views_report.md.j2",
        rates=rate_rows(report, template),
        rates_link=link(page, "rates.md"),
        charts=views,
        links={**{k: link(page, v) for k, v in paths.items()}, "dictionary": link(page, "dictionary.md")},
    )


def figures_table(figures: pd.DataFrame) -> dict:
    """An agency's figures and rates by year (rows: reports) for its page."""
    definitions = load_definitions()
    headers = ["年度", *(f.name for f in definitions.figures), *(r.name for r in definitions.rates)]
    rows = [
        [
            str(row["year"]),
            *(number_text(row[f.key]) for f in definitions.figures),
            *(rate_text(row[r.key]) for r in definitions.rates),
        ]
        for row in figures.to_dict("records")
    ]
    return {"headers": headers, "rows": rows}


def agency_section(
    page: str, reports: list[dict], template: Template, files: dict[str, bytes], pieces: Pieces | None = None
) -> str:
    """The figures, trend charts, downloads and feed link appended to an agency page; adds its files (its downloads
    made from each report's downloads.report_piece, given by `pieces` or computed, as a region's are)."""
    paths = view_downloads("agencies", reports[-1]["agency_id"])
    own, figures = downloads.set_files(paths, map(pieces or piece_maker(template), reports), SHEETS["figures"])
    files.update(own)
    folder = page.removesuffix("index.md")
    views = []
    for chart in agency_charts(figures, reports, template):
        csv_path = f"{folder}chart-{chart.key}.csv"
        files[csv_path] = chart_csv(chart.table)
        views.append(chart_view(chart, page, csv_path, percent=chart.key == "grant-rate"))
    return pages.render(
        "views_agency.md.j2",
        figures=figures_table(figures),
        rates_link=link(page, "rates.md"),
        charts=views,
        rankings=[],
        downloads=download_links(paths, page),
        feed_link=link(page, f"{folder}feed.xml"),
    )


def rankings(figures: pd.DataFrame, reports: list[dict], page: str, shown: int = RANKED_SHOWN) -> list[dict]:
    """For each rate, the agencies of a region or sector ranked by their latest year's value, with numerator
    and denominator; agencies whose rate is missing that year are left out. Only the first `shown` rows are
    kept (`ranked` says how many agencies were ranked): the whole ranking is in the view's figures download."""
    by_id = {r["id"]: r for r in reports}
    latest = figures.sort_values("year").groupby("agency_id").tail(1)
    out = []
    for rate in load_definitions().rates:
        ranked = latest[latest[rate.key].notna()].sort_values([rate.key, "agency"], ascending=[False, True])
        if ranked.empty:
            continue
        rows = [
            {
                "rank": i,
                "agency": row["agency"],
                "link": link(page, report_page(by_id[row["report_id"]])),
                "value": rate_text(row[rate.key]),
                "numerator": number_text(row[f"{rate.key}_numerator"]),
                "denominator": number_text(row[f"{rate.key}_denominator"]),
            }
            for i, row in enumerate(ranked.head(shown).to_dict("records"), start=1)
        ]
        years = sorted({str(y) for y in ranked["year"]})
        out.append({"name": rate.name, "year": "、".join(years), "rows": rows, "ranked": len(ranked)})
    return out


def region_section(
    folder: str, reports: list[dict], template: Template, files: dict[str, bytes], pieces: Pieces | None = None
) -> str:
    """The rankings, downloads and feed link appended to a region page; adds its files (made from each report's
    downloads.report_piece, given by `pieces` or computed)."""
    page = f"{folder}/index.md"
    paths = region_downloads(folder)
    own, figures = downloads.set_files(paths, map(pieces or piece_maker(template), reports), SHEETS["figures"])
    files.update(own)
    links = download_links(paths, page)
    if "cells" not in paths:
        province = folder.split("/", 1)[0]
        label = "全省单元格 CSV（zip 压缩；含本地区各报告）"
        links.append({"label": label, "link": link(page, region_downloads(province)["cells"])})
    return pages.render(
        "views_agency.md.j2",
        figures=None,
        rates_link=link(page, "rates.md"),
        charts=[],
        rankings=rankings(figures, reports, page),
        downloads=links,
        feed_link=link(page, f"{folder}/feed.xml"),
    )


Pieces = Callable[[dict], dict]  # a report (with its sector) -> downloads.report_piece


def piece_maker(template: Template) -> Pieces:
    """The Pieces function that computes every piece (downloads.report_piece)."""
    return partial(downloads.report_piece, template=template)


# --- the compare page and its heatmap -----------------------------------------------------------------


def region_label(row: dict, levels: tuple[str, ...] = ("province", "city")) -> str:
    """A report's region as `福建省 福州市` (province and city, or the `levels` given), or 未定 when the registry
    has none."""
    return " ".join(p for p in (row[level] for level in levels) if p) or "未定地区"


def heatmap_levels(figures: pd.DataFrame) -> tuple[str, ...]:
    """The region levels of the heatmap's rows: province and city, or the province alone when that would give
    more than HEATMAP_ROWS rows (a page that stays small, a chart that stays readable)."""
    cities = {region_label(r) for r in figures.to_dict("records")}
    return ("province", "city") if len(cities) <= HEATMAP_ROWS else ("province",)


def heatmap_chart(figures: pd.DataFrame) -> Chart:
    """Region × year of the grant rate, pooled: the sum of the numerators over the sum of the denominators
    of the reports whose rate can be computed; the table beside it says how many reports each cell counts."""
    levels = heatmap_levels(figures)
    frame = figures.assign(region=[region_label(r, levels) for r in figures.to_dict("records")])
    usable = frame[frame["grant_rate"].notna()]
    pooled = usable.groupby(["region", "year"])[["grant_rate_numerator", "grant_rate_denominator"]].sum()
    counted = usable.groupby(["region", "year"]).size()
    total = frame.groupby(["region", "year"]).size()
    years = aggregate.year_range(frame)
    regions = sorted(frame["region"].unique())
    grid = pd.DataFrame(index=pd.Index(regions, name="地区"), columns=years, dtype=object)
    for (region, year), row in pooled.iterrows():
        grid.loc[region, year] = row["grant_rate_numerator"] / row["grant_rate_denominator"]
    table = pd.DataFrame(
        [
            {
                "地区": region,
                "年度": year,
                "实质公开率": grid.loc[region, year],
                "计入报告": int(counted.get((region, year), 0)),
                "报告总数": int(n),
            }
            for (region, year), n in total.items()
        ],
        dtype=object,
    ).set_index("地区")
    figure = charts.heatmap_figure(grid, percent=True) if len(pooled) else None
    note = (
        "实质公开率按地区合并计算：各报告分子之和除以分母之和，只计比率可计算的报告；"
        "空格表示该地区该年没有可计算的报告。"
    )
    return Chart("heatmap", "实质公开率：地区 × 年度", figure, note, table)


def compare_row(row: dict, report: dict, from_page: str) -> list:
    """One row of the compare table: region, sector, the agency linked from `from_page` to the report, year,
    template, its quality badge as every list shows it (lists.quality_badge: errors, warnings, adds up, or not
    checked before 2019), its key figures and rates (definitions in template/rates.yaml)."""
    definitions = load_definitions()
    return [
        " ".join(p for p in (row["province"], row["city"], row["county"]) if p),
        row["sector"] or "—",
        Markup(f"[{pages.escape_text(row['agency'])}]({link(from_page, report_page(report))})"),
        str(row["year"]),
        row["template"],
        lists.quality_badge(report),
        *(number_text(row[f.key]) for f in definitions.figures),
        *(rate_text(row[r.key]) for r in definitions.rates),
    ]


def compare_page(
    figures: pd.DataFrame, reports: list[dict], size: int = lists.PAGE_SIZE
) -> tuple[dict[str, str], bytes]:
    """The compare pages ({docs path: Markdown}: every agency × year, key figures and rates, sortable and
    filterable, `size` rows a page: compare.md, compare/2.md …, the heatmap and links to the rankings on the
    first; the rankings of each sector on a page of its own: compare/rankings.md, compare/rankings/2.md …) and
    the heatmap's CSV."""
    definitions = load_definitions()
    by_id = {r["id"]: r for r in reports}
    headers = ["地区", "领域", "机关", "年度", "模板", "核查", *(f.name for f in definitions.figures)]
    headers += [r.name for r in definitions.rates]
    ordered = figures.assign(region=[region_label(r) for r in figures.to_dict("records")])
    records = ordered.sort_values(["region", "agency", "year"]).to_dict("records")
    heatmap = heatmap_chart(figures)
    view = chart_view(heatmap, "compare.md", "downloads/heatmap.csv", percent=False)
    view["rows"] = [
        [r[0], r[1], rate_text(heatmap.table.iloc[i]["实质公开率"]), r[3], r[4]] for i, r in enumerate(view["rows"])
    ]
    sectors = sorted(s for s in figures["sector"].unique() if s)
    out = {}
    ranking_pages = lists.paginate("compare/rankings.md", sectors, 1) if sectors else []
    for path, (sector,), pager in ranking_pages:
        out[path] = pages.render(
            "rankings.md.j2",
            sector={"name": sector, "rankings": rankings(figures[figures["sector"] == sector], reports, path)},
            compare_link=link(path, "compare.md"),
            downloads_link=link(path, "downloads.md"),
            pager=pager,
        )
    for path, chunk, pager in lists.paginate("compare.md", records, size):
        first = pager["number"] == 1
        out[path] = pages.render(
            "compare.md.j2",
            headers=headers,
            rows=[compare_row(row, by_id[row["report_id"]], path) for row in chunk],
            sectors=[{"name": sector, "link": link(path, p)} for p, (sector,), _ in ranking_pages] if first else [],
            heatmap=view if first else None,
            script=Markup("../" * served_depth(path) + "assets/compare.js"),
            downloads_link=link(path, "downloads.md"),
            rates_link=link(path, "rates.md"),
            figures_links={k: link(path, f"downloads/figures.{k}") for k in ("csv", "xlsx", "json")},
            pager=pager,
            suffix=lists.page_suffix(pager),
        )
    return out, chart_csv(heatmap.table)


# --- the catalog and the feeds ------------------------------------------------------------------------


def catalog(reports: list[dict], revisions: dict) -> bytes:
    """catalog.json: every report with its addresses (relative to the site root), the original's address
    and publication date, its sha256 and how many times it was revised."""
    entries = []
    for r in reports:
        source = r.get("source") or {}
        entries.append(
            {
                "id": r["id"],
                "agency": r["agency"],
                "agency_id": r.get("agency_id"),
                "region": r.get("region_name", ""),
                "year": r["year"],
                "template": r["template"],
                "page": aggregate.page_url(r),
                "agency_page": agency_page(r).removesuffix("index.md"),
                "json": f"data/{r['id']}.json",
                **({"agency_cells": report_downloads(r)["agency_cells"]} if r.get("agency_id") else {}),
                "archived_file": source_href(r),
                "original_url": source.get("url"),
                "published": source.get("published"),
                "date_signed": r.get("date_signed"),
                "sha256": source.get("sha256"),
                "revisions": len(revisions.get(r["id"], [])),
            }
        )
    doc = {"licence": downloads.LICENCE_EN, "count": len(entries), "reports": entries}
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def feed_entry(report: dict, revisions: dict, template: Template, new=MISSING) -> dict:
    """One feed entry: the report, its page and a one-line summary of its key figures (`new`: its
    applications_new figure when known, else computed)."""
    definitions = load_definitions()
    grant = rate_value(report, template, definitions.rates[0])
    if new is MISSING:
        new = aggregate.figures_frame([report], template).iloc[0]["applications_new"]
    summary = (
        f"{report['agency']} {report['year']}年：新收申请 {number_text(new)} 件，"
        f"{definitions.rates[0].name} {rate_text(grant.value)}。"
    )
    return {
        "report": report,
        "href": aggregate.page_url(report),
        "summary": summary,
        "revisions": len(revisions.get(report["id"], [])),
    }


def feed_files(
    reports: list[dict], revisions: dict, template: Template, site_url: str | None, figures: pd.DataFrame
) -> dict[str, bytes]:
    """The Atom feeds: the whole site (feed.xml), each agency and each region (`<folder>/feed.xml`); `figures` is
    the reports' figures_frame."""
    new = dict(zip(figures["report_id"], figures["applications_new"], strict=True))
    entries = {r["id"]: feed_entry(r, revisions, template, new[r["id"]]) for r in reports}
    out = {"feed.xml": feeds.feed_xml("feed.xml", feeds.SITE_NAME, "", list(entries.values()), site_url)}
    by_agency: dict[str, list[dict]] = defaultdict(list)
    for r in reports:
        by_agency[agency_page(r).removesuffix("index.md")].append(entries[r["id"]])
    for folder, group in by_agency.items():
        title = f"{group[-1]['report']['agency']} · {feeds.SITE_NAME}"
        out[f"{folder}feed.xml"] = feeds.feed_xml(f"{folder}feed.xml", title, folder, group, site_url)
    for folder, node in region_tree(reports).items():
        group = [entries[r["id"]] for agency in node["agencies"].values() for r in agency]
        title = f"{node['name']} · {feeds.SITE_NAME}"
        out[f"{folder}/feed.xml"] = feeds.feed_xml(f"{folder}/feed.xml", title, f"{folder}/", group, site_url)
    return out


# --- everything ----------------------------------------------------------------------------------------


Remember = Callable[[str, object, Callable[[], object]], object]


def compute_now(kind: str, inputs: object, compute: Callable[[], object]) -> object:
    """The default `remember` of build_views: compute every time."""
    return compute()


def sectioned(section: Callable[[dict[str, bytes]], str]) -> list:
    """Given a section function that adds its files to a dict, return [its Markdown, the files it added]."""
    files: dict[str, bytes] = {}
    return [section(files), files]


def report_views(report: dict, template: Template) -> list:
    """[the section appended to a report's page, every file of the report: its chart CSVs]."""
    return sectioned(partial(report_section, report, template))


def with_sector(report: dict, sectors: list[dict]) -> dict:
    """A shallow copy of the report with `sector`: the registry sector its agency's name ends with, or ''."""
    sector = name_to_sector(report["agency"], list(sectors))
    return {**report, "sector": sector["name"] if sector else ""}


def build_views(
    reports: list[dict],
    template: Template,
    revisions: dict | None = None,
    site_url: str | None = None,
    sectors: list[dict] = (),
    remember: Remember = compute_now,
    page_size: int | None = None,
    pieces: Pieces | None = None,
    files: dict[str, bytes] | None = None,
) -> Views:
    """Every view of the reports: sections for report, agency and region pages, the compare, rates,
    dictionary and download pages, and every file behind them. `sectors` is the registry's list (for the
    sector column and rankings). The section and files of each report, agency and region are made by
    `remember(kind, inputs, compute)`, which returns compute() (the build reads them back from its memo when
    the inputs are unchanged); the downloads of regions and of the whole set are joined from each report's
    piece, given by `pieces` (the build's are read back from its memo) or computed. The files go into `files`
    (default: a new dict; the build gives one that writes each file at once, so they are not all held). The
    compare table holds `page_size` rows a page (default lists.PAGE_SIZE). Pure: same reports, same bytes."""
    pieces = pieces or piece_maker(template)
    reports = sorted((with_sector(r, sectors) for r in reports), key=lambda r: (r["agency"], r["year"]))
    revisions = revisions or {}
    views = Views(files={} if files is None else files)
    files = views.files
    for r in reports:
        views.appendix[report_page(r)], own = remember("report-views", [r], partial(report_views, r, template))
        files.update(own)
    by_agency: dict[str, list[dict]] = defaultdict(list)
    for r in reports:
        by_agency[agency_page(r)].append(r)
    for page, group in by_agency.items():
        group = sorted(group, key=lambda r: r["year"])
        section = partial(agency_section, page, group, template, pieces=pieces)
        views.appendix[page], own = remember("agency-views", [page, group], partial(sectioned, section))
        files.update(own)
    for folder, node in region_tree(reports).items():
        group = sorted(
            (r for agency in node["agencies"].values() for r in agency), key=lambda r: (r["agency"], r["year"])
        )
        section = partial(region_section, folder, group, template, pieces=pieces)
        views.appendix[f"{folder}/index.md"], own = remember(
            "region-views", [folder, group], partial(sectioned, section)
        )
        files.update(own)
    whole = {
        "figures": "downloads/figures.csv",
        "cells": "downloads/cells.zip",
        "xlsx": "downloads/figures.xlsx",
        "json": "downloads/figures.json",
    }
    own, figures = downloads.set_files(whole, map(pieces, reports), SHEETS["figures"])
    files.update(own)
    dictionary = downloads.dictionary_frame(template)
    files["downloads/dictionary.csv"] = downloads.csv_bytes(dictionary, downloads.DICTIONARY_COLUMNS)
    compare, files["downloads/heatmap.csv"] = compare_page(figures, reports, page_size or lists.PAGE_SIZE)
    views.pages.update(compare)
    definitions = load_definitions()
    views.pages["rates.md"] = pages.render("rates.md.j2", rates=definitions.rates, figures=definitions.figures)
    views.pages["dictionary.md"] = pages.render(
        "dictionary.md.j2",
        headers=list(downloads.DICTIONARY_COLUMNS.values()),
        rows=[["" if pd.isna(v) else v for v in row] for row in dictionary.itertuples(index=False)],
    )
    views.pages["downloads.md"] = pages.render(
        "downloads_all.md.j2", n_reports=len(reports), licence=downloads.LICENCE, licence_en=downloads.LICENCE_EN
    )
    files["catalog.json"] = catalog(reports, revisions)
    files.update(feed_files(reports, revisions, template, site_url, figures))
    return views
