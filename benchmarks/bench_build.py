"""Times parsing the five seeds and a whole build of the default dataset: python benchmarks/bench_build.py."""

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from builder.build import build  # noqa: E402
from builder.parse import parse_document  # noqa: E402
from builder.sources import read  # noqa: E402
from tests.conftest import SEEDS, copy_project  # noqa: E402


def time_parse(repeat: int = 20) -> list[float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for seed in SEEDS:
            parse_document(read(seed))
        runs.append(time.perf_counter() - started)
    return runs


def time_build(repeat: int = 3) -> list[float]:
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            root = copy_project(Path(tmp))
            started = time.perf_counter()
            summary = build(root)
            runs.append(time.perf_counter() - started)
    print(f"default dataset: {len(summary.reports)} reports, {len(summary.failed)} failed")
    return runs


if __name__ == "__main__":
    parse_runs = time_parse()
    print(
        f"parse 5 seeds (read + parse, 20 runs): median {statistics.median(parse_runs) * 1000:.1f} ms, "
        f"min {min(parse_runs) * 1000:.1f} ms"
    )
    build_runs = time_build()
    print(
        f"whole build incl. MkDocs (3 runs): median {statistics.median(build_runs):.2f} s, min {min(build_runs):.2f} s"
    )
    shutil.rmtree(ROOT / ".build-tmp", ignore_errors=True)
