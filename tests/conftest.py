import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def venv_bin() -> Path:
    return Path(sys.executable).parent


@pytest.fixture(scope="session")
def package_bytes() -> bytes:
    """One operating package built from a 1,000-row roster (unsigned), shared by the intake tests."""
    from helpers.intake import built_package

    return built_package()
