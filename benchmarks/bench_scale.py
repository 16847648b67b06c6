"""Builds N synthetic reports end to end and a bare MkDocs floor in one run: bench_scale.py 100 1000.

For each N: writes the corpus (benchmarks/corpus.py) into a temporary project, runs `python -m builder build`
there (wall time, peak memory of the largest process, the stage times the build prints), measures the output
(site size, HTML pages, largest HTML page, a report page, the search index), then builds the floor: a bare
`mkdocs build` with the same mkdocs.yml and theme over as many Markdown pages as the site has HTML pages,
each made from one corpus report (its paragraphs and tables as Markdown), and prints the ratio.
Timing is wall clock on a shared machine: the ratio against the floor, measured in the same run, is the
figure to compare.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import write_corpus  # noqa: E402


def run(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, peak RSS in MiB of the largest child so far, stdout+stderr)."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak, proc.stdout + proc.stderr


def tree_bytes(folder: Path, pattern: str = "*") -> tuple[int, int, int]:
    """(total bytes, file count, largest file bytes) of the files matching pattern under folder."""
    sizes = [p.stat().st_size for p in folder.rglob(pattern) if p.is_file()]
    return sum(sizes), len(sizes), max(sizes, default=0)


def text_to_markdown(text: str) -> str:
    """A corpus report as plain Markdown: tab rows as pipe tables, other lines as paragraphs."""
    out, in_table = [], False
    for line in text.splitlines():
        if "\t" in line:
            cells = [c.strip() or " " for c in line.split("\t")]
            if not in_table:
                out += ["", "| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]
                in_table = True
            else:
                out.append("| " + " | ".join(cells) + " |")
        elif line.strip():
            out += ["", line.strip()]
            in_table = False
    return "\n".join(out) + "\n"


def floor_build(project: Path, pages: int, corpus: list[Path]) -> float:
    """Time a bare `mkdocs build` of `pages` Markdown pages made from the corpus, same mkdocs.yml and theme."""
    floor = project.parent / "floor"
    docs = floor / "docs"
    docs.mkdir(parents=True)
    shutil.copy(project / "mkdocs.yml", floor / "mkdocs.yml")
    for asset in ("assets", "overrides", "stylesheets", "javascripts"):
        if (project / "docs" / asset).is_dir():
            shutil.copytree(project / "docs" / asset, docs / asset)
    (docs / "index.md").write_text("# floor\n", encoding="utf-8")
    for i in range(pages - 1):
        page = docs / f"p{i // 1000}" / f"{i}.md"
        page.parent.mkdir(exist_ok=True)
        page.write_text(text_to_markdown(corpus[i % len(corpus)].read_text(encoding="utf-8")), encoding="utf-8")
    seconds, _, out = run([sys.executable, "-m", "mkdocs", "build", "-q"], floor)
    return seconds


def bench(n: int, workdir: Path) -> dict:
    """Build n synthetic reports and the floor; return the measurements."""
    project = workdir / f"n{n}" / "project"
    (project / "data").mkdir(parents=True)
    corpus = write_corpus(n, project / "data" / "reports")
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copy(ROOT / "data" / "agencies.yaml", project / "data" / "agencies.yaml")
    seconds, peak, log = run([sys.executable, "-m", "builder", "build", "--root", str(project)], project)
    site = project / "site"
    site_bytes, files, _ = tree_bytes(site)
    html_bytes, pages, largest = tree_bytes(site, "*.html")
    search = site / "search" / "search_index.json"
    report_pages = sorted(p for p in site.rglob("index.html") if p.parent.name.isdigit())
    result = {
        "n": n,
        "build_s": round(seconds, 1),
        "peak_mib": round(peak),
        "site_mb": round(site_bytes / 1e6, 1),
        "files": files,
        "html_pages": pages,
        "html_mb": round(html_bytes / 1e6, 1),
        "largest_html_kb": round(largest / 1e3),
        "report_page_kb": round(report_pages[0].stat().st_size / 1e3) if report_pages else None,
        "search_index_mb": round(search.stat().st_size / 1e6, 2) if search.exists() else None,
        "log_tail": log.strip().splitlines()[-8:],
    }
    result["floor_s"] = round(floor_build(project, pages, corpus), 1)
    result["ratio"] = round(seconds / result["floor_s"], 2)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="+")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.n:
            print(json.dumps(bench(n, Path(tmp)), ensure_ascii=False), flush=True)
