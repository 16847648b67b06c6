"""Finds report files and dispatches each to the reader for its format; the only place inputs are read."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import stat
import zipfile
from collections.abc import Iterator
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
    ".doc": ("builder.sources.docx", "read_doc"),
}
IGNORED_SUFFIXES = (".meta.yaml", ".meta.json")
MAX_BYTES = 30 * 2**20  # a report is a few MB; anything far larger is not one (and would stall the build)
MAX_PDF_PAGES = 200  # reports run 5-30 pages; hundreds of pages is another kind of document
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
SUFFIX_FORMATS = {
    **{".txt": "text", ".md": "text", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"},
    ".doc": "doc",  # Word 97: converted by LibreOffice or antiword when installed (sources/docx.py)
}
FORMAT_READERS = {
    **{"text": READERS[".txt"], "html": READERS[".html"], "pdf": READERS[".pdf"], "docx": READERS[".docx"]},
    "doc": READERS[".doc"],
}
FORMAT_NAMES = {
    **{"text": "plain text", "html": "an HTML page", "pdf": "a PDF", "docx": "a Word (.docx) document"},
    "doc": "a Word 97 (.doc) document",
}
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
    """Given the reports folder, return (readable report files, [(file, why it is not read)]).

    Every entry under the folder is one or the other; the only files passed over in silence are a
    README.md at the top (the folder's own documentation) and provenance sidecars beside their report
    (read with it). Hidden names, special files (FIFOs, sockets, devices), broken or looping symbolic
    links and links to folders are listed with their reason, never opened, never followed."""
    found, skipped = [], []
    inside = folder.resolve()
    for path, why in walk_folder(folder, folder):
        why = why or file_problem(path, folder, inside)
        if why == IGNORED:
            continue
        if why:
            skipped.append((path, why))
        else:
            found.append(path)
    return found, skipped


IGNORED = "ignored"  # file_problem's word for a file that is part of the folder, not a report


def walk_folder(folder: Path, top: Path) -> Iterator[tuple[Path, str | None]]:
    """Given a folder, yield (path, why it is not read, or None) for every entry under it, sorted by name.
    Folders are entered only when they are real folders with a name that does not start with '.'."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield folder, f"folder cannot be read: {exc.strerror}"
        return
    for entry in entries:
        path = Path(entry.path)
        why = entry_problem(path)
        if why is None and entry.is_dir(follow_symlinks=False):
            yield from walk_folder(path, top)
        else:
            yield path, why


SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def entry_problem(path: Path) -> str | None:
    """Given an entry of the reports folder, return why it cannot be read as a report file (hidden,
    a special file, a broken, looping or folder link), or None for a regular file or a plain folder."""
    if path.name.startswith("."):
        kind = "folder" if path.is_dir() and not path.is_symlink() else "file"
        return f"hidden {kind} (its name starts with '.'): not read; rename it without the leading dot"
    try:
        mode = os.stat(path).st_mode  # follows a link, to say where it leads
    except OSError as exc:
        if path.is_symlink():
            if exc.errno == errno.ELOOP:
                return "symbolic link loop (the link leads back to itself): nothing to read"
            return f"broken symbolic link: it points to {os.readlink(path)}, which does not exist"
        return f"cannot be read: {exc.strerror}"
    if stat.S_ISDIR(mode):
        if path.is_symlink():
            return f"symbolic link to a folder ({os.readlink(path)}): not followed; copy the folder in instead"
        return None
    kind = next((name for test, name in SPECIAL_KINDS if test(mode)), None)
    return f"not a regular file: it is {kind}; only files are read" if kind else None


def file_problem(path: Path, folder: Path, inside: Path) -> str | None:
    """Given a regular file under the reports folder, return why it is not read (or IGNORED), or None."""
    rel = path.relative_to(folder)
    if str(rel) == "README.md":
        return IGNORED
    if path.name.endswith(IGNORED_SUFFIXES):
        report = path.with_name(path.name.removesuffix(".meta.yaml").removesuffix(".meta.json"))
        if report.exists() or report.is_symlink():
            return IGNORED
        return f"provenance record of {report.name}, which is not in the folder"
    if UNSAFE_NAME.search(str(rel)):
        return "file name has control or line-break characters; rename the file"
    if not path.resolve().is_relative_to(inside):
        return "symbolic link to a file outside the reports folder; copy the file in instead"
    if path.suffix.lower() not in READERS:
        return unsupported_message(path)
    return None


def unsupported_message(path: Path, data: bytes | None = None) -> str:
    """Why a file with a name we do not read is refused, and, when its bytes are known, what it holds."""
    named = f"unsupported file type '{path.suffix}'" if path.suffix else "no file extension"
    holds = f"; it holds {describe_bytes(data)}" if data else ""
    return f"{named}{holds}: reports are read from {', '.join(READERS)} files; rename it after what it holds"


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
    sidecar's provenance). Raises ReportError naming the file when it cannot be read: see read_file_bytes
    (missing, a folder, over `max_bytes`, empty), an unsupported suffix, bytes that cannot be a report
    (content_problem), a PDF over `max_pages` or encrypted, an unexpected encoding, or a reader's failure.

    The format is sniffed from the content, not trusted from the name: an HTML page saved as `.pdf`
    is read as HTML (with a note), binary data named `.txt` is refused saying what it is."""
    name = display or str(path)
    data = read_file_bytes(path, name, max_bytes)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise ReportError(name, unsupported_message(path, data))
    problem = content_problem(data, suffix)
    if problem:
        raise ReportError(name, problem)
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


def read_file_bytes(path: Path, name: str, max_bytes: int) -> bytes:
    """Given a path, return its bytes; raise ReportError saying why not: missing, a folder or a special
    file (never opened: a FIFO would block), larger than max_bytes, unreadable, or empty."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ReportError(name, f"cannot read file: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ReportError(name, "this is a folder, not a file; give a report file (or build the folder)")
    kind = next((kind for test, kind in SPECIAL_KINDS if test(info.st_mode)), None)
    if kind:
        raise ReportError(name, f"not a regular file: it is {kind}")
    if info.st_size > max_bytes:
        limit = f"the limit is {max_bytes / 2**20:.1f} MB (--max-bytes)"
        raise ReportError(name, f"file too large: {info.st_size / 2**20:.1f} MB, {limit}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(name, f"cannot read file: {exc.strerror}") from None
    if not data:
        raise ReportError(name, "empty file (0 bytes)")
    return data


# --- sniffing: what a file really holds ----------------------------------------------------------


def content_problem(data: bytes, suffix: str) -> str | None:
    """Given a file's bytes and its (supported) suffix, return why they cannot be a report in any format
    we read, without running the slow readers; None when they may be one. `add` refuses such files."""
    if not data:
        return "empty file (0 bytes)"
    fmt = content_format(data, suffix)
    if fmt == "pdf" and b"%PDF-" not in data[:1024]:
        return f"not a PDF: it holds {describe_bytes(data)}, without the PDF header (%PDF-)"
    if fmt == "docx":
        return docx_problem(data)
    if fmt in ("text", "html") and not unicode_text_encoding(data):
        kind = binary_kind(data)
        what = "text" if fmt == "text" else "an HTML page"
        if kind:
            return f"binary file ({kind}), not {what}"
        if binary_share(data) > 0.01:
            return f"binary data, not {what}: {control_count(data)} control bytes in its first 4 KB"
    return None


def docx_problem(data: bytes) -> str | None:
    """Given bytes named or sniffed as .docx, return what is wrong with them as a Word package, or None."""
    if not data.startswith(b"PK"):
        return f"not a Word (.docx) document: it holds {describe_bytes(data)}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        return f"damaged Word (.docx) document: its ZIP package cannot be opened ({exc}); it may be cut short"
    if "word/document.xml" not in names:
        return "a ZIP archive without word/document.xml, so not a Word (.docx) document"
    if "[Content_Types].xml" not in names:
        return "damaged Word (.docx) document: its package has no [Content_Types].xml"
    return None


def describe_bytes(data: bytes) -> str:
    """Given a file's bytes, return in a few words what they are: a known binary kind, text, or binary data."""
    kind = binary_kind(data)
    if kind:
        return kind
    if b"%PDF-" in data[:1024]:
        return "a PDF"
    if unicode_text_encoding(data) or looks_like_text(data):
        return "text"
    return "binary data of no known kind"


def looks_like_text(data: bytes) -> bool:
    """Whether bytes are text: no control bytes up front, and UTF-8 or GB18030 that decodes."""
    if binary_share(data) > 0 or binary_kind(data):
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def unicode_text_encoding(data: bytes) -> str | None:
    """Given bytes, return "utf-32", "utf-16" (with a byte-order mark), "utf-16-le" or "utf-16-be"
    (without one: ASCII characters leave a NUL in every other byte, and the bytes decode), or None."""
    if data.startswith(UTF32_BOMS):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = data[: 8192 - len(data[:8192]) % 2]
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    encoding = "utf-16-le" if odd > even else "utf-16-be"
    if max(odd, even) < max(8, len(sample) // 64) or min(odd, even) * 4 > max(odd, even):
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\r\n\f")
    return encoding if controls <= 2 else None


def content_format(data: bytes, suffix: str) -> str:
    """Given a file's bytes and its suffix, return the format to read it as (text, html, pdf, docx)."""
    named = SUFFIX_FORMATS[suffix]
    if b"%PDF-" in data[:1024]:  # the PDF header may follow junk, within the first 1024 bytes
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    if named != "html" and HTML_START.match(data[:4096]):
        return "html"
    if named in ("pdf", "docx") and looks_like_text(data):
        return "text"
    return named


def binary_kind(data: bytes) -> str | None:
    """Given a file's bytes, return what binary format they are ("a PNG image"), or None."""
    return next((kind for magic, kind in MAGIC if data.startswith(magic)), None)


def read_format(path: Path, data: bytes, fmt: str, max_pages: int = MAX_PDF_PAGES) -> Document:
    """Given a file, its bytes and the format its content holds, return its Document from that format's reader
    (UTF-16/32 text decoded here). Raises ReportError without a path (read() adds it): from check_pdf,
    check_text or check_gb_text, from the reader, or for a scan on which OCR found no text."""
    if fmt == "pdf":
        check_pdf(data, max_pages)
    elif fmt == "text":
        check_text(data)
        encoding = unicode_text_encoding(data)
        if encoding:
            return unicode_text_document(path, data, encoding)
    module, func = FORMAT_READERS[fmt]
    doc = getattr(import_module(module), func)(path)
    if fmt == "pdf" and doc.meta.get("scanned") and not doc.lines:
        pages = doc.meta.get("pages")
        raise ReportError("", f"image-only PDF (no text layer): OCR found no text on its {pages} page(s)")
    if fmt == "text" and doc.encoding == "gb18030":
        check_gb_text("\n".join(line.text for line in doc.lines[:400]), data)
    return doc


def unicode_text_document(path: Path, data: bytes, encoding: str) -> Document:
    """Given text bytes in UTF-16 or UTF-32 (see unicode_text_encoding), return their Document; text
    without a byte-order mark gets a note, since other programs may not read it."""
    from builder.sources.text import text_to_lines

    notes = ()
    if encoding.endswith(("-le", "-be")):
        notes = (f"the text is {encoding.upper()} without a byte-order mark; saving it as UTF-8 is safer",)
    lines = text_to_lines(data.decode(encoding).lstrip("\ufeff"))
    return Document(str(path), "text", lines, encoding=encoding, notes=notes)


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
    """Whether a character is one of GB2312's (the common Chinese characters)."""
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


def control_count(data: bytes) -> int:
    """The number of control bytes (other than tab, line and page breaks, ESC) in the first 4 KB."""
    return sum(1 for b in data[:4096] if b < 9 or 13 < b < 27 or 27 < b < 32)


def binary_share(data: bytes) -> float:
    """The share of control bytes (see control_count) in the first 4 KB."""
    return control_count(data) / max(len(data[:4096]), 1)


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
