"""Pure: the figures list pages sum and show: headline cells, which reports can be counted, the region tree,
the home page's totals and the facts of a build."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict

from builder.checks import load_checks
from builder.model import find_cell
from builder.pages.addresses import agency_page
from builder.rates import load_definitions
from builder.template import load_template


def rule_titles() -> dict[str, str]:
    """{rule id: its Chinese title} from builder/template/checks.yaml."""
    return {r["id"]: r["title"]["zh"] for r in load_checks()["rules"]}


def countable(report: dict, table: str) -> tuple[bool, str]:
    """Whether a report's figures from `table` can enter a sum or a chart, and why not."""
    letter = load_template().tables[table]["letter"]
    if report["template"] == "pre2019":
        return False, "pre-2019 report (no template)"
    status = report["tables"].get(table, {}).get("status")
    if status != "ok":
        return False, f"table {letter} {status}"
    rules = report.get("findings", [])
    if any(f["rule"] == "agency-year-twice" for f in rules):
        return False, "another report of this agency and year is published too"
    arithmetic = load_template().arithmetic_rules()
    broken = sorted({f["rule"] for f in rules if f["rule"] in arithmetic and f.get("table") == table})
    if broken:
        return False, f"table {letter} does not add up: " + "、".join(rule_titles()[rule] for rule in broken)
    return True, ""


def headline(report: dict, table: str, row: str, column: str) -> int | None:
    """One headline figure of a report (a cell by table, row and column key), or None when its table cannot be
    counted or the report lacks the cell."""
    if not countable(report, table)[0]:
        return None
    cell = find_cell(report, f"{table}.{row}.{column}")
    return None if cell is None else cell.value


def region_tree(reports: list[dict]) -> dict[str, dict]:
    """{region docs folder: {name, level, agencies: {agency page: [reports]}}} for every province,
    city and county holding a report; an agency counts in each region above it."""
    tree: dict[str, dict] = {}
    for r in reports:
        region = r.get("region") or {}
        parts = r["agency_path"].split("/")[:-1]
        levels = [lvl for lvl in ("province", "city", "county") if region.get(lvl)]
        if r.get("agency_status") != "confirmed" and not levels:
            continue
        for depth, level in enumerate(levels[: len(parts)], start=1):
            folder = "/".join(parts[:depth])
            node = tree.setdefault(
                folder,
                {
                    "name": region[level]["name"],
                    "code": region[level]["code"],
                    "level": level,
                    "agencies": defaultdict(list),
                },
            )
            node["agencies"][agency_page(r)].append(r)
    return tree


def report_dates(report: dict) -> list[str]:
    """The dates (YYYY-MM-DD) a report's data records: signed, published, fetched."""
    source = report.get("source", {})
    dates = [report.get("date_signed"), source.get("published"), source.get("fetched")]
    return [str(d)[:10] for d in dates if d]


def headline_figures(reports: list[dict], tree: dict) -> dict:
    """The home page's figures: counts of reports, agencies, regions and years, and the applications
    received and granted summed over the reports whose table B can be counted (`countable`), with
    how many those are. The share granted is 予以公开 / 办理结果总计 over those reports; None if none."""
    cells = {f.key: f.cell for f in load_definitions().figures}  # template/rates.yaml: each figure's cell
    counted = [r for r in reports if countable(r, cells["applications_new"].split(".")[0])[0]]

    def total(figure: str) -> int:
        """The figure summed over the counted reports (a blank cell adds nothing)."""
        return sum(cell.value or 0 for r in counted if (cell := find_cell(r, cells[figure])) is not None)

    received, granted, completed = (
        total(f) for f in ("applications_new", "applications_granted", "applications_completed")
    )
    years = Counter(r["year"] for r in reports)
    return {
        "reports": len(reports),
        "agencies": len({r["agency_path"] for r in reports}),
        "regions": len(tree),
        "years": sorted(years.items()),
        "counted": len(counted),
        "received": received,
        "granted": granted,
        "completed": completed,
        "granted_share": f"{granted / completed:.0%}" if completed else None,
    }


def build_info(reports: list[dict]) -> dict:
    """Facts about the data a build publishes, the same for the same data: the number of reports,
    the latest date in them (the build date when SOURCE_DATE_EPOCH is unset, docs/overrides/hooks.py)
    and a data version, the first 12 hex digits of a sha256 over every report's JSON (without the
    file's modification time, which a fresh checkout changes)."""
    digest = hashlib.sha256()
    for r in sorted(reports, key=lambda r: r["id"]):
        public = {**r, "source": {k: v for k, v in r["source"].items() if k != "modified"}}
        digest.update(json.dumps(public, ensure_ascii=False, sort_keys=True).encode())
    dates = [d for r in reports for d in report_dates(r)]
    return {"reports": len(reports), "latest_date": max(dates, default=None), "data_version": digest.hexdigest()[:12]}
