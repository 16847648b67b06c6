"""Shared fixtures: paths of the project's data."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "data" / "reports").glob("0*.txt"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
