# Two commands do everything on a fresh Debian machine with Python 3.11:
#   make run    set up, then process seeds/ into ./published
#   make test   set up, then run the test suite
# `make lint` (style, types, import layers) runs in CI beside the tests.
# Both are safe to rerun: set-up steps skip what is already there.

PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Tesseract with Dutch and English for OCR; Ghostscript, qpdf, unpaper and
# pngquant are what OCRmyPDF calls; Chromium renders the report in tests;
# python3-venv because Debian ships `python3 -m venv` (ensurepip) apart.
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-nld tesseract-ocr-eng ghostscript qpdf unpaper pngquant \
                   fonts-dejavu-core chromium python3-venv

.PHONY: setup system venv run test lint docs clean

setup: system venv

system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:" $$missing; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q uv

venv: $(VENV)/.synced

# --compile-bytecode: uv installs no .pyc files by default, and then every
# `lakmoes run` compiles Prefect, pandas and Great Expectations from source
# again (measured: a one-page run from the cache, against a running server,
# 11.6 s without them and 4.5 s with them).
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync -q --frozen --inexact --compile-bytecode --extra test --extra lint
	touch $@

run: setup
	$(VENV)/bin/lakmoes run seeds --out published

test: setup
	$(VENV)/bin/python -m pytest -q

# ruff (style), mypy (types) and import-linter (dependencies run one way:
# the layers contract in pyproject.toml).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Regenerate the README's stage list, exit statuses and table reference.
docs: venv
	$(VENV)/bin/python -m flows.cli.docs README.md

clean:
	rm -rf $(VENV) published .pytest_cache
