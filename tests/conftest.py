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
    ("test_render_tables", ("only_records_passed", "reproducible"), ("soffice",)),
]


def _needs(item: pytest.Item) -> set[str]:
    module = item.path.stem
    needs = set(NEEDS_BY_MODULE.get(module, ()))
    for fixture in getattr(item, "fixturenames", ()):
        needs.update(NEEDS_BY_FIXTURE.get(fixture, ()))
    name = item.name.split("[")[0]
    for mod, words, marks in NEEDS_BY_NAME:
        if module == mod and any(w in name for w in words):
            needs.update(marks)
    return needs


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        needs = _needs(item)
        for mark in sorted(needs | ({"slow"} if needs else set())):
            item.add_marker(getattr(pytest.mark, mark))
