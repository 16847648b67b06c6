"""Per-report results (findings, rendered pages) kept on disk, keyed by everything they are computed from, so a
rebuild after one report changed recomputes only that report's.

An entry's key is a sha256 over the code version (every file of the builder package, the library versions that
can change a result, the parser's version of builder.parsecache), the kind of result and its inputs serialised
whole as JSON in their own order. Inputs that JSON cannot give back equal (tuples, non-string keys, other
types) are never cached: the result is computed every time, so a cached result is always one the uncached build
would give, byte for byte.

A report the build has told the memo about (`Memo.know`, with the sha256 of its published JSON) stands in the
key as that digest instead of being serialised again: a report given as an input, or a copy of it whose values
are the report's own (the same objects) plus new keys (a view's `sector`), is keyed by the digest and the new
keys' values.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from builder import parsecache

PACKAGE = Path(__file__).resolve().parent
# Libraries whose version can change a rendered page, a finding or a download (templates, escaping, the checks'
# YAML, charts, tables, spreadsheets).
LIBRARIES = ("jinja2", "markupsafe", "pyyaml", "plotly", "pandas", "numpy", "xlsxwriter")


@cache
def code_version() -> str:
    """Return a sha256 over every file of the builder package (names and bytes; caches excluded), the versions
    of LIBRARIES and parsecache.parser_version(). Computed once per process."""
    paths = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return parsecache.files_and_libraries_hash(parsecache.parser_version(), paths, PACKAGE, LIBRARIES)


def exact_json(value: Any) -> str | None:
    """Return `value` as JSON (its own key order) if JSON gives it back equal, else None (a tuple, a non-string
    key, a type JSON does not have)."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    return text if json.loads(text) == value else None


BYTES = "\0bytes"  # a result's bytes are stored as {BYTES: base64}


def encode(value: Any) -> Any:
    """`value` with every bytes inside it (in dicts and lists) as {BYTES: its base64}."""
    if isinstance(value, bytes):
        return {BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [encode(v) for v in value]
    return value


def decode(value: Any) -> Any:
    """The inverse of encode."""
    if isinstance(value, dict):
        if list(value) == [BYTES]:
            return base64.b64decode(value[BYTES])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


class Memo:
    """A folder of results keyed by their inputs (see the module docstring). `used` holds the entry files read or
    written in this build, so that `prune` can remove the others."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.used: set[Path] = set()
        self.hits = 0
        self.misses = 0
        self.known: dict[str, tuple[dict, str]] = {}  # report id -> (the report, its digest): see know()

    def know(self, report: dict, digest: str) -> None:
        """Key `report` (and copies of it with more keys) by `digest` from now on: the sha256 of everything the
        report holds, taken when nothing will change it any more (the build: when its JSON is written)."""
        self.known[report["id"]] = (report, digest)

    def forget_reports(self) -> None:
        """Let go of the reports `know` was given (the build's last use of the memo is over)."""
        self.known.clear()

    def stand_in(self, value: Any) -> Any:
        """`value` with each report known to the memo (at the top or in a list) replaced by its digest and the
        keys a copy added ({"\0report": digest, "sector": …}); anything else as it is."""
        if isinstance(value, list):
            return [self.stand_in(v) for v in value]
        if not isinstance(value, dict) or not isinstance(value.get("id"), str) or value["id"] not in self.known:
            return value
        report, digest = self.known[value["id"]]
        if any(k not in value or value[k] is not v for k, v in report.items()):
            return value  # not the report as known: keyed whole
        return {"\0report": digest, **{k: v for k, v in value.items() if k not in report}}

    def get(self, kind: str, inputs: Any, compute: Callable[[], Any]) -> Any:
        """Return the result of `compute()` for `inputs` of `kind` (e.g. "findings"), read back from the folder
        when an entry for the same code version, kind and inputs is there, else computed and stored (bytes
        inside it as base64). A result that cannot be given back equal is returned and not stored; an entry that
        cannot be read is computed again."""
        serial = exact_json(self.stand_in(inputs))
        if serial is None:
            self.misses += 1
            return compute()
        key = hashlib.sha256(f"{code_version()}\0{kind}\0{serial}".encode()).hexdigest()
        target = parsecache.entry_file(self.folder, key)
        self.used.add(target)
        entry = parsecache.load(target)
        if entry is not None and "result" in entry:
            self.hits += 1
            return decode(entry["result"])
        self.misses += 1
        result = compute()
        stored = encode(result)
        if (serial := exact_json(stored)) is not None and decode(json.loads(serial)) == result:
            parsecache.store(target, {"result": stored})
        return result

    def prune(self) -> int:
        """Remove every entry not used in this build; return how many were removed."""
        return parsecache.prune(self.folder, self.used) if self.folder.is_dir() else 0
