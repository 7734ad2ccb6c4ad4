# Two commands: `make demo` (set up everything, build the sample package) and `make test`.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PKGS := libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk fonts-arphic-uming fonts-arphic-ukai poppler-utils chromium postgresql
OUT ?= out

.PHONY: setup system venv demo lint test test-fast bench clean samples validate-corpus

setup: system venv

# System packages: LibreOffice (headless), free CJK fonts, poppler (pdftoppm/pdffonts for tests),
# chromium (the browser tests of `serve` drive it headless), postgresql (the shared-ledger tests and
# `make bench` start a throwaway server from its binaries in a temp folder; no service is enabled).
# Installed only where missing; needs root (or sudo) on a fresh Debian machine.
system:
	@missing=""; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-writer-nogui libreoffice-calc-nogui"; \
	command -v soffice >/dev/null 2>&1 && { ls /usr/lib/libreoffice/program/libsclo.so >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui"; }; \
	fc-list 2>/dev/null | grep -q 'Noto Serif CJK' || missing="$$missing fonts-noto-cjk"; \
	fc-list 2>/dev/null | grep -q 'AR PL UMing' || missing="$$missing fonts-arphic-uming"; \
	fc-list 2>/dev/null | grep -q 'AR PL UKai' || missing="$$missing fonts-arphic-ukai"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

# Versions are pinned in constraints.txt (the ones the test suite passes with); setup.cfg keeps the floors.
$(STAMP): setup.cfg pyproject.toml constraints.txt
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11（$(PY)）"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -c constraints.txt -e '.[test,web,browser]'
	touch $(STAMP)

venv: $(STAMP)

samples: setup
	$(BIN)/python samples/generate.py --seed 2025 --out samples

demo: setup
	rm -rf $(OUT)/demo-app $(OUT)/回执
	$(BIN)/lingong-docs init $(OUT)/demo-app --year 2025 --name 北京示例人力资源有限公司 --uscc 91110105MA01ABCD39 --force
	$(BIN)/lingong-docs validate samples/demo || true
	$(BIN)/lingong-docs compute samples/demo --explain
	$(BIN)/lingong-docs build samples/demo -o $(OUT)
	$(BIN)/lingong-docs intake $(OUT)/*.pdf --no-ledger --allow-unsigned --as-of 2026-03-05 --receipt $(OUT)/回执

# The shape checks run before the tests: lint, types (strict on core/, pipeline.py, api.py and the stage doors),
# function size.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy lingong_docs
	$(BIN)/python tools/code_shape.py

test: lint
	$(BIN)/python -m pytest -q

# The inner loop: no LibreOffice, Chromium or pyHanko signing (tests marked slow by tests/conftest.py), on
# FAST_WORKERS processes (pytest-xdist; a test module stays on one worker, so its fixtures are made once).
FAST_WORKERS ?= 2
test-fast: venv
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow" -n $(FAST_WORKERS) --dist loadfile

bench: setup
	$(BIN)/pip install -q -c constraints.txt -e '.[bench]'
	$(BIN)/python bench/run.py

# Rewrite the goldens of tests/test_validate_corpus.py from the current validate engine. Only when a change
# of findings is intended (say so in the commit); the tests never write them.
validate-corpus: venv
	$(BIN)/python -m tests.helpers.validate_corpus --regenerate

clean:
	rm -rf $(OUT) build dist *.egg-info
