"""Where each report file came from: `add` copies or downloads it and writes a `<file>.meta.yaml` sidecar."""

from __future__ import annotations

import hashlib
import re
import stat
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

import yaml

from builder.model import ReportError

SIDECAR_SUFFIX = ".meta.yaml"
SIDECAR_KEYS = ("url", "fetched", "sha256", "bytes", "original_name", "method")
# keys of a sidecar that become keys of the Document's meta (and so of report["source"])
META_KEYS = {"url": "url", "published": "published", "fetched": "fetched", "original_name": "original_name"}
MAX_SIDECAR_BYTES = 64 * 1024  # a record is a few hundred bytes
MAX_NAME_BYTES = 255  # the longest file name most file systems allow
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024  # a report is a few MB at most; stop a runaway download
TIMEOUT_SECONDS = 60
USER_AGENT = "gov-disclosure-reports-builder/1 (+python urllib)"
SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
CONTENT_TYPES = {
    "application/pdf": ".pdf",
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


@dataclass(frozen=True)
class Added:
    """What `add` did: the file written into the reports folder and its sidecar record."""

    path: Path
    sidecar: Path
    record: dict
    already_present: bool = False


# --- pure helpers ------------------------------------------------------------------------------


def sidecar_path(path: Path) -> Path:
    """Given a report file, return the path of its provenance sidecar."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def utc_now() -> str:
    """The current UTC time as ISO 8601 to the second, `Z`-suffixed (a sidecar's `fetched`)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def is_url(text: str) -> bool:
    """Whether text is an http(s) address (what `add` downloads) rather than a path."""
    return re.match(r"^https?://", text, re.I) is not None


def safe_name(name: str) -> str:
    """Given a file name from a URL or a header, return one that cannot leave the target folder."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f<>:\"|?*]", "_", name).strip().lstrip(".")
    return name or "report"


def download_name(url: str, content_disposition: str | None, content_type: str | None) -> str:
    """Given a URL and its response headers, return a file name with a supported extension if one can be told."""
    name = ""
    if content_disposition:
        msg = Message()
        msg["content-disposition"] = content_disposition
        name = msg.get_filename() or ""
    if not name:
        name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    name = safe_name(name)
    if Path(name).suffix.lower() not in SUPPORTED and content_type:
        suffix = CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
        if suffix:
            name += suffix
    return name


def free_name(folder: Path, name: str) -> Path:
    """Given a wanted file name, return a path in folder that no file (nor its sidecar) uses yet:
    an existing file is never overwritten, the new one becomes `stem-2.ext`, `stem-3.ext`, ..."""
    path = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while path.exists() or sidecar_path(path).exists():
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def provenance_record(
    data: bytes, original_name: str, fetched: str, url: str | None, method: str, extra: dict | None = None
) -> dict:
    """Given a file's bytes and where they came from, return the sidecar record (keys in SIDECAR_KEYS order)."""
    record = {
        "url": url,
        "fetched": fetched,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "original_name": original_name,
        "method": method,
        **(extra or {}),
    }
    return {k: v for k, v in record.items() if v is not None}


def sidecar_to_meta(record: dict, sha256: str, sidecar_name: str) -> tuple[dict, list[str]]:
    """Given a sidecar record and the file's current sha256, return (Document meta keys, notes)."""
    meta, notes = {}, []
    for k, key in META_KEYS.items():
        value = record.get(k)
        if isinstance(value, dict | list | tuple | set):
            notes.append(f"{sidecar_name}: '{k}' is not a single value; ignored")
        elif value not in (None, ""):
            meta[key] = str(value)
    if record.get("sha256") and record["sha256"] != sha256:
        notes.append(
            f"{sidecar_name}: the file changed after it was fetched "
            f"(sha256 then {record['sha256'][:12]}…, now {sha256[:12]}…)"
        )
    return meta, notes


# --- reading and writing sidecars ----------------------------------------------------------------


def read_sidecar(path: Path, sha256: str) -> tuple[dict, list[str]]:
    """Given a report file, return (meta from its sidecar, notes); ({}, []) when it has none (or its
    name would be too long for one to exist). A damaged or hostile sidecar never makes the report
    unreadable, nor slow: it becomes a note."""
    side = sidecar_path(path)
    try:
        info = side.stat()
    except OSError:  # no sidecar; ENAMETOOLONG: the report's name leaves no room for one
        return {}, []
    unread = "so the report's source URL and fetch time are not shown"
    if not stat.S_ISREG(info.st_mode):
        return {}, [f"{side.name}: not a regular file, {unread}"]
    if info.st_size > MAX_SIDECAR_BYTES:
        size = f"{info.st_size} bytes, more than a provenance record needs ({MAX_SIDECAR_BYTES})"
        return {}, [f"{side.name}: {size}, {unread}"]
    try:
        record = text_to_record(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return {}, [f"{side.name}: provenance record unreadable ({type(exc).__name__}), {unread}"]
    except ValueError as exc:
        return {}, [f"{side.name}: {exc}, {unread}"]
    if not isinstance(record, dict):
        return {}, [f"{side.name}: provenance record is not a mapping of keys, {unread}"]
    return sidecar_to_meta(record, sha256, side.name)


def text_to_record(text: str):
    """Given a sidecar's YAML, return what it holds; raise ValueError for YAML aliases (`&a`, `*a`),
    which a record never needs and which can make a tiny file expand without bound."""
    if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
        raise ValueError("provenance record uses YAML aliases (*name), which a record never needs")
    return yaml.safe_load(text)


def with_sidecar(doc, path: Path, data: bytes):
    """Given a Document read from path, return it with its sidecar's provenance merged into meta
    (url, published, fetched, original_name) and notes. The file's own time is never recorded: a
    checkout or a copy resets it, so it says nothing about the report (see builder/revisions.py)."""
    recorded, notes = read_sidecar(path, hashlib.sha256(data).hexdigest())
    return replace(doc, meta={**doc.meta, **recorded}, notes=tuple(doc.notes) + tuple(notes))


def write_sidecar(path: Path, record: dict) -> Path:
    """Write a report file's provenance record beside it as YAML; return the sidecar's path."""
    side = sidecar_path(path)
    side.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return side


# --- add -----------------------------------------------------------------------------------------


def fetch_url(url: str, max_bytes: int = MAX_DOWNLOAD_BYTES) -> tuple[bytes, str, dict]:
    """Given an http(s) URL, download it (60 s timeout, at most `max_bytes`) and return (bytes, file name,
    extra sidecar keys: final_url, last_modified, content_type when known). Raises ReportError saying why not:
    an HTTP error, no connection, larger than `max_bytes`, or empty."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            data = response.read(max_bytes + 1)
            headers, final_url = response.headers, response.geturl()
    except urllib.error.HTTPError as exc:
        raise ReportError(url, f"download failed: HTTP {exc.code} {exc.reason}; check the address") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ReportError(
            url, f"download failed: {reason}; check the address and the network, or download the file and add its path"
        ) from None
    if len(data) > max_bytes:
        raise ReportError(
            url, f"download stopped: larger than {max_bytes // (1024 * 1024)} MB; download it by hand and add the file"
        )
    if not data:
        raise ReportError(url, "download is empty (0 bytes)")
    name = download_name(final_url, headers.get("Content-Disposition"), headers.get("Content-Type"))
    extra = {
        "final_url": final_url if final_url != url else None,
        "last_modified": headers.get("Last-Modified"),
        "content_type": headers.get("Content-Type"),
    }
    return data, name, {k: v for k, v in extra.items() if v}


def add_report(
    source: str, reports_dir: Path, source_url: str | None = None, name: str | None = None, force: bool = False
) -> Added:
    """Copy (a path) or download (an http(s) URL) a report into reports_dir and write its sidecar.

    Refused with a ReportError saying why: a source or --source-url that is an address but not
    http(s), a name too long to hold a sidecar beside it, and, unless `force`, bytes that cannot be a
    report (empty, binary data under a text or PDF name, a broken Word package: see
    sources.content_problem) or that are already in the reports tree under another path (by sha256).
    An existing file is never replaced: the same bytes under the same name are reported as already
    present; anything else gets a free name, so that an older version of a report stays beside it.
    `source_url` is recorded as where it was published; `name` overrides the file name. Returns Added.
    Also raises ReportError when the file cannot be read or downloaded (see read_local, fetch_url)."""
    fetched = utc_now()
    if source_url is not None:
        check_web_address(source_url, "--source-url")
    if is_url(source):
        check_web_address(source, "the address")
        data, original, extra = fetch_url(source)
        url, method = source_url or source, "download"
        if source_url and source_url != source:
            extra["downloaded_from"] = source
    else:
        if SCHEME.match(source):
            check_web_address(source, "the address")
        data, original, url, method, extra = read_local(source), Path(source).name, source_url, "copy", {}
    target_name = safe_name(name or original)
    check_target_name(source, target_name)
    record = provenance_record(data, original, fetched, url, method, extra)
    same = find_same_bytes(reports_dir, data, record["sha256"])
    if same is not None and same == reports_dir / target_name:
        return Added(same, sidecar_path(same), record, already_present=True)
    if not force:
        refuse_junk(source, data, target_name, same, reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    target = free_name(reports_dir, target_name)
    target.write_bytes(data)  # the bytes hashed above, not a second read of the source
    return Added(target, write_sidecar(target, record), record)


SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def check_web_address(url: str, what: str) -> None:
    """Raise ReportError unless url is an http(s) address with a host and no spaces or control characters."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"'{parts.scheme}:'" if parts.scheme else "none"
        raise ReportError(url, f"{what} must be an http:// or https:// address (its scheme is {shown})")
    if not parts.hostname or re.search(r"[\s\x00-\x1f\x7f]", url):
        raise ReportError(url, f"{what} is not a valid web address: it needs a host name and no spaces")


def read_local(source: str) -> bytes:
    """Given a local path, return its bytes; raise ReportError saying why not (missing, a folder, …)."""
    path = Path(source)
    if path.is_dir():
        raise ReportError(source, "this is a folder, not a file; add its report files one by one")
    if path.exists() and not path.is_file():
        raise ReportError(source, "not a regular file (a FIFO, socket or device)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReportError(source, f"cannot read file: {exc.strerror}") from None


def check_target_name(source: str, target_name: str) -> None:
    """Raise ReportError when a report cannot be stored under this name: unsupported extension, or too
    long for its provenance sidecar (name + .meta.yaml) to fit in a file name."""
    if Path(target_name).suffix.lower() not in SUPPORTED:
        raise ReportError(
            source, f"'{target_name}' has no supported extension ({', '.join(SUPPORTED)}); pass --name with one"
        )
    size = len((target_name + SIDECAR_SUFFIX).encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise ReportError(
            source,
            f"file name too long: with its provenance record's suffix ({SIDECAR_SUFFIX}) it takes {size} bytes, "
            f"more than the {MAX_NAME_BYTES} a file name may have; pass --name with a shorter name",
        )


def find_same_bytes(folder: Path, data: bytes, sha256: str) -> Path | None:
    """Given the reports folder and a file's bytes, return a file anywhere under it with the same
    bytes (same size, then same sha256), or None. Links and special files are not opened."""
    if not folder.is_dir():
        return None
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.name.endswith(SIDECAR_SUFFIX):
            continue
        try:
            if path.stat().st_size == len(data) and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
                return path
        except OSError:
            continue
    return None


def refuse_junk(source: str, data: bytes, target_name: str, same: Path | None, folder: Path) -> None:
    """Raise ReportError when bytes cannot be a report, or are already in the reports folder."""
    from builder.sources import content_problem  # sources reads sidecars through this module

    problem = content_problem(data, Path(target_name).suffix.lower())
    if problem:
        raise ReportError(source, f"not added: {problem} (--force adds it anyway)")
    if same is not None:
        where = same.relative_to(folder) if same.is_relative_to(folder) else same
        raise ReportError(
            source,
            f"not added: the same bytes are already in the reports folder as {where} "
            f"(sha256 {hashlib.sha256(data).hexdigest()[:12]}…); --force adds a second copy",
        )
