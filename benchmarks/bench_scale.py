"""Builds N synthetic reports end to end and a bare MkDocs floor in one run: bench_scale.py 100 1000.

For each N: writes the corpus (benchmarks/corpus.py) into a temporary project, times `parse_document(read(path))`
over the corpus in this process (the parser alone, one core), runs `python -m builder build` there (wall time,
peak memory of the largest process, the stage times the build prints), changes one number in one report and
builds again (the incremental rebuild: its stage times against the full build's), measures the output
(site size, HTML pages, largest HTML page, a report page, the search index), then builds the floor: a bare
`mkdocs build` with the same mkdocs.yml and theme over as many Markdown pages as the site has HTML pages,
each made from one corpus report (its paragraphs and tables as Markdown), and prints the ratio.
Timing is wall clock on a shared machine: the ratio against the floor, measured in the same run, is the
figure to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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


STAGES_LINE = re.compile(r"^stages \(s\): (.*)$", re.M)


def log_to_stages(log: str) -> dict[str, float]:
    """Given a build's output, return the stage times of its `stages (s): read 0.12, parse 3.40, …` line."""
    found = STAGES_LINE.search(log)
    if not found:
        return {}
    return {name: float(value) for name, value in (part.rsplit(" ", 1) for part in found[1].split(", "))}


def builder_seconds(stages: dict[str, float]) -> float:
    """The builder's own stages: every stage but MkDocs."""
    return sum(v for k, v in stages.items() if k != "mkdocs")


def change_one_number(path: Path) -> None:
    """Add one to the first number of the first table row of a report (a correction of one cell)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        cells = line.split("\t")
        numbers = [j for j, c in enumerate(cells) if c.strip().isdigit()]
        if len(numbers) >= 6:
            cells[numbers[0]] = str(int(cells[numbers[0]]) + 1)
            lines[i] = "\t".join(cells)
            break
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def parse_in_process(corpus: list[Path]) -> dict:
    """Parse every corpus file in this process; return the rate by wall clock and by CPU time (the machine is
    shared, so CPU time is the per-core figure)."""
    from builder import sources
    from builder.parse import parse_document

    parse_document(sources.read(corpus[0]))  # warm: template, caches
    wall, cpu = time.perf_counter(), time.process_time()
    for path in corpus:
        parse_document(sources.read(path))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "parse_in_process_s": round(wall, 2),
        "per_s_wall": round(len(corpus) / wall),
        "per_s_cpu": round(len(corpus) / cpu),
    }


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


def corpus_project(n: int, workdir: Path) -> tuple[Path, list[Path]]:
    """A project folder under `workdir` holding n corpus reports, this project's docs, mkdocs.yml and registry;
    return (the project folder, the corpus files)."""
    project = workdir / f"n{n}" / "project"
    (project / "data").mkdir(parents=True)
    corpus = write_corpus(n, project / "data" / "reports")
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copy(ROOT / "data" / "agencies.yaml", project / "data" / "agencies.yaml")
    return project, corpus


def bench(n: int, workdir: Path) -> dict:
    """Build n synthetic reports and the floor; return the measurements."""
    project, corpus = corpus_project(n, workdir)
    in_process = parse_in_process(corpus)
    command = [sys.executable, "-m", "builder", "build", "--root", str(project)]
    seconds, peak, log = run(command, project)
    stages = log_to_stages(log)
    change_one_number(corpus[len(corpus) // 2])
    again_s, _, again_log = run(command, project)
    again = log_to_stages(again_log)
    site = project / "site"
    site_bytes, files, _ = tree_bytes(site)
    html_bytes, pages, largest = tree_bytes(site, "*.html")
    search_bytes, search_files, search_largest = tree_bytes(site / "pagefind")
    report_pages = sorted(p for p in site.rglob("index.html") if p.parent.name.isdigit())
    result = {
        "n": n,
        "build_s": round(seconds, 1),
        "peak_mib": round(peak),
        "stages_s": stages,
        "parse_in_process": in_process,
        "parse_stage_vs_in_process_per_core": round(
            stages.get("parse", 0) / (in_process["parse_in_process_s"] / (os.cpu_count() or 1)), 2
        ),
        "rebuild_one_changed_s": round(again_s, 1),
        "rebuild_stages_s": again,
        "rebuild_builder_share": round(builder_seconds(again) / max(builder_seconds(stages), 1e-9), 4),
        "site_mb": round(site_bytes / 1e6, 1),
        "files": files,
        "html_pages": pages,
        "html_mb": round(html_bytes / 1e6, 1),
        "largest_html_kb": round(largest / 1e3),
        "report_page_kb": round(report_pages[0].stat().st_size / 1e3) if report_pages else None,
        "search_index_mb": round(search_bytes / 1e6, 2),  # Pagefind's bundle: the visitor loads a few pieces
        "search_files": search_files,
        "search_largest_kb": round(search_largest / 1e3),
        "log_tail": [line for line in again_log.strip().splitlines() if not line.startswith("  ")][-6:],
    }
    result["floor_s"] = round(floor_build(project, pages, corpus), 1)
    result["ratio"] = round(seconds / result["floor_s"], 2)
    return result


def main(bench, description: str) -> None:
    """Run `bench(n, workdir)` for every N on the command line, printing one JSON line each."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("n", type=int, nargs="+")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.n:
            print(json.dumps(bench(n, Path(tmp)), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(bench, __doc__.splitlines()[0])
