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


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for the whole session (initdb + pg_ctl in a temp folder).

    If it cannot start, every PostgreSQL test FAILS with the reason — never skipped: the shared
    ledger is a feature, and CI installs the server (`make system`).
    """
    from helpers.postgres import ServerError, Throwaway

    try:
        server = Throwaway()
    except (ServerError, OSError) as e:
        pytest.fail(f"PostgreSQL test server could not start: {e}", pytrace=False)
    try:
        server.start()
    except (ServerError, OSError) as e:
        server.remove()
        pytest.fail(f"PostgreSQL test server could not start: {e}", pytrace=False)
    yield server
    server.remove()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_location(request, tmp_path):
    """A fresh, empty ledger location on each backend: an SQLite file, a new PostgreSQL database."""
    from helpers.postgres import fresh_location

    server = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    return fresh_location(request.param, server, tmp_path)
