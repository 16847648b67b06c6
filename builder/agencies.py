"""The agency registry: who published each report, matched by name and region, with addresses that never break."""

from __future__ import annotations

import re
import unicodedata
from bisect import insort
from pathlib import Path

import yaml

from builder.config import REGISTRY_SCHEMA, read_config
from builder.regions import Divisions, find_mentions, load_divisions, region_code, region_slugs
from builder.slugs import compact_slug

REGISTRY = Path(__file__).resolve().parent.parent / "data" / "agencies.yaml"
_NOISE = re.compile(r"[\s#*`>\u3000]+")
_ASCII_PATH = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*$")


def load_registry(path: Path = REGISTRY) -> dict:
    """Read and validate the registry: {"sectors": [{"name", "slug", "suffixes"}], "agencies": [entry, …]}.
    Raises ConfigError naming the file, the key path (`agencies[3].id`) and what was expected."""
    data = read_config(Path(path), REGISTRY_SCHEMA) or {}
    return {"sectors": data.get("sectors", []), "agencies": data.get("agencies", [])}


def registry_to_yaml(registry: dict) -> str:
    """Given the registry ({"sectors", "agencies"}), return it as YAML text in its own key order, Chinese
    kept as is (not \\u escapes), for writing back to data/agencies.yaml."""
    return yaml.safe_dump(registry, allow_unicode=True, sort_keys=False, width=200)


def normalize_name(name: str) -> str:
    """Given an agency name as printed, return it without width variants, spaces and markup marks."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", name)).strip("：:，,。")


def name_to_sector(name: str, sectors: list[dict]) -> dict | None:
    """Given a name, return the sector whose longest suffix ends it (卫生健康委员会 -> 卫生健康), or None."""
    name = normalize_name(name)
    hits = [(len(suffix), s) for s in sectors for suffix in s["suffixes"] if name.endswith(suffix)]
    return max(hits, key=lambda h: h[0])[1] if hits else None


def place_part(name: str, divisions: Divisions) -> str:
    """Given a name, return its leading run of place names (中卫市沙坡头区卫生健康局 -> 中卫市沙坡头区)."""
    name, end = normalize_name(name), 0
    for found, start in find_mentions(name, divisions):
        if start != end:
            break
        end = start + len(found)
    return name[:end]


def sector_slug(name: str, sector: dict | None, divisions: Divisions) -> str:
    """Given a name and its sector, return the agency's own slug (weijian), or the pinyin of what follows the
    place names when the sector is unknown."""
    if sector:
        return sector["slug"]
    rest = normalize_name(name)[len(place_part(name, divisions)) :]
    return compact_slug(rest or "zhengfu", 40)


def all_paths(registry: dict) -> set[str]:
    """Given the registry, return every address any entry holds, current or old (old ones still redirect)."""
    return {p for e in registry["agencies"] for p in e.get("paths", [])}


def unique_path(path: str, taken: set[str]) -> str:
    """Given a wanted path and the paths already taken, return it, or it with -2, -3… appended."""
    if path not in taken:
        return path
    n = 2
    while f"{path}-{n}" in taken:
        n += 1
    return f"{path}-{n}"


def new_entry(
    registry: dict,
    name: str,
    region: dict,
    status: str = "unconfirmed",
    divisions=None,
    index: RegistryIndex | None = None,
) -> dict:
    """Given the registry, a name and its region (as from regions.resolve_region), return a new registry entry
    {id, name, names, sector, region, paths, status} with an id and path unique in the registry (not yet added).
    An unresolved region gives the path unresolved/<sector slug>; `divisions` defaults to the GB/T 2260 table;
    `index` (the registry's RegistryIndex) saves scanning the registry for the paths and ids taken."""
    d = divisions or load_divisions()
    sector = name_to_sector(name, registry["sectors"])
    places = region_slugs(region, d) if region.get("status") == "resolved" else ["unresolved"]
    taken = index.paths if index else all_paths(registry)
    path = unique_path("/".join([*places, sector_slug(name, sector, d)]), taken)
    ids = index.positions if index else {e["id"] for e in registry["agencies"]}
    return {
        "id": unique_path(path.replace("/", "-"), ids),
        "name": normalize_name(name),
        "names": [normalize_name(name)],
        "sector": sector["name"] if sector else None,
        "region": {k: region.get(k) for k in ("province", "city", "county")},
        "paths": [path],
        "status": status,
    }


def warning(code: str, name: str, message: str, **extra) -> dict:
    """Given a code (new_agency, region_ambiguous, duplicate_path, …), the agency name and a message, return
    the agency warning as a dict {code, name, message, **extra} (extra: e.g. candidates, a list of region codes)."""
    return {"code": code, "name": name, "message": message, **extra}


def match_agency(
    registry: dict, name: str, region: dict, divisions=None, index: RegistryIndex | None = None
) -> tuple[dict, list[dict]]:
    """Given the registry, an agency name and its resolved region, return (entry, warnings); `index` (the
    registry's RegistryIndex, kept by identity.resolve_identities) saves scanning the registry.

    An entry is matched only when its region is the same and it bears the name, or it is the one entry of that
    region and sector (then the name is added to its names, with a warning). Anything else, an unresolved or
    ambiguous region above all, gets a new entry marked unconfirmed and a warning: never a guess.
    """
    key, code = normalize_name(name), region_code(region)
    if region.get("status") != "resolved" or code is None:
        candidates = [c["code"] for c in region.get("candidates", [])]
        message = f"{key}: region {region.get('status')}; new unconfirmed agency, not merged"
        entry = new_entry(registry, name, region, divisions=divisions, index=index)
        return entry, [warning("region_" + str(region.get("status")), key, message, candidates=candidates)]
    local = index.in_region(code) if index else [e for e in registry["agencies"] if region_code(e["region"]) == code]
    named = [e for e in local if key in map(normalize_name, e["names"])]
    if len(named) == 1:
        return named[0], []
    sector = name_to_sector(name, registry["sectors"])
    same_sector = [e for e in local if sector and e.get("sector") == sector["name"]]
    if not named and len(same_sector) == 1:
        entry = {**same_sector[0], "names": [*same_sector[0]["names"], key]}
        return entry, [warning("new_name", key, f"{key}: taken as a new name of {entry['id']} ({entry['name']})")]
    entry = new_entry(registry, name, region, divisions=divisions, index=index)
    why = "several entries match" if named or len(same_sector) > 1 else "no entry matches"
    return entry, [warning("new_agency", key, f"{key}: {why}; new unconfirmed agency {entry['id']}")]


def agency_path(entry: dict) -> str:
    """Given a registry entry, return its current address (ningxia/zhongwei/shapotou/weijian), the first of its
    paths; the others are old addresses kept as redirects."""
    return entry["paths"][0]


def report_path(entry: dict, year: int) -> str:
    """Given a registry entry and a year, return its report's address (ningxia/zhongwei/shapotou/weijian/2023)."""
    return f"{agency_path(entry)}/{year}"


def move_agency(entry: dict, new_path: str) -> dict:
    """Given an entry and its new address, return the entry with the old addresses kept after it."""
    return {**entry, "paths": [new_path, *(p for p in entry["paths"] if p != new_path)]}


def rename_agency(entry: dict, new_name: str) -> dict:
    """Given an entry and the name it now uses, return the entry with that name first; its address is kept."""
    key = normalize_name(new_name)
    return {**entry, "name": key, "names": [key, *(n for n in entry["names"] if n != key)]}


def redirects(registry: dict) -> list[tuple[str, str]]:
    """Given the registry, return (old address, current address) for every old address of every entry, for the
    site's redirect pages."""
    return [(old, agency_path(e)) for e in registry["agencies"] for old in e["paths"][1:]]


def check_registry(registry: dict) -> list[dict]:
    """Given the registry, return its problems as warnings (see `warning`): duplicate_id, duplicate_path, and
    bad_path for a path not made of lowercase ASCII a-z0-9, '-' and '/'. Raises nothing."""
    findings, seen_ids, seen_paths = [], {}, {}
    for e in registry["agencies"]:
        if e["id"] in seen_ids:
            findings.append(warning("duplicate_id", e["name"], f"id {e['id']} also used by {seen_ids[e['id']]}"))
        seen_ids.setdefault(e["id"], e["name"])
        for p in e["paths"]:
            if not _ASCII_PATH.match(p):
                findings.append(warning("bad_path", e["name"], f"path {p!r} is not lowercase ASCII a-z0-9-/"))
            if p in seen_paths:
                findings.append(warning("duplicate_path", e["name"], f"path {p} also used by {seen_paths[p]}"))
            seen_paths.setdefault(p, e["name"])
    return findings


def with_entry(registry: dict, entry: dict) -> dict:
    """Given the registry and an entry, return the registry with the entry replacing the one of its id, or added."""
    others = [e for e in registry["agencies"] if e["id"] != entry["id"]]
    if len(others) == len(registry["agencies"]):
        return {**registry, "agencies": [*registry["agencies"], entry]}
    return {**registry, "agencies": [entry if e["id"] == entry["id"] else e for e in registry["agencies"]]}


def unconfirmed_warning(name: str, entry: dict, region: dict) -> dict:
    """Given a report's agency name, its unconfirmed registry entry and its resolved region, return the warning
    it gets in every build until a person confirms the entry: the build that made the entry and every later
    one say the same, so the same inputs give the same findings."""
    key, status = normalize_name(name), region.get("status")
    code = "unconfirmed" if status == "resolved" else f"region_{status}"
    candidates = [c["code"] for c in region.get("candidates", [])]
    message = (
        f"{key}: unconfirmed agency {entry['id']} (region {status}), not merged with any other; "
        "confirm it by hand in data/agencies.yaml"
    )
    return warning(code, key, message, candidates=candidates)


class RegistryIndex:
    """The registry's entries by id, region and unconfirmed name, and the paths taken, kept current as entries are
    put: matching a report then costs the same whatever the registry's size (identity.resolve_identities).

    Takes the registry; `agencies` is its list of entries as entries are put (with_entry's result)."""

    def __init__(self, registry: dict):
        self.agencies: list[dict] = []
        self.positions: dict[str, list[int]] = {}  # id -> where entries of that id are in `agencies`
        self.by_region: dict[str | None, list[int]] = {}
        self.unconfirmed: dict[str, list[int]] = {}  # normalized name -> unconfirmed entries bearing it
        self.paths: set[str] = set()
        for entry in registry["agencies"]:
            self.agencies.append(entry)
            self.note(len(self.agencies) - 1)

    def note(self, i: int) -> None:
        """Add the entry at position `i` to the lookups."""
        entry = self.agencies[i]  # positions kept in registry order, as a scan of the registry would find them
        insort(self.positions.setdefault(entry["id"], []), i)
        insort(self.by_region.setdefault(region_code(entry["region"]), []), i)
        if entry.get("status") == "unconfirmed":
            for key in dict.fromkeys(map(normalize_name, entry["names"])):
                insort(self.unconfirmed.setdefault(key, []), i)
        self.paths.update(entry.get("paths", []))

    def forget(self, i: int) -> None:
        """Remove the entry at position `i` from the lookups (paths stay taken)."""
        entry = self.agencies[i]
        self.positions[entry["id"]].remove(i)
        self.by_region[region_code(entry["region"])].remove(i)
        if entry.get("status") == "unconfirmed":
            for key in dict.fromkeys(map(normalize_name, entry["names"])):
                self.unconfirmed[key].remove(i)

    def put(self, entry: dict) -> None:
        """Replace the entries of `entry`'s id by it, or add it at the end (as with_entry does)."""
        places = self.positions.get(entry["id"]) or []
        if not places:
            self.agencies.append(entry)
            self.note(len(self.agencies) - 1)
        for i in list(places):
            self.forget(i)
            self.agencies[i] = entry
            self.note(i)

    def in_region(self, code: str | None) -> list[dict]:
        """The entries whose region's finest code is `code`, in registry order."""
        return [self.agencies[i] for i in self.by_region.get(code, [])]

    def earlier_unconfirmed(self, name: str) -> dict | None:
        """The unconfirmed entry already made for this exact name, if there is exactly one; else None."""
        same = self.unconfirmed.get(normalize_name(name), [])
        return self.agencies[same[0]] if len(same) == 1 else None
