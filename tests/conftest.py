"""Shared fixtures: paths of the project's data, a site built from a copy of the default data, --update-golden and
the goldens and snapshots it rewrites."""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "data" / "reports").glob("0*.txt"))


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/*.json and tests/snapshots/* from what the code makes now (review the diff "
        "before committing)",
    )


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    """True only when the run was started with --update-golden: goldens are never rewritten otherwise."""
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def copy_project(target: Path, reports: list[Path] | None = None) -> Path:
    """A copy of what a build reads: the reports (all, or the given ones), docs, mkdocs.yml, the registry."""
    if reports is None:
        shutil.copytree(ROOT / "data" / "reports", target / "data" / "reports")
    else:
        (target / "data" / "reports").mkdir(parents=True)
        for path in reports:
            shutil.copy(path, target / "data" / "reports" / path.name)
    shutil.copytree(ROOT / "docs", target / "docs")
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copy(ROOT / "data" / "agencies.yaml", target / "data" / "agencies.yaml")
    return target


@pytest.fixture(scope="session")
def default_site(tmp_path_factory):
    """The default dataset built into a temporary project: (root, summary)."""
    from builder.build import build

    root = copy_project(tmp_path_factory.mktemp("default"))
    return root, build(root)


def check_snapshot(snapshot: Path, text: str, update: bool) -> None:
    """Compare `text` whole with the file `snapshot`; with `update` (--update-golden) rewrite the file instead and
    skip the test, so that a rewrite is never mistaken for a pass. A snapshot that is not there fails: it is
    made only on purpose."""
    if update:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
        pytest.skip(f"rewrote {snapshot.name}: review its diff")
    if not snapshot.is_file():
        pytest.fail(f"no snapshot {snapshot}: make it with pytest --update-golden and review it")
    assert text == snapshot.read_text(encoding="utf-8"), f"{snapshot.name} differs: review, then --update-golden"
