"""Pure: reports -> Atom feeds (RFC 4287) of new and revised reports, dated by the reports, never the build."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
SITE_NAME = "政府信息公开年报 Disclosure Reports"
CHINA = timezone(timedelta(hours=8))
MAX_ENTRIES = 50
# The namespace of the entry and feed ids: uuid5 of a stable name, so ids never change between builds.
ID_SPACE = uuid.UUID("6f1b2f7e-3f0c-4f57-9b7a-2a4c1d0e5b11")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?(Z|[+-]\d{2}:?\d{2})?")


def parse_date(text: str | None) -> datetime | None:
    """A date or time as printed in provenance (`2017-01-18 15:57`, `2023-01-18`, `2026-11-30T09:33:45Z`),
    as an aware datetime; a time without a zone is China time (UTC+8). None when there is no date."""
    m = _DATE.match(text or "")
    if not m:
        return None
    y, mo, d, h, mi, s, zone = m.groups()
    tz = CHINA
    if zone == "Z":
        tz = UTC
    elif zone:
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[-2:])))
    try:
        return datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)
    except ValueError:
        return None


def report_date(report: dict) -> datetime | None:
    """When a report appeared, from the report itself: the publication date its web page gave, else the
    date it was signed, else when it was fetched, else the file's own date. Never the build time."""
    source = report.get("source") or {}
    for text in (source.get("published"), report.get("date_signed"), source.get("fetched"), source.get("modified")):
        if (when := parse_date(text)) is not None:
            return when
    return None


def atom_time(when: datetime) -> str:
    """An RFC 3339 time as Atom wants it."""
    return when.isoformat()


def entry_title(report: dict, revisions: int) -> str:
    """`平潭综合实验区 2022年政府信息公开工作年度报告`, with （修订）when newer files replaced older ones."""
    title = f"{report['agency']} {report['year']}年政府信息公开工作年度报告"
    return f"{title}（修订 {revisions} 次）" if revisions else title


def add(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    """Append an Atom element with text and attributes."""
    element = etree.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def feed_xml(feed_path: str, title: str, page_href: str, entries: list[dict], site_url: str | None = None) -> bytes:
    """An Atom feed document. `feed_path` is the feed's path from the site root (its id and self link);
    each entry is {report, href (relative to the site root), summary, revisions}. Entries are sorted
    newest first and cut to MAX_ENTRIES; reports without any date are left out (Atom needs one).
    Links are relative to the feed unless `site_url` is given."""
    depth = feed_path.count("/")
    base = site_url.rstrip("/") + "/" if site_url else "../" * depth
    dated = [(when, e) for e in entries if (when := report_date(e["report"])) is not None]
    dated.sort(key=lambda pair: (pair[0], pair[1]["report"]["id"]), reverse=True)
    dated = dated[:MAX_ENTRIES]
    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "zh")
    add(root, "id", uuid.uuid5(ID_SPACE, feed_path).urn)
    add(root, "title", title)
    add(root, "updated", atom_time(dated[0][0] if dated else datetime(2000, 1, 1, tzinfo=UTC)))
    add(root, "link", rel="self", type="application/atom+xml", href=base + feed_path)
    add(root, "link", rel="alternate", type="text/html", href=base + page_href)
    add(add(root, "author"), "name", SITE_NAME)
    add(root, "generator", "builder/feeds.py")
    for when, e in dated:
        report = e["report"]
        entry = add(root, "entry")
        add(entry, "id", uuid.uuid5(ID_SPACE, f"{report['id']}/{report['source'].get('sha256', '')}").urn)
        add(entry, "title", entry_title(report, e.get("revisions", 0)))
        add(entry, "updated", atom_time(when))
        add(entry, "link", rel="alternate", type="text/html", href=base + e["href"])
        add(add(entry, "author"), "name", report["agency"])
        add(entry, "summary", e["summary"])
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
