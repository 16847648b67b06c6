"""The parse stage on Dask distributed (issue 14, item 7): a build through a scheduler gives the same data/json,
parse cache and failures as a build on the local pool, byte for byte, with the same limits and errors."""

import re
import time
from pathlib import Path

import pytest

from builder import cluster, isolation
from builder.build import BuildRefused, build
from tests.conftest import copy_project
from tests.test_safety import tree

distributed = pytest.importorskip("distributed")  # the cluster extra; the test extra includes it

BROKEN = "这不是一份报告。\n"


@pytest.fixture(scope="module")
def scheduler():  # started once for the module's tests, ~4 s
    """The address of a LocalCluster of two worker processes (each started by a nanny, as `dask worker` does)."""
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=40
    ) as local:
        yield local.scheduler_address


def project_with_broken_file(folder: Path) -> Path:
    """A copy of the default data with one file that is no report (no title, no tables)."""
    root = copy_project(folder)
    (root / "data" / "reports" / "broken.txt").write_text(BROKEN, encoding="utf-8")
    return root


def untimed(lines: list[str]) -> list[str]:
    """A build's summary lines without the project folder and the times."""
    return [re.sub(r", in [0-9.]+ s$", "", line) for line in lines if not line.startswith(("project folder", "stages"))]


def failures(summary) -> list[tuple[str, str]]:
    """The failed files of a build as (file, error)."""
    return [(o.file, o.error) for o in summary.failed]


@pytest.mark.slow  # a two-process Dask cluster
def test_a_build_on_the_cluster_equals_a_build_on_the_local_pool(scheduler, tmp_path):
    local_root = project_with_broken_file(tmp_path / "local")
    remote_root = project_with_broken_file(tmp_path / "remote")

    local = build(local_root, site=False)
    remote = build(remote_root, site=False, limits=isolation.Limits(scheduler=scheduler))

    assert remote.parsed == local.parsed == len(local.files) - len(local.duplicates) > 10
    json_files = tree(remote_root / "data" / "json")
    assert json_files == tree(local_root / "data" / "json") and len(json_files) == len(local.reports)
    # the same entries, written by the parent from what the workers sent back (a key holds the file's time)
    assert sorted(tree(remote_root / ".cache" / "parse").values()) == sorted(
        tree(local_root / ".cache" / "parse").values()
    )
    assert failures(remote) == failures(local)
    assert [f for f, _ in failures(remote)] == ["broken.txt"]
    assert untimed(remote.lines()) == untimed(local.lines())
    assert any(line.startswith("  FAILED broken.txt: ") for line in remote.lines())


@pytest.mark.slow  # a two-process Dask cluster
def test_a_second_build_reads_the_cluster_results_back_from_the_cache(scheduler, tmp_path):
    root = project_with_broken_file(tmp_path)
    limits = isolation.Limits(scheduler=scheduler)
    build(root, site=False, limits=limits)
    first = tree(root / "data" / "json")
    again = build(root, site=False, limits=limits)
    assert (again.parsed, again.cached) == (0, len(again.files) - len(again.duplicates))
    assert tree(root / "data" / "json") == first


@pytest.mark.slow  # a two-process Dask cluster
def test_a_call_over_the_time_limit_on_the_cluster_is_stopped_as_on_one_machine(scheduler):
    limits = isolation.Limits(seconds=1, scheduler=scheduler)
    started = time.monotonic()
    results = cluster.run_on_cluster(time.sleep, [(30,), (0,)], limits, lambda i, r: None)
    assert time.monotonic() - started < 25
    local = isolation.run_each(time.sleep, [(30,), (0,)], isolation.Limits(seconds=1))
    assert [r.error for r in results] == [r.error for r in local]
    assert results[0].error == "stopped after 1 s (time limit; raise it with --timeout)" and results[1].error is None


@pytest.mark.slow  # a two-process Dask cluster
def test_a_file_that_cannot_be_read_is_its_own_error_and_the_others_go_on(scheduler, tmp_path):
    limits = isolation.Limits(scheduler=scheduler)
    calls = [OSError("cannot read file: Permission denied"), (0,), *[(0,)] * 8, OSError("cannot read file: x"), (0,)]
    results = cluster.run_on_cluster(time.sleep, calls, limits, lambda i, r: None)
    assert [r.error for r in results] == [
        "cannot read file: Permission denied",
        *[None] * 9,
        "cannot read file: x",
        None,
    ]


def test_a_scheduler_that_does_not_answer_refuses_the_build_naming_it(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    root = copy_project(tmp_path)
    with pytest.raises(BuildRefused, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9 \(--scheduler\)"):
        build(root, site=False, limits=isolation.Limits(scheduler="tcp://127.0.0.1:9"))
    assert not (root / "data" / "json").exists()


def test_a_shipped_file_reads_its_sidecar_as_the_reports_folder_would(tmp_path):
    report = tmp_path / "a.html"
    report.write_bytes(b"<html></html>")
    sidecar = tmp_path / "a.html.meta.yaml"
    for make, expected in (
        (lambda: sidecar.write_text("url: https://example.org/a\n"), {"sidecar": b"url: https://example.org/a\n"}),
        (lambda: sidecar.write_bytes(b"x" * 70_000), {"sidecar_size": 70_000}),
        (lambda: sidecar.mkdir(), {"sidecar_special": True}),
    ):
        make()
        shipment = cluster.path_to_shipment(report, "sub/a.html")
        assert shipment == cluster.Shipment("sub/a.html", b"<html></html>", **expected)
        out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
        out.mkdir()
        path = cluster.shipment_to_file(shipment, out)
        assert path.name == "a.html" and path.read_bytes() == b"<html></html>"
        shipped_sidecar = out / "a.html.meta.yaml"
        assert shipped_sidecar.is_dir() == sidecar.is_dir()
        if sidecar.is_file():
            assert shipped_sidecar.stat().st_size == sidecar.stat().st_size
        sidecar.unlink() if sidecar.is_file() else sidecar.rmdir()
