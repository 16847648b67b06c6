"""Builds N synthetic reports end to end and a bare MkDocs floor in one run: bench_scale.py 100 1000.

For each N: writes the corpus (benchmarks/corpus.py) into a temporary project, times `parse_document(read(path))`
over the corpus in this process (the parser alone, one core), runs `python -m builder build` there (wall time,
peak memory of the largest process, the stage times the build prints), changes one number in one report and
builds again (the incremental rebuild: its stage times against the full build's), measures the output
(site size by folder, HTML pages, the largest page, report pages' median and range, the search bundle), then
builds the floor: a bare `mkdocs build` with the same mkdocs.yml and theme over as many Markdown pages as the
build gave MkDocs, each of the same size as one of them, made of corpus reports (their paragraphs and tables as
Markdown), and prints the ratios. Every command is measured by wall clock, CPU time (user + system, children
included), the largest process's peak memory and the process tree's summed peak. On a shared machine the CPU
ratio against the floor, measured in the same run, is the figure to compare; `--no-rebuild`, `--no-floor`
leave parts out and `--keep DIR` keeps the built project. Progress and each part's numbers go to stderr as
they are known.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import write_corpus  # noqa: E402
from builder.search import is_report_address  # noqa: E402


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
STAGES_CPU_LINE = re.compile(r"^stages, CPU of the build \(s\): (.*)$", re.M)
# Stages that are other programs run over every page whatever changed: MkDocs, and Pagefind's indexer
TOOLS = ("mkdocs", "search")


def log_to_stages(log: str, line: re.Pattern = STAGES_LINE) -> dict[str, float]:
    """Given a build's output, return the stage times of its `stages (s): read 0.12, parse 3.40, …` line (or of
    another line of the same form, such as STAGES_CPU_LINE's)."""
    found = line.search(log)
    if not found:
        return {}
    return {name: float(value) for name, value in (part.rsplit(" ", 1) for part in found[1].split(", "))}


def builder_seconds(stages: dict[str, float]) -> float:
    """The builder's own stages: every stage but the TOOLS (MkDocs, Pagefind)."""
    return sum(v for k, v in stages.items() if k not in TOOLS)


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


def floor_pages(sizes: list[int], corpus: list[Path]) -> Iterator[str]:
    """For each byte size in `sizes`, one Markdown page of about that size (a whole paragraph or table row past
    it at most) made of corpus reports as Markdown (text_to_markdown), taken in turn."""
    reports = itertools.cycle(corpus)
    for size in sizes:
        page, length = [], 0
        while length < size:
            for block in text_to_markdown(next(reports).read_text(encoding="utf-8")).split("\n"):
                page.append(block)
                length += len(block.encode()) + 1
                if length >= size:
                    break
        yield "\n".join(page) + "\n"


def floor_build(project: Path, corpus: list[Path]) -> dict:
    """Measure (as `measure`) a bare `mkdocs build`, with the same mkdocs.yml and theme, of as many Markdown pages
    as the build of `project` gave MkDocs (its .cache/docs), each of the same size as one of them, made of corpus
    text (floor_pages); the result also says how many pages and megabytes of Markdown."""
    floor = project.parent / "floor"
    docs = floor / "docs"
    docs.mkdir(parents=True)
    shutil.copy(project / "mkdocs.yml", floor / "mkdocs.yml")
    for asset in ("assets", "overrides", "stylesheets", "javascripts"):
        if (project / "docs" / asset).is_dir():
            shutil.copytree(project / "docs" / asset, docs / asset)
    built = project / ".cache" / "docs"
    pages = [p for p in built.rglob("*.md") if p.relative_to(built).parts[0] not in ("overrides", "assets")]
    sizes = sorted(p.stat().st_size for p in pages)  # the pages MkDocs built (mkdocs.yml's exclude_docs left out)
    (docs / "index.md").write_text("# floor\n", encoding="utf-8")
    for i, text in enumerate(floor_pages(sizes[1:], corpus)):
        page = docs / f"p{i // 1000}" / f"{i}.md"
        page.parent.mkdir(exist_ok=True)
        page.write_text(text, encoding="utf-8")
    measured = measure([sys.executable, "-m", "mkdocs", "build", "-q"], floor)
    measured.pop("log")
    return measured | {"pages": len(sizes), "markdown_mb": round(sum(sizes) / 1e6, 1)}


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


def measure(cmd: list[str], cwd: Path) -> dict:
    """Run a command; return {wall_s, cpu_s (user + system of it and the children it waited for), peak_mib (the
    largest single process of its tree, from wait4's rusage, which takes in grandchildren such as Pagefind's
    indexer), tree_peak_mib (the largest sum of resident memory of its process tree, sampled every 0.2 s with
    psutil), log (its stdout and stderr)}. Exits if the command fails (exit code other than 0 or 1)."""
    import psutil

    started, tree_peak = time.perf_counter(), 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        root = psutil.Process(proc.pid)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                tree_peak = max(tree_peak, sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]))
            except psutil.Error:
                pass
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{text[-2000:]}")
    return {
        "wall_s": round(time.perf_counter() - started, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_mib": round(usage.ru_maxrss / 1024),
        "tree_peak_mib": round(tree_peak / 2**20),
        "log": text,
    }


def site_sizes(site: Path) -> dict:
    """Given a built site, return its sizes: whole, by top-level folder (MB, the ten largest), HTML pages, the
    largest page, report pages (median, smallest, largest KB), pages over 200 KB."""
    by_top: dict[str, int] = {}
    html: list[tuple[int, Path]] = []
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        size = path.stat().st_size
        top = path.relative_to(site).parts[0] if len(path.relative_to(site).parts) > 1 else "(root files)"
        by_top[top] = by_top.get(top, 0) + size
        if path.suffix == ".html":
            html.append((size, path))
    reports = sorted(size for size, page in html if is_report_address(page.relative_to(site).as_posix()))
    largest = max(html, default=(0, site))
    return {
        "site_mb": round(sum(by_top.values()) / 1e6, 1),
        "by_folder_mb": {k: round(v / 1e6, 1) for k, v in sorted(by_top.items(), key=lambda kv: -kv[1])[:10]},
        "files": sum(1 for p in site.rglob("*") if p.is_file()),
        "html_pages": len(html),
        "html_mb": round(sum(size for size, _ in html) / 1e6, 1),
        "largest_html_kb": round(largest[0] / 1e3),
        "largest_html": largest[1].relative_to(site).as_posix(),
        "html_over_200kb": sum(1 for size, _ in html if size > 200_000),
        "report_pages": len(reports),
        "report_page_kb": {
            "median": round(statistics.median(reports) / 1e3, 1) if reports else None,
            "min": round(reports[0] / 1e3, 1) if reports else None,
            "max": round(reports[-1] / 1e3, 1) if reports else None,
        },
        "search_bundle_mb": round(tree_bytes(site / "pagefind")[0] / 1e6, 1),
    }


def note(message: str) -> None:
    """Print a progress line with the time to stderr (a long run can be followed and a stopped one read)."""
    print(time.strftime("%H:%M:%S"), message, file=sys.stderr, flush=True)


def bench(n: int, workdir: Path, rebuild: bool = True, floor: bool = True) -> dict:
    """Build n synthetic reports, then (unless told not to) rebuild after one changed number and build the floor;
    return the measurements. Each part's numbers are also printed to stderr as soon as they are known."""
    project, corpus = corpus_project(n, workdir)
    note(f"N = {n}: corpus written; parsing in process")
    result: dict = {"n": n, "parse_in_process": parse_in_process(corpus)}
    note(f"parse in process: {result['parse_in_process']}; full build")
    command = [sys.executable, "-m", "builder", "build", "--root", str(project)]
    full = measure(command, project)
    log = full.pop("log")
    stages = log_to_stages(log)
    result |= {"build": full, "stages_s": stages, "stages_cpu_s": log_to_stages(log, STAGES_CPU_LINE)}
    result |= site_sizes(project / "site")
    result["parse_stage_vs_in_process_per_core"] = round(
        stages.get("parse", 0) / (result["parse_in_process"]["parse_in_process_s"] / (os.cpu_count() or 1)), 2
    )
    note(f"full build: {json.dumps(result, ensure_ascii=False)}")
    if rebuild:
        change_one_number(corpus[len(corpus) // 2])
        again = measure(command, project)
        log = again.pop("log")
        again_stages = log_to_stages(log)
        result |= {
            "rebuild": again,
            "rebuild_stages_s": again_stages,
            "rebuild_stages_cpu_s": log_to_stages(log, STAGES_CPU_LINE),
            "rebuild_builder_share": round(builder_seconds(again_stages) / max(builder_seconds(stages), 1e-9), 4),
        }
        note(f"rebuild: {again} {again_stages} share {result['rebuild_builder_share']}")
    if floor:
        result["floor"] = floor_build(project, corpus)
        result["ratio_wall"] = round(full["wall_s"] / result["floor"]["wall_s"], 2)
        result["ratio_cpu"] = round(full["cpu_s"] / result["floor"]["cpu_s"], 2)
        note(f"floor: {result['floor']}; ratio wall {result['ratio_wall']}, cpu {result['ratio_cpu']}")
    return result


def main(bench, description: str, flags=None) -> None:
    """Run `bench(n, workdir, **options)` for every N on the command line, printing one JSON line each; `flags`,
    if given, adds the bench's own options to the parser (their values are passed as keyword arguments)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("n", type=int, nargs="+")
    parser.add_argument("--keep", type=Path, help="build under this empty folder and keep it (to inspect the site)")
    if flags:
        flags(parser)
    options = vars(parser.parse_args())
    numbers, keep = options.pop("n"), options.pop("keep")
    with tempfile.TemporaryDirectory() as tmp:
        for n in numbers:
            print(json.dumps(bench(n, keep or Path(tmp), **options), ensure_ascii=False), flush=True)


def scale_flags(parser: argparse.ArgumentParser) -> None:
    """bench_scale's own options: parts of the run that can be left out."""
    parser.add_argument("--no-rebuild", dest="rebuild", action="store_false", help="no rebuild after a change")
    parser.add_argument("--no-floor", dest="floor", action="store_false", help="no bare MkDocs floor")


if __name__ == "__main__":
    main(bench, __doc__.splitlines()[0], scale_flags)
