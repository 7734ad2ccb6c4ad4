import functools
import inspect
import re
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


@pytest.fixture(scope="module")
def server(tmp_path_factory, request):
    """A ``lingong-docs serve --role operator`` of the module, in its own workspace (the web tests)."""
    from helpers.browser import running_server

    with running_server(tmp_path_factory.mktemp(request.module.__name__) / "ws", "--role", "operator") as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium context of the module (the web tests)."""
    from helpers.browser import chromium

    with chromium() as context:
        yield context


# ---- what a test needs beyond Python: pytest markers ------------------------------------------
# ``soffice`` (LibreOffice renders something), ``browser`` (Chromium through Playwright),
# ``pdfsign`` (pyHanko signs a package), ``slow`` (any of these, or long on its own). Registered in
# setup.cfg. ``make test-fast`` runs ``-m "not slow"``; ``make test`` runs everything.
NEEDS_BY_MODULE = {
    "test_build_package": ("soffice", "pdfsign"),
    "test_build_paper": ("soffice", "pdfsign"),
    "test_build_bundle": ("pdfsign",),
    "test_render_forms": ("soffice",),
    "test_render_print_full": ("soffice",),
    "test_render_soffice": ("soffice",),
    "test_render_doctor": ("soffice",),
    "test_intake_cli": ("soffice", "pdfsign"),
    "test_intake_package": ("soffice", "pdfsign"),
    "test_intake_signatures": ("soffice", "pdfsign"),
    "test_intake_trust": ("soffice", "pdfsign"),
    "test_intake_sm2": ("soffice", "pdfsign"),
    "test_intake_seal_attacks": ("soffice", "pdfsign"),
    "test_intake_support": ("soffice", "pdfsign"),
    "test_intake_interrupt": ("soffice",),
    "test_intake_ledger": ("soffice",),
    "test_intake_hostile": ("slow",),          # bombs examined in limited children
    "test_web_bureau": ("browser", "soffice", "pdfsign"),
    "test_web_fix": ("browser",),
    "test_web_operator": ("browser", "soffice"),
    "test_web_safety": ("browser",),
}
# Shared fixtures that build or print something.
NEEDS_BY_FIXTURE = {"package_bytes": ("soffice",), "printed": ("soffice",)}
# Single tests in otherwise quick modules: (module, words in the test's name).
NEEDS_BY_NAME = [
    ("test_api", ("build",), ("soffice",)),
    ("test_api", ("intake",), ("soffice",)),
    ("test_init", ("wheel",), ("slow",)),                 # builds and installs a wheel
    ("test_pii", ("sweep_every_command",), ("slow",)),    # every command as a subprocess
    ("test_pii", ("canary_never_printed",), ("slow",)),   # each scenario runs the commands as subprocesses
    ("test_ledger_shared", ("processes_racing",), ("slow",)),      # several processes race on one ledger
    ("test_samples", ("generator_is_deterministic",), ("slow",)),  # generates the samples twice
    ("test_render_tables", ("only_records_passed", "reproducible"), ("soffice",)),
]


# What a test's own code, its fixtures' and the module helpers they call do, read from the source:
# a new test that builds, signs or opens a browser is marked without being listed above.
SOURCE_NEEDS = {
    "soffice": re.compile(r"\bbuild_packages\(|\blg\.build\(|\bbuilt_package\(|\bbuilt_recognition_package\(|"
                          r"\brender_forms\(|\brender_table_pdf\(|\bconvert_to_pdf\(|[\"']build[\"'],|\bpackage_bytes\b"),
    "pdfsign": re.compile(r"\bsign\(|\bsign_all\(|\bmake_signer\(|\bmake_long_term\(|\bmake_tsa\("),
    "browser": re.compile(r"\bchromium\(|\bbrowser\.new_page\("),
}
_NAME = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\(")


@functools.cache
def _source(obj: object) -> str:
    try:
        return inspect.getsource(obj)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""


def _code_of(item: pytest.Item) -> str:
    """The source of the test, of the fixtures it uses (from this folder) and of the module's functions they call."""
    info = getattr(item, "_fixtureinfo", None)
    fixtures = tuple(fixturedef.func for defs in (info.name2fixturedefs.values() if info else ())
                     for fixturedef in defs
                     if str(getattr(fixturedef, "baseid", "")).startswith("tests")
                     or "tests" in _source_file(fixturedef.func))
    return _code_of_function(getattr(item, "function", None), fixtures)


@functools.cache
def _code_of_function(function: object, fixtures: tuple[object, ...]) -> str:
    """``_code_of`` once per test function and fixture set: the parametrized cases of a test share it."""
    parts = [_source(function), *(_source(f) for f in fixtures)]
    module = inspect.getmodule(function) if function is not None else None
    called = {n for part in parts for n in _NAME.findall(part)}
    for name in sorted(called):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper.__module__ == getattr(module, "__name__", None):
            parts.append(_source(helper))
    return "\n".join(parts)


@functools.cache
def _source_file(func: object) -> str:
    try:
        return inspect.getsourcefile(func) or ""  # type: ignore[arg-type]
    except TypeError:
        return ""


def _needs(item: pytest.Item) -> set[str]:
    module = item.path.stem
    needs = set(NEEDS_BY_MODULE.get(module, ()))
    for fixture in getattr(item, "fixturenames", ()):
        needs.update(NEEDS_BY_FIXTURE.get(fixture, ()))
    name = item.name.split("[")[0]
    for mod, words, marks in NEEDS_BY_NAME:
        if module == mod and any(w in name for w in words):
            needs.update(marks)
    needs.update(_needs_of_code(_code_of(item)))
    return needs


@functools.cache
def _needs_of_code(code: str) -> frozenset[str]:
    return frozenset(mark for mark, pattern in SOURCE_NEEDS.items() if pattern.search(code))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        needs = _needs(item)
        for mark in sorted(needs | ({"slow"} if needs else set())):
            item.add_marker(getattr(pytest.mark, mark))
