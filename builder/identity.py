"""A report's identity in one step: its agency (registry entry), its region (GB/T 2260) and its page address."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from builder.agencies import (
    RegistryIndex,
    agency_path,
    match_agency,
    normalize_name,
    unconfirmed_warning,
    unique_path,
)
from builder.regions import LEVELS, Divisions, load_divisions, resolve_region
from builder.slugs import compact_slug


@dataclass(frozen=True)
class Place:
    """One level of a region: the level (province, city or county), its GB/T 2260 name and 6-digit code."""

    level: str
    name: str
    code: str


@dataclass(frozen=True)
class Identity:
    """Who published a report and where it lives on the site, settled once by resolve_identities.

    `agency_id`: the registry entry's id; `status`: confirmed (checked by a person) or unconfirmed (made by a
    build); `places`: the entry's region, coarsest level first, absent levels left out (a municipality's
    district has no city); `agency_path`: the agency's current address (ningxia/zhongwei/shapotou/weijian);
    `page`: the report's own address (…/weijian/2023, with a suffix where two reports would share it)."""

    agency_id: str
    status: str
    places: tuple[Place, ...]
    agency_path: str
    page: str

    @property
    def region_code(self) -> str | None:
        """The GB/T 2260 code of the region's finest level, or None for an entry without a region."""
        return self.places[-1].code if self.places else None

    @property
    def region_name(self) -> str:
        """The region's names, coarsest first, joined by spaces (宁夏回族自治区 中卫市 沙坡头区)."""
        return " ".join(place.name for place in self.places)

    def region(self) -> dict:
        """The region as the report JSON holds it: {"province", "city", "county": {"name", "code"} | None}."""
        by_level = {place.level: {"name": place.name, "code": place.code} for place in self.places}
        return {level: by_level.get(level) for level in LEVELS}

    def report_fields(self) -> dict:
        """The keys the build adds to a report's JSON for its identity, in their published order: agency_id,
        agency_path, agency_status, region, region_name, page (builder/schema)."""
        return {
            "agency_id": self.agency_id,
            "agency_path": self.agency_path,
            "agency_status": self.status,
            "region": self.region(),
            "region_name": self.region_name,
            "page": self.page,
        }


@dataclass(frozen=True)
class Identities:
    """What resolve_identities returns: the registry with any new unconfirmed entries, {report id: Identity},
    and {report id: agency warnings} (builder.agencies.warning dicts) for the reports that have any."""

    registry: dict
    by_report: dict[str, Identity]
    warnings: dict[str, list[dict]]


def entry_places(region: dict) -> tuple[Place, ...]:
    """Given a registry entry's region ({"province", "city", "county": {"name", "code"} | None}), return its
    levels as Places, coarsest first, absent levels left out."""
    return tuple(Place(level, region[level]["name"], region[level]["code"]) for level in LEVELS if region.get(level))


def report_region_text(report: dict) -> str:
    """Given a parsed report dict, return the text that tells where it is from: its title, contact address and
    the narrative of every section, one per line (missing parts are empty lines)."""
    parts = [report.get("title", ""), report.get("contact", {}).get("address", "")]
    parts += [s.get("text", "") for s in report.get("sections", [])]
    return "\n".join(parts)


def report_region(report: dict, divisions: Divisions) -> dict:
    """Given a parsed report dict, return the region its agency name and text point to (regions.resolve_region:
    the name decides; title, narrative, phone and website choose among the places it names)."""
    contact = report.get("contact", {})
    return resolve_region(
        report["agency"], report_region_text(report), report.get("website"), contact.get("phone"), divisions
    )


def report_entry(report: dict, registry: dict, index: RegistryIndex, divisions: Divisions) -> tuple[dict, list[dict]]:
    """Given a parsed report, the registry as read, its index (entries put so far) and the divisions, return
    (the report's registry entry, its agency warnings). An agency that cannot be matched with confidence gets an
    unconfirmed entry, the one an earlier build made for the same name where there is one, so its address stays
    fixed; it is flagged, in the same words, in every build until a person confirms it."""
    region = report_region(report, divisions)
    entry, found = match_agency(registry, report["agency"], region, divisions=divisions, index=index)
    if entry.get("status") != "unconfirmed":
        return entry, found
    entry = index.earlier_unconfirmed(report["agency"]) or entry
    renamed = [w for w in found if w["code"] == "new_name"]
    return entry, [*renamed, unconfirmed_warning(report["agency"], entry, region)]


def base_page(report: dict, path: str) -> str:
    """Given a report and its agency's address, return its page address before collisions are settled: agency
    address / year, and the `-2` of a second file of one agency-year (builder.revisions) or of a duplicate id
    (build.dedupe_ids)."""
    suffix = report["id"].rsplit(str(report["year"]), 1)[-1]
    return f"{path}/{report['year']}{suffix}"


def settle_pages(reports: list[dict], paths: dict[str, str], agency_ids: dict[str, str | None], registry: dict) -> dict:
    """Given reports, {report id: its agency's address}, {report id: its registry entry's id} and the registry,
    return {report id: page address}, one address per report. Reports whose base addresses coincide (two names
    the registry takes as one agency, one year) are two bodies with two addresses: the one under the name the
    registry lists first keeps the base address, which earlier builds published; each other one gets
    `-<pinyin of its printed name>` after it."""
    names = {e["id"]: [normalize_name(n) for n in e.get("names", [])] for e in registry.get("agencies", [])}

    def rank(report: dict) -> tuple:
        known = names.get(agency_ids[report["id"]], [])
        name = normalize_name(report["agency"])
        return (known.index(name) if name in known else len(known), report["id"])

    by_base: dict[str, list[dict]] = defaultdict(list)
    for report in reports:
        by_base[base_page(report, paths[report["id"]])].append(report)
    taken, pages = set(by_base), {}
    for base, group in sorted(by_base.items()):
        first, *others = sorted(group, key=rank)
        pages[first["id"]] = base
        for report in others:
            pages[report["id"]] = unique_path(f"{base}-{compact_slug(report['agency'], 40)}", taken)
            taken.add(pages[report["id"]])
    return pages


def resolve_identities(reports: list[dict], registry: dict, divisions: Divisions | None = None) -> Identities:
    """Given parsed reports (unique ids, as build.dedupe_ids leaves them) and the registry, return their
    Identities: each report's agency (builder.agencies), region (builder.regions, GB/T 2260) and page address,
    settled in one pass. Matching costs the same per report whatever the registry's size (one RegistryIndex for
    the whole pass). Reports are not changed."""
    d = divisions or load_divisions()
    index, warnings, entries = RegistryIndex(registry), {}, {}
    for report in reports:
        entry, found = report_entry(report, registry, index, d)
        index.put(entry)
        entries[report["id"]] = entry
        if found:
            warnings[report["id"]] = found
    registry = {**registry, "agencies": index.agencies}
    paths = {rid: agency_path(entry) for rid, entry in entries.items()}
    pages = settle_pages(reports, paths, {rid: entry["id"] for rid, entry in entries.items()}, registry)
    by_report = {rid: entry_identity(entry, pages[rid]) for rid, entry in entries.items()}
    return Identities(registry, by_report, warnings)


def entry_identity(entry: dict, page: str) -> Identity:
    """Given a registry entry and a report's page address, return the report's Identity (an entry without a
    status was made by a build: unconfirmed)."""
    return Identity(
        entry["id"], entry.get("status", "unconfirmed"), entry_places(entry["region"]), agency_path(entry), page
    )
