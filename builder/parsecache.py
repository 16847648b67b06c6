"""Parse results kept on disk, keyed by what they were parsed from, so an unchanged report is never parsed again."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from functools import cache
from importlib import metadata
from pathlib import Path

from builder.provenance import sidecar_path

PACKAGE = Path(__file__).resolve().parent
# Every file whose content can change what parsing a report gives: the parser's modules (a test checks that
# parsing imports no other builder module and reads no other project file), the template, and the place
# readings used in report ids. A change in any of them gives another parser version, so no entry goes stale.
PARSER_FILES = (
    *(
        f"builder/{name}.py"
        for name in (
            "parse",
            "cells",
            "model",
            "slugs",
            "template",
            "config",
            "provenance",
            "stream",
            "similarity",
            "solver",
        )
    ),
    "builder/sources/*.py",
    "builder/template/*.yaml",
    "data/divisions/place_pinyin.csv",
    "data/divisions/divisions.csv",
)
# The libraries the readers call: another version may read a file otherwise.
PARSER_LIBRARIES = (
    "pypinyin",
    "pdfplumber",
    "pdfminer.six",
    "pypdfium2",
    "python-docx",
    "lxml",
    "charset-normalizer",
    "rapidocr-onnxruntime",
    "pyyaml",
    "jsonschema",
)


@cache
def parser_version() -> str:
    """Return the parser's version: a sha256 over PARSER_FILES (names and bytes), the readers' library versions
    and Python's version. Computed once per process."""
    paths = [path for pattern in PARSER_FILES for path in sorted(PACKAGE.parent.glob(pattern))]
    return files_and_libraries_hash(f"python {sys.version_info[:2]}", paths, PACKAGE.parent, PARSER_LIBRARIES)


def files_and_libraries_hash(seed: str, paths: list[Path], base: Path, libraries) -> str:
    """Return a sha256 over `seed`, each file's name (relative to `base`) and bytes, and each library's installed
    version (or `absent`): the version of code that a cache entry was made by."""
    digest = hashlib.sha256(seed.encode())
    for path in paths:
        digest.update(f"\0{path.relative_to(base)}\0".encode())
        digest.update(path.read_bytes())
    for library in libraries:
        try:
            digest.update(f"\0{library} {metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"\0{library} absent".encode())
    return digest.hexdigest()


def entry_key(path: Path, display: str, max_pages: int, version: str, digest: str | None = None) -> str:
    """Given a report file, the name it is shown under, the page limit, the parser version and the sha256 of the
    file's bytes (None: read and hashed here), return the key of its parse result: a sha256 over all that and
    the bytes of its provenance sidecar or, without one, the file's modification time (what builder.provenance
    records). Raises OSError if the file cannot be read."""
    recorded = sidecar_digest(path) or int(path.stat().st_mtime)
    digest = digest or file_sha256(path)
    parts = [version, display, digest, recorded, max_pages]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    """The sha256 (hex) of a file's bytes. Raises OSError."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


FINGERPRINTS = "files.json"  # beside the parse cache folder (parse-files.json): Fingerprints of the report files
RACY_NS = 2_000_000_000  # a file changed this close (ns) to the build may change again unseen: hashed next time too


class Fingerprints:
    """The sha256 of each report file remembered with its stat (size, mtime and ctime in ns, inode), as git's
    index does: a file whose stat is unchanged since the last build is not read and hashed again. The ctime
    cannot be set back by hand, so a file rewritten with its old size and mtime is still hashed again. A file
    changed within RACY_NS of the build is not remembered (it could change again within the clock's step).

    Takes the JSON file the fingerprints are kept in (a missing or unreadable one: every file is hashed)."""

    def __init__(self, target: Path):
        self.target = target
        self.known: dict[str, list] = load(target) or {}
        self.seen: dict[str, list] = {}
        self.hashed = 0  # files read and hashed by this build

    def sha256(self, path: Path) -> str:
        """Return the sha256 (hex) of `path`'s bytes: the remembered one when its stat is unchanged, else read
        and hashed. Raises OSError if the file cannot be read."""
        stat = path.stat()
        stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
        old = self.seen.get(str(path)) or self.known.get(str(path))  # seen: asked twice in one build
        if old and old[:4] == stamp:
            digest = old[4]
        else:
            digest = file_sha256(path)
            self.hashed += 1
        self.seen[str(path)] = [*stamp, digest]
        return digest

    def save(self) -> None:
        """Keep the fingerprints of the files seen in this build (not those changed within RACY_NS of now)."""
        settled = time.time_ns() - RACY_NS
        store(self.target, {name: v for name, v in self.seen.items() if max(v[1], v[2]) < settled})


def sidecar_digest(path: Path) -> str | None:
    """The sha256 of a report file's provenance sidecar, or None when it has none (or a name too long for one)."""
    try:
        return hashlib.sha256(sidecar_path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def entry_file(folder: Path, key: str) -> Path:
    """Given the cache folder and a key, return the file that holds (or will hold) that entry."""
    return folder / key[:2] / f"{key}.json"


def store(target: Path, value: dict) -> None:
    """Write one entry (JSON) whole: to a temporary file beside it, then one rename, so a reader never sees half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, target)


def load(target: Path) -> dict | None:
    """Return the entry in `target`, or None when there is none or it cannot be read (then it is parsed again)."""
    try:
        return json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def prune(folder: Path, keep: set[Path]) -> int:
    """Remove every entry in the cache folder except the files in `keep`; return how many were removed."""
    removed = 0
    for path in folder.glob("*/*"):
        if path not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
