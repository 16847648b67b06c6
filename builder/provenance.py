"""Where each report file came from: `add` copies or downloads it and writes a `<file>.meta.yaml` sidecar."""

from __future__ import annotations

import hashlib
import re
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
META_KEYS = {"url": "url", "fetched": "fetched", "original_name": "original_name"}
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
    """Return the current UTC time to the second in ISO 8601 with a Z (2026-03-01T08:00:00Z), a sidecar's `fetched`."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def is_url(text: str) -> bool:
    """Given what `add` was given, return True when it is an http:// or https:// URL (any case), not a path."""
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
    meta = {key: str(record[k]) for k, key in META_KEYS.items() if record.get(k) not in (None, "")}
    notes = []
    if record.get("sha256") and record["sha256"] != sha256:
        notes.append(
            f"{sidecar_name}: the file changed after it was fetched "
            f"(sha256 then {record['sha256'][:12]}…, now {sha256[:12]}…)"
        )
    return meta, notes


# --- reading and writing sidecars ----------------------------------------------------------------


def read_sidecar(path: Path, sha256: str) -> tuple[dict, list[str]]:
    """Given a report file, return (meta from its sidecar, notes); ({}, []) when it has none.
    A damaged sidecar never makes the report unreadable: it becomes a note."""
    side = sidecar_path(path)
    if not side.is_file():
        return {}, []
    try:
        record = yaml.safe_load(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return {}, [
            f"{side.name}: provenance record unreadable ({type(exc).__name__}); source URL and fetch time not shown"
        ]
    if not isinstance(record, dict):
        return {}, [f"{side.name}: provenance record is not a mapping of keys; source URL and fetch time not shown"]
    return sidecar_to_meta(record, sha256, side.name)


def with_sidecar(doc, path: Path, data: bytes):
    """Given a Document read from path, return it with its sidecar's provenance merged into meta
    (url, fetched, original_name) and notes; without a sidecar, meta gets the file's mtime as
    `modified`, the weaker clue the revision order falls back on (see builder/revisions.py)."""
    recorded, notes = read_sidecar(path, hashlib.sha256(data).hexdigest())
    if not recorded and not notes:
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
        recorded = {"modified": mtime.isoformat().replace("+00:00", "Z")}
    return replace(doc, meta={**doc.meta, **recorded}, notes=tuple(doc.notes) + tuple(notes))


def write_sidecar(path: Path, record: dict) -> Path:
    """Given a report file and its provenance record, write the record as YAML to `<file>.meta.yaml` (replacing
    any) and return the sidecar's path. Raises OSError if it cannot be written."""
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


def add_report(source: str, reports_dir: Path, source_url: str | None = None, name: str | None = None) -> Added:
    """Copy (a path) or download (an http(s) URL) a report into reports_dir and write its sidecar.

    An existing file is never replaced: the same bytes under the same name are reported as already
    present; anything else gets a free name, so that an older version of a report stays beside it.
    `source_url` is recorded as where it was published; `name` overrides the file name. Returns Added.
    Raises ReportError when the file cannot be read or downloaded, or its name has no supported extension."""
    fetched = utc_now()
    if is_url(source):
        data, original, extra = fetch_url(source)
        url, method = source_url or source, "download"
        if source_url and source_url != source:
            extra["downloaded_from"] = source
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ReportError(source, f"cannot read file: {exc.strerror}") from None
        original, url, method, extra = path.name, source_url, "copy", {}
    target_name = safe_name(name or original)
    if Path(target_name).suffix.lower() not in SUPPORTED:
        raise ReportError(
            source, f"'{target_name}' has no supported extension ({', '.join(SUPPORTED)}); pass --name with one"
        )
    reports_dir.mkdir(parents=True, exist_ok=True)
    record = provenance_record(data, original, fetched, url, method, extra)
    existing = reports_dir / target_name
    if existing.is_file() and hashlib.sha256(existing.read_bytes()).hexdigest() == record["sha256"]:
        return Added(existing, sidecar_path(existing), record, already_present=True)
    target = free_name(reports_dir, target_name)
    target.write_bytes(data)  # the bytes hashed above, not a second read of the source
    return Added(target, write_sidecar(target, record), record)
