"""China's administrative divisions, and the region of an agency resolved from what its report says."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from builder.slugs import compact_slug

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "divisions"
LEVELS = ("province", "city", "county")
GENERIC_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "特区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
)
# County names this short (城区, 郊区, 西区, 高县, 南县…) are common words in prose: trusted in an agency's name only.
MIN_TEXT_COUNTY_NAME = 3
PHONE = re.compile(r"(?<!\d)(0(?:10|2\d|[3-9]\d{2}))\s*[-－—]?\s*\d{7,8}(?!\d)")
HOST = re.compile(r"(?:https?://)?((?:[a-z0-9-]+\.)+gov\.cn)", re.IGNORECASE)


@dataclass(frozen=True)
class Division:
    """One administrative division of data/divisions/divisions.csv: its 6-digit GB/T 2260 (民政部) code, name
    (宁夏回族自治区), level (province, city or county) and parent's code ("" for a province)."""

    code: str
    name: str
    level: str
    parent_code: str


@dataclass(frozen=True)
class Clue:
    """One piece of evidence: where it came from, what it said, and the divisions it may mean."""

    source: str
    said: str
    codes: tuple[str, ...]

    def label(self) -> str:
        """Return the clue as `source:said` (name:沙坡头区, phone:0955), as listed in a region's "clues"."""
        return f"{self.source}:{self.said}"


@dataclass(frozen=True)
class Divisions:
    """The divisions dataset (data/divisions/) with its lookup tables: by_code {code: Division}; by_name {every
    name a text may use, aliases and short names included: codes it may mean}; phones {telephone area code:
    division code}; websites {gov.cn domain: code}; slugs {code: hand-set slug}; ethnic (see
    ethnic_suffix_pattern); children {parent code, "" for the country: child codes}."""

    by_code: dict[str, Division]
    by_name: dict[str, tuple[str, ...]]
    phones: dict[str, str]
    websites: dict[str, str]
    slugs: dict[str, str]
    ethnic: re.Pattern
    children: dict[str, tuple[str, ...]]
    # for find_mentions: {first character: the lengths of the names starting with it, longest first}, and a
    # pattern matching any such first character (so a scan jumps from one possible start to the next)
    name_lengths: dict[str, tuple[int, ...]] = field(default_factory=dict)
    name_starts: re.Pattern | None = None
    # {parent code: {code: slug}} of the sibling sets slugged so far (sibling_slugs), filled as asked
    slug_memo: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, repr=False)


def read_csv(path: Path) -> list[dict[str, str]]:
    """Given a UTF-8 CSV file with a header row, return its rows as {column: text}. Raises OSError if unreadable."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def ethnic_suffix_pattern(groups: list[str]) -> re.Pattern:
    """Given the ethnic group names, return a pattern whose group 1 is a name without `…族自治州` and the like."""
    names = "|".join(sorted(map(re.escape, groups), key=len, reverse=True))
    return re.compile(rf"^(.{{2,}}?)(?:(?:{names})族?)+自治(?:区|州|县|旗)$")


def short_name(name: str, ethnic: re.Pattern) -> str:
    """Given a division's name, return it without its generic suffix (宁夏回族自治区 -> 宁夏, 西区 -> 西区)."""
    m = ethnic.match(name)
    if m:
        return m.group(1)
    for suffix in GENERIC_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def names_index(divisions: dict[str, Division], aliases: list[dict], ethnic: re.Pattern) -> dict[str, tuple[str, ...]]:
    """Given the divisions, return every name a text may use for them (full names, aliases, short names of
    provinces and cities) with the codes it may mean."""
    index: dict[str, list[str]] = {}
    for d in divisions.values():
        index.setdefault(d.name, []).append(d.code)
        if d.level in ("province", "city"):
            short = short_name(d.name, ethnic)
            if short != d.name:
                index.setdefault(short, []).append(d.code)
    for a in aliases:
        index.setdefault(a["alias"], []).append(a["code"])
    return {name: tuple(dict.fromkeys(codes)) for name, codes in index.items()}


def children_index(by_code: dict[str, Division]) -> dict[str, tuple[str, ...]]:
    """Given the divisions, return {parent code ("" for the country): the codes directly under it, by code}."""
    index: dict[str, list[str]] = {}
    for code in sorted(by_code):
        index.setdefault(by_code[code].parent_code, []).append(code)
    return {parent: tuple(codes) for parent, codes in index.items()}


def name_lengths(names) -> dict[str, tuple[int, ...]]:
    """Given names, return {first character: the lengths of the names starting with it, longest first}: at a
    place in a text, find_mentions looks up a few slices instead of trying every name."""
    index: dict[str, set[int]] = {}
    for name in names:
        index.setdefault(name[0], set()).add(len(name))
    return {char: tuple(sorted(lengths, reverse=True)) for char, lengths in index.items()}


def lengths_to_starts(lengths: dict[str, tuple[int, ...]]) -> re.Pattern:
    """Given name_lengths, return a pattern matching any character a name starts with."""
    return re.compile("[" + "".join(map(re.escape, sorted(lengths))) + "]")


def load_divisions(data_dir: Path = DATA_DIR) -> Divisions:
    """Given the folder of the divisions dataset (data/divisions: divisions.csv, aliases.csv,
    phone_area_codes.csv, websites.csv, slug_overrides.csv, ethnic_groups.txt), return it as Divisions, read
    once per folder (cached). Raises OSError if a file is missing, KeyError if a CSV lacks a column."""
    return _load_divisions(Path(data_dir))


@cache
def _load_divisions(data_dir: Path) -> Divisions:
    rows = read_csv(data_dir / "divisions.csv")
    by_code = {r["code"]: Division(r["code"], r["name"], r["level"], r["parent_code"]) for r in rows}
    ethnic = ethnic_suffix_pattern((data_dir / "ethnic_groups.txt").read_text(encoding="utf-8").split())
    by_name = names_index(by_code, read_csv(data_dir / "aliases.csv"), ethnic)
    lengths = name_lengths(by_name)
    return Divisions(
        by_code=by_code,
        by_name=by_name,
        phones={r["area_code"]: r["code"] for r in read_csv(data_dir / "phone_area_codes.csv")},
        websites={r["domain"]: r["code"] for r in read_csv(data_dir / "websites.csv")},
        slugs={r["code"]: r["slug"] for r in read_csv(data_dir / "slug_overrides.csv")},
        ethnic=ethnic,
        children=children_index(by_code),
        name_lengths=lengths,
        name_starts=lengths_to_starts(lengths),
    )


def ancestors(code: str, d: Divisions) -> list[str]:
    """Given a code, return it and its ancestors, finest first."""
    chain = []
    while code:
        chain.append(code)
        code = d.by_code[code].parent_code
    return chain


def consistent(a: str, b: str, d: Divisions) -> bool:
    """True when one of the two divisions lies within the other (or they are the same)."""
    return a in ancestors(b, d) or b in ancestors(a, d)


def depth(code: str, d: Divisions) -> int:
    """Given a division code, return its level as a number: 0 province, 1 city, 2 county. KeyError if unknown."""
    return LEVELS.index(d.by_code[code].level)


def find_mentions(text: str, d: Divisions, min_county_name: int = 1) -> list[tuple[str, int]]:
    """Given a text, return the division names it mentions as (name, position), longest match first, so that
    沙坡头区 is not also read as 坡头区 and 城东区 not as 东区."""
    lengths = d.name_lengths or name_lengths(d.by_name)
    starts = d.name_starts or lengths_to_starts(lengths)
    found = []
    at = starts.search(text)
    while at:
        i = at.start()
        name = next((text[i : i + n] for n in lengths[text[i]] if text[i : i + n] in d.by_name), None)
        if name is None:
            at = starts.search(text, i + 1)
            continue
        if len(name) >= min_county_name or any(d.by_code[c].level != "county" for c in d.by_name[name]):
            found.append((name, i))
        at = starts.search(text, i + len(name))
    return found


def mentions_to_clues(mentions: list[tuple[str, int]], source: str, d: Divisions) -> list[Clue]:
    """Given mentions, return one clue per distinct name, in order of first appearance."""
    names = dict.fromkeys(name for name, _ in mentions)
    return [Clue(source, name, d.by_name[name]) for name in names]


def phone_clues(text: str, d: Divisions) -> list[Clue]:
    """Given text holding phone numbers, return a clue for each known area code."""
    codes = dict.fromkeys(m.group(1) for m in PHONE.finditer(text))
    return [Clue("phone", c, (d.phones[c],)) for c in codes if c in d.phones]


def host_to_code(host: str, d: Divisions) -> tuple[str, str] | None:
    """Given a host name, return (domain, division code) from the website table, or None."""
    host = host.lower()
    for domain, code in d.websites.items():
        if host == domain or host.endswith("." + domain):
            return domain, code
    return None


def website_clues(text: str, d: Divisions) -> list[Clue]:
    """Given text holding web addresses, return a clue for each known government domain."""
    hits = dict.fromkeys(filter(None, (host_to_code(m.group(1), d) for m in HOST.finditer(text))))
    return [Clue("website", domain, (code,)) for domain, code in hits]


def name_candidates(clues: list[Clue], d: Divisions) -> list[str]:
    """Given the clues of an agency's name, return the finest divisions that agree with all of them."""
    if not clues:
        return []
    finest = max(depth(c, d) for clue in clues for c in clue.codes)
    pool = list(dict.fromkeys(c for clue in clues for c in clue.codes if depth(c, d) == finest))
    agreeing = [c for c in pool if all(any(consistent(c, x, d) for x in clue.codes) for clue in clues)]
    return agreeing or pool


def support(code: str, clues: list[Clue], d: Divisions, within_only: bool = False) -> list[Clue]:
    """Given a candidate and clues, return the clues that agree with it (with `within_only`, only the clues
    naming the candidate or a division containing it)."""
    chain = ancestors(code, d)
    if within_only:
        return [clue for clue in clues if any(x in chain for x in clue.codes)]
    return [clue for clue in clues if any(consistent(code, x, d) for x in clue.codes)]


def pick(candidates: list[str], clues: list[Clue], d: Divisions, within_only: bool = False) -> list[str]:
    """Given candidates, return the one best supported by the clues, or all those tied at the top."""
    if len(candidates) <= 1:
        return candidates
    scores = {c: len(support(c, clues, d, within_only)) for c in candidates}
    best = max(scores.values())
    if best == 0:
        return candidates
    top = [c for c in candidates if scores[c] == best]
    if within_only and len(top) > 1:
        finest = max(depth(c, d) for c in top)
        top = [c for c in top if depth(c, d) == finest]
    return top


def division_ref(code: str | None, d: Divisions) -> dict | None:
    """Given a division code or None, return {"name", "code"} for it (as a region level holds it), or None."""
    return {"name": d.by_code[code].name, "code": code} if code else None


def code_to_levels(code: str, d: Divisions) -> dict:
    """Given a code, return {"province", "city", "county"}, each {"name", "code"} or None."""
    by_level = {d.by_code[c].level: c for c in ancestors(code, d)}
    return {level: division_ref(by_level.get(level), d) for level in LEVELS}


def common_ancestor(codes: list[str], d: Divisions) -> str | None:
    """Given one or more division codes, return the finest division containing them all (a code contains itself),
    or None when they lie in different provinces."""
    chains = [ancestors(c, d) for c in codes]
    shared = [c for c in chains[0] if all(c in chain for chain in chains)]
    return shared[0] if shared else None


def full_name(code: str, d: Divisions) -> str:
    """Given a division code, return its name with its ancestors', coarsest first (宁夏回族自治区 中卫市 沙坡头区)."""
    return " ".join(d.by_code[c].name for c in reversed(ancestors(code, d)))


def resolve_region(
    agency_name: str,
    text: str = "",
    website: str | None = None,
    phone: str | None = None,
    divisions: Divisions | None = None,
) -> dict:
    """Given an agency's name and what its report says, return its region:
    {"province", "city", "county": {"name", "code"} | None, "status": "resolved" | "ambiguous" | "unresolved",
    "candidates": [{"code", "name"}] (when ambiguous), "clues": ["name:沙坡头区", "text:西宁市", "phone:0955", …]}.
    The places named in the agency's name decide; the text, phone and website only choose among them. When
    the name names no place, the place the other clues agree on best is taken. A tie is reported, never broken.
    """
    d = divisions or load_divisions()
    by_name = mentions_to_clues(find_mentions(agency_name, d), "name", d)
    context = (
        mentions_to_clues(find_mentions(text, d, MIN_TEXT_COUNTY_NAME), "text", d)
        + phone_clues(" ".join(filter(None, [phone, text])), d)
        + website_clues(" ".join(filter(None, [website, text])), d)
    )
    if by_name:
        chosen = pick(name_candidates(by_name, d), context, d)
    else:
        chosen = pick(list(dict.fromkeys(c for clue in context for c in clue.codes)), context, d, within_only=True)
    if not chosen:
        return {**dict.fromkeys(LEVELS), "status": "unresolved", "clues": []}
    shared = common_ancestor(chosen, d)
    result = code_to_levels(shared, d) if shared else dict.fromkeys(LEVELS)
    agreeing = [clue for clue in by_name + context if all(support(c, [clue], d) for c in chosen)]
    result["clues"] = list(dict.fromkeys(clue.label() for clue in agreeing))
    if len(chosen) == 1:
        return {**result, "status": "resolved"}
    candidates = [{"code": c, "name": full_name(c, d)} for c in sorted(chosen)]
    return {**result, "status": "ambiguous", "candidates": candidates}


def region_code(region: dict) -> str | None:
    """Given a region (as resolve_region returns), return the code of its finest level."""
    return next((region[level]["code"] for level in reversed(LEVELS) if region.get(level)), None)


def children(code: str | None, divisions: Divisions | None = None) -> list[Division]:
    """Given a division code (None for the country), return the divisions directly under it, by code."""
    d = divisions or load_divisions()
    return [d.by_code[c] for c in d.children.get(code or "", ())]


def division_slug(code: str, divisions: Divisions | None = None) -> str:
    """Given a code, return the ASCII slug of that division alone (宁夏回族自治区 -> ningxia), unique among its
    siblings: a slug two siblings would share gets the code appended."""
    d = divisions or load_divisions()
    return sibling_slugs(d.by_code[code].parent_code, d)[code]


def base_slug(division: Division, d: Divisions) -> str:
    """Given a division, return the pinyin of its short name (长宁区 -> changning; place names read as places, see
    builder.slugs), or its entry in slug_overrides.csv."""
    return d.slugs.get(division.code) or compact_slug(short_name(division.name, d.ethnic))


def sibling_slugs(parent_code: str, d: Divisions) -> dict[str, str]:
    """Given a parent code, return the slug of each division under it (worked out once per parent)."""
    if parent_code in d.slug_memo:
        return d.slug_memo[parent_code]
    siblings = [d.by_code[c] for c in d.children.get(parent_code, ())]
    bases = {x.code: base_slug(x, d) for x in siblings}
    counts: dict[str, int] = {}
    for s in bases.values():
        counts[s] = counts.get(s, 0) + 1
    d.slug_memo[parent_code] = {c: (s if counts[s] == 1 else f"{s}-{c}") for c, s in bases.items()}
    return d.slug_memo[parent_code]


def all_division_slugs(divisions: Divisions | None = None) -> dict[str, str]:
    """Return the slug of every division, {code: slug}, each set of siblings slugged once."""
    d = divisions or load_divisions()
    return {code: slug for parent in d.children for code, slug in sibling_slugs(parent, d).items()}


def region_slugs(region: dict, divisions: Divisions | None = None) -> list[str]:
    """Given a region, return the slugs of its levels, coarsest first (["ningxia", "zhongwei", "shapotou"])."""
    d = divisions or load_divisions()
    return [division_slug(region[level]["code"], d) for level in LEVELS if region.get(level)]
