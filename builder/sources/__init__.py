"""Finds report files and dispatches each to the reader for its format; the only place inputs are read."""

from __future__ import annotations

import hashlib
import re
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
MAX_BYTES = 30 * 2**20  # a report is a few MB; anything far larger is not one (and would stall the build)
MAX_PDF_PAGES = 200  # reports run 5-30 pages; hundreds of pages is another kind of document
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
SUFFIX_FORMATS = {".txt": "text", ".md": "text", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
FORMAT_READERS = {"text": READERS[".txt"], "html": READERS[".html"], "pdf": READERS[".pdf"], "docx": READERS[".docx"]}
FORMAT_NAMES = {"text": "plain text", "html": "an HTML page", "pdf": "a PDF", "docx": "a Word (.docx) document"}
# leading bytes of binary formats that are not reports, to say what a refused file is
MAGIC = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "a Windows executable"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.doc/.xls)"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document"),
    (b"%PDF-", "a PDF"),
)
HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta)[\s>]", re.I | re.S
)
UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")


def find_reports(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Given the reports folder, return (readable report files, [(file, why it is skipped)])."""
    found, skipped = [], []
    inside = folder.resolve()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.startswith(".") or path.name.endswith(IGNORED_SUFFIXES) or path.name == "README.md":
            continue
        if UNSAFE_NAME.search(str(path.relative_to(folder))):
            skipped.append((path, "file name has control or line-break characters; rename the file"))
        elif not path.resolve().is_relative_to(inside):
            skipped.append((path, "symbolic link to a file outside the reports folder; copy the file in instead"))
        elif path.suffix.lower() in READERS:
            found.append(path)
        else:
            skipped.append((path, f"unsupported file type '{path.suffix or '(none)'}'"))
    return found, skipped


def preload_readers(paths: list[Path]) -> None:
    """Import the readers these files need, once, so worker processes forked afterwards share them."""
    formats = {SUFFIX_FORMATS[p.suffix.lower()] for p in paths if p.suffix.lower() in SUFFIX_FORMATS}
    for module in {FORMAT_READERS[fmt][0] for fmt in formats}:
        try:
            import_module(module)
            if module.endswith(".pdf"):
                import pdfminer.cmapdb  # noqa: F401  (its CMaps, cached per process, are what Chinese PDFs use)
        except ImportError:
            pass  # the reader reports its missing dependency for each of its files


def read(
    path: Path, display: str | None = None, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PDF_PAGES
) -> Document:
    """Given a report file and the name to show for it, return its Document (meta with sha256, bytes and the
    sidecar's provenance); raise ReportError naming the file if it cannot be read: unsupported suffix, over
    `max_bytes`, empty, a PDF over `max_pages` or encrypted, binary data as text, an unexpected encoding.

    The format is sniffed from the content, not trusted from the name: an HTML page saved as `.pdf`
    is read as HTML (with a note), binary data named `.txt` is refused saying what it is."""
    name = display or str(path)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise ReportError(name, f"unsupported file type '{path.suffix}'")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            limit = f"the limit is {max_bytes / 2**20:.1f} MB (--max-bytes)"
            raise ReportError(name, f"file too large: {size / 2**20:.1f} MB, {limit}")
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(name, f"cannot read file: {exc.strerror}") from None
    if not data:
        raise ReportError(name, "empty file (0 bytes)")
    fmt = content_format(data, suffix)
    notes = ()
    if fmt != SUFFIX_FORMATS[suffix]:
        notes = (f"the file is named {suffix} but holds {FORMAT_NAMES[fmt]}; it was read as {fmt}",)
    try:
        doc = read_format(path, data, fmt, max_pages)
    except ReportError as exc:
        raise ReportError(name, explain_failure(data, fmt, exc.message), exc.where) from None
    except MemoryError:
        raise
    except Exception as exc:  # a reader tripped on damage it does not expect: the file is unreadable, say so
        message = f"{fmt} reader failed on damaged input: {type(exc).__name__}: {exc}".replace("\n", " ")
        raise ReportError(name, explain_failure(data, fmt, message)) from exc
    doc = with_sidecar(doc, path, data)  # provenance recorded by `builder add`, if any
    meta = {**doc.meta, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    return replace(doc, path=name, meta=meta, notes=notes + doc.notes + tuple(sanity_notes(data, fmt)))


# --- sniffing: what a file really holds ----------------------------------------------------------


def content_format(data: bytes, suffix: str) -> str:
    """Given a file's bytes and its suffix, return the format to read it as (text, html, pdf, docx)."""
    named = SUFFIX_FORMATS[suffix]
    if b"%PDF-" in data[:1024]:  # the PDF header may follow junk, within the first 1024 bytes
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    if named != "html" and HTML_START.match(data[:4096]):
        return "html"
    return named


def binary_kind(data: bytes) -> str | None:
    """Given a file's bytes, return what binary format they are ("a PNG image"), or None."""
    return next((kind for magic, kind in MAGIC if data.startswith(magic)), None)


def read_format(path: Path, data: bytes, fmt: str, max_pages: int = MAX_PDF_PAGES) -> Document:
    """Given a file and the format its content holds, return its Document from that format's reader."""
    if fmt == "pdf":
        check_pdf(data, max_pages)
    elif fmt == "docx" and not data.startswith(b"PK"):
        raise ReportError(str(path), f"not a .docx file: it is {binary_kind(data) or 'not a ZIP archive'}")
    elif fmt == "text":
        check_text(data)
        if data.startswith(UTF32_BOMS):
            from builder.sources.text import text_to_lines

            return Document(str(path), "text", text_to_lines(data.decode("utf-32")), encoding="utf-32")
    module, func = FORMAT_READERS[fmt]
    doc = getattr(import_module(module), func)(path)
    if fmt == "pdf" and doc.meta.get("scanned") and not doc.lines:
        pages = doc.meta.get("pages")
        raise ReportError("", f"image-only PDF (no text layer): OCR found no text on its {pages} page(s)")
    if fmt == "text" and doc.encoding == "gb18030":
        check_gb_text("\n".join(line.text for line in doc.lines[:400]), data)
    return doc


def check_pdf(data: bytes, max_pages: int = MAX_PDF_PAGES) -> None:
    """Given a PDF's bytes, refuse it before the slow reader sees it (pypdfium2 counts its pages): raises
    ReportError (without a path; read() adds it) for more than `max_pages` pages or a password. A PDF pypdfium2
    cannot open for another reason passes, for pdfplumber to try."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ReportError("", "encrypted PDF: it needs a password to open") from None
        return  # damaged: let the reader try (pdfminer repairs some files) and explain its error
    try:
        pages = len(pdf)
    finally:
        pdf.close()
    if pages > max_pages:
        raise ReportError("", f"PDF has {pages} pages, over the limit of {max_pages} (--max-pages)")


def check_text(data: bytes) -> None:
    """Given bytes to be read as text, raise ReportError saying what they are if they start like a binary
    format (a PNG image, a ZIP archive, …)."""
    kind = binary_kind(data)
    if kind:
        raise ReportError("", f"binary file ({kind}), not text")


def check_gb_text(text: str, data: bytes) -> None:
    """Given text decoded as GB18030 and its bytes, raise ReportError when over 15% of its (at least 50) non-ASCII
    characters are outside GB2312: it is another encoding (Big5, Shift-JIS), named by charset_normalizer's guess."""
    wide = [c for c in text[:20000] if ord(c) > 0x7F]
    rare = sum(1 for c in wide if not in_gb2312(c))
    if len(wide) >= 50 and rare > 0.15 * len(wide):
        guess = guess_encoding(data) or "unknown"
        share = rare * 100 // len(wide)
        raise ReportError(
            "",
            f"text in an unexpected encoding: read as GB18030, {share}% of its characters "
            f"are rare ones, so it is not GB18030 (it looks like {guess}); save the file as UTF-8",
        )


def in_gb2312(char: str) -> bool:
    """Given one character, return True when GB2312 (the common simplified Chinese set) can encode it."""
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def explain_failure(data: bytes, fmt: str, message: str) -> str:
    """Given a reader's error, return it with the cause the bytes show (truncated, encrypted, encoding)."""
    if message.startswith(("encrypted PDF", "PDF has", "binary file", "text in an unexpected", "image-only")):
        return message
    if fmt == "pdf" and b"%%EOF" not in data[-2048:]:
        return f"truncated PDF (the file ends without %%EOF): {message}"
    if fmt == "pdf" and b"/Encrypt" in data:
        return f"encrypted PDF: {message}"
    if fmt == "text" and binary_share(data) > 0.01:
        return f"binary data, not text: {message}"
    if fmt == "text" and not message.startswith("binary file"):
        guess = guess_encoding(data)
        if guess:
            return f"{message} (the bytes look like {guess}; save the file as UTF-8)"
    return message


def binary_share(data: bytes) -> float:
    """Given a file's bytes, return the share (0 to 1) of control bytes (other than tab, line and page breaks,
    ESC) in the first 4 KB."""
    sample = data[:4096]
    return sum(1 for b in sample if b < 9 or 13 < b < 27 or 27 < b < 32) / max(len(sample), 1)


def guess_encoding(data: bytes) -> str | None:
    """Given text bytes our readers cannot decode, return charset_normalizer's guess, or None."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return best.encoding if best else None


def sanity_notes(data: bytes, fmt: str) -> list[str]:
    """Given a file's bytes and the format it was read as, return notes on damage the reader got past (today
    one: a PDF without %%EOF near its end, cut short)."""
    if fmt == "pdf" and b"%%EOF" not in data[-2048:]:
        return ["the PDF ends without %%EOF: it may be truncated, and pages after the cut are missing"]
    return []
