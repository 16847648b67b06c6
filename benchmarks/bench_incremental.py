"""Times the builder's own stages on N synthetic reports: a full build, then a rebuild after one number in one
report changed (benchmarks/bench_scale.py's change), both `python -m builder build --no-site` (MkDocs, which
rebuilds every page whatever changed, is left out): bench_incremental.py 300.

Prints one JSON line per N: the stage times of both builds, the full build's peak memory and the rebuild's builder
time as a share of the full build's (issue 14's target: at most 2 %), by the stage times (wall) and by the CPU seconds
of the whole command (with and without the start-up both commands pay).
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_scale import (  # noqa: E402
    builder_seconds,
    change_one_number,
    corpus_project,
    log_to_stages,
    run,
)


def bench(n: int, workdir: Path) -> dict:
    """Build n synthetic reports without the site, change one number in one report, build again; return the
    stage times of both builds and the rebuild's share."""
    project, corpus = corpus_project(n, workdir)
    command = [sys.executable, "-m", "builder", "build", "--no-site", "--root", str(project)]
    cpu = children_cpu()
    full_s, full_peak, log = run(command, project)
    full_cpu, cpu = children_cpu() - cpu, children_cpu()
    change_one_number(corpus[len(corpus) // 2])
    again_s, _, again_log = run(command, project)
    again_cpu = children_cpu() - cpu
    full, again = log_to_stages(log), log_to_stages(again_log)
    run([sys.executable, "-m", "builder", "--help"], project)  # start-up alone: Python and the builder's imports
    startup = children_cpu() - cpu - again_cpu
    return {
        "n": n,
        "full_s": round(full_s, 1),
        "full_peak_mib": round(full_peak),  # the builder's own peak (no MkDocs)
        "full_stages_s": full,
        "rebuild_s": round(again_s, 1),
        "rebuild_stages_s": again,
        "rebuild_builder_share": round(builder_seconds(again) / max(builder_seconds(full), 1e-9), 4),
        # CPU seconds of the whole command (start-up included, parse workers included): on a shared machine the
        # share by CPU time is the figure that does not depend on how much of the cores the build was given
        "full_cpu_s": round(full_cpu, 1),
        "rebuild_cpu_s": round(again_cpu, 1),
        "rebuild_cpu_share": round(again_cpu / max(full_cpu, 1e-9), 4),
        # the same less the start-up both commands pay (Python and the builder's imports, measured alone)
        "startup_cpu_s": round(startup, 2),
        "rebuild_cpu_share_after_startup": round((again_cpu - startup) / max(full_cpu - startup, 1e-9), 4),
    }


def children_cpu() -> float:
    """CPU seconds (user and system) of the ended child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    from benchmarks.bench_scale import main

    main(bench, __doc__.splitlines()[0])
