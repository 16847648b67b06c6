"""Time each reader plus the parser per page on files made from the seeds; compare read_pdf with pdfplumber."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import fixtures_gen as gen  # noqa: E402
import pdfplumber  # noqa: E402

from builder.parse import parse_document  # noqa: E402
from builder.sources import read  # noqa: E402
from builder.sources.pdf import read_pdf  # noqa: E402

TARGET = 1.3  # read_pdf may take at most this many times the bare pdfplumber floor


def best_of(repeat: int, func, *args) -> float:
    """Given a function, return its fastest wall time in seconds over `repeat` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def paired_best(repeat: int, first, second, arg) -> tuple[float, float]:
    """Best times of two functions run alternately, so that load on a shared machine hits both alike."""
    a, b = [], []
    for _ in range(repeat):
        a.append(best_of(1, first, arg))
        b.append(best_of(1, second, arg))
    return min(a), min(b)


def pdfplumber_floor(path: Path) -> None:
    """The least any PDF reader must do: every page's text and tables, nothing else."""
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()


def read_and_parse(path: Path) -> None:
    parse_document(read(path))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files = {seed.name[:3]: gen.generate_all(seed, Path(tmp)) for seed in gen.seed_paths()}
        pages = {k: read_pdf(v["pdf"]).meta["pages"] for k, v in files.items()}
        totals = {}
        for fmt in ("text", "gbk", "html", "docx", "pdf"):
            spent = sum(best_of(args.repeat, read_and_parse, f[fmt]) for f in files.values())
            totals[fmt] = spent
        pairs = [paired_best(args.repeat, pdfplumber_floor, read_pdf, f["pdf"]) for f in files.values()]
        floor, reader = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    n_pages = sum(pages.values())
    for fmt, spent in totals.items():
        rows.append((f"{fmt}: read + parse", spent, spent / n_pages * 1000))
    rows.append(("pdf: read_pdf only", reader, reader / n_pages * 1000))
    rows.append(("pdf: pdfplumber extract_text+extract_tables (floor)", floor, floor / n_pages * 1000))
    print(f"{len(files)} seeds, {n_pages} PDF pages (per-page times divide by the PDF page count for every format)")
    print(f"{'what':<55} {'total s':>8} {'ms/page':>8}")
    for what, total, per_page in rows:
        print(f"{what:<55} {total:8.3f} {per_page:8.1f}")
    ratio = reader / floor
    print(f"read_pdf / floor = {ratio:.2f}x (target <= {TARGET}x): {'OK' if ratio <= TARGET else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
