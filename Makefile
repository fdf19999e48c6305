# ghtflow: two commands matter, `make demo` and `make test`; the rest are their parts.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test test-unit test-integration test-e2e lint format bench bench-quick clean
.PHONY: pdf-tools templates

venv: $(STAMP)

# Re-installs only when pyproject.toml changes; `make venv` twice does nothing the second time.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: venv
	@bash scenarios/demo.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

test-unit: venv
	$(BIN)/pytest tests/unit

test-integration: venv
	$(BIN)/pytest tests/integration

test-e2e: venv
	$(BIN)/pytest tests/e2e

bench-quick: venv
	$(BIN)/python -m benchmarks --quick

bench: venv
	$(BIN)/python -m benchmarks

# --- Word generation (issue 6) ---
# LibreOffice for `ghtflow generate --pdf` (Debian/Ubuntu; needs root): ~200 MB, ~40 s.
pdf-tools:
	apt-get install -y libreoffice-writer-nogui fonts-crosextra-carlito fonts-liberation2

# Rebuild the built-in Word templates from doc_templates/build.py (same bytes when unchanged).
templates: venv
	$(BIN)/python -m doc_templates.build
# --- end Word generation ---

clean:
	rm -rf var build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
