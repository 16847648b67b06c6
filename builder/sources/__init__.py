"""Finds report files and dispatches each to the reader for its format; the only place inputs are read."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from importlib import import_module
from pathlib import Path

from builder.model import Document, ReportError
from builder.provenance import with_sidecar

# extension -> (module, function); modules import lazily so a missing optional reader
# dependency only affects files of that format.
READERS = {
    ".txt": ("builder.sources.text", "read_text"),
    ".md": ("builder.sources.text", "read_text"),
    ".html": ("builder.sources.html", "read_html"),
    ".htm": ("builder.sources.html", "read_html"),
    ".pdf": ("builder.sources.pdf", "read_pdf"),
    ".docx": ("builder.sources.docx", "read_docx"),
}
IGNORED_SUFFIXES = (".meta.yaml", ".meta.json")


def find_reports(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Given the reports folder, return (readable report files, [(file, why it is skipped)])."""
    found, skipped = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.startswith(".") or path.name.endswith(IGNORED_SUFFIXES) or path.name == "README.md":
            continue
        if path.suffix.lower() in READERS:
            found.append(path)
        else:
            skipped.append((path, f"unsupported file type '{path.suffix or '(none)'}'"))
    return found, skipped


def read(path: Path, display: str | None = None) -> Document:
    """Read one report file of any supported format into a Document; raise ReportError if it cannot be read."""
    name = display or str(path)
    try:
        module, func = READERS[path.suffix.lower()]
    except KeyError:
        raise ReportError(name, f"unsupported file type '{path.suffix}'") from None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(name, f"cannot read file: {exc.strerror}") from None
    if not data:
        raise ReportError(name, "empty file (0 bytes)")
    doc = getattr(import_module(module), func)(path)
    doc = with_sidecar(doc, path, data)  # provenance recorded by `builder add`, if any
    meta = {**doc.meta, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    return replace(doc, path=name, meta=meta)
