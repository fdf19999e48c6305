# ghtflow: two commands matter, `make demo` and `make test`; the rest are their parts.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test test-unit test-integration test-e2e lint format bench bench-quick clean
.PHONY: pdf-tools templates
.PHONY: browser-tools test-browser serve screenshots

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

test: lint browser-tools pdf-tools
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

# --- Word generation ---
# LibreOffice for `ghtflow generate --pdf` (Debian/Ubuntu; needs root): ~200 MB, ~40 s.
# LibreOffice for `generate --pdf` and the PDF tests (PDF/A-2b), and poppler's pdftoppm with
# which the page tests turn PDF pages into PNG; installed by `make test` as the browser is, when
# root or password-less sudo allows it; otherwise says how.
APT_PDF := DEBIAN_FRONTEND=noninteractive apt-get install -y libreoffice-writer-nogui \
	fonts-crosextra-carlito fonts-liberation2 fonts-dejavu-core poppler-utils
pdf-tools:
	@if { command -v soffice || command -v libreoffice; } >/dev/null && command -v pdftoppm >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing LibreOffice for PDF/A (~400 MB, once)"; \
	  $(APT_PDF) >/dev/null || { apt-get update -q >/dev/null && $(APT_PDF) >/dev/null; }; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	  echo "installing LibreOffice for PDF/A (~400 MB, once)"; \
	  sudo -n sh -c '$(APT_PDF) >/dev/null || { apt-get update -q >/dev/null && $(APT_PDF) >/dev/null; }'; \
	else \
	  echo "pdf-tools: LibreOffice (soffice) or pdftoppm is missing and cannot be installed without root;"; \
	  echo "  run 'sudo make pdf-tools' (the PDF tests are skipped until then)"; \
	fi

# Rebuild the built-in Word templates from doc_templates/build.py (same bytes when unchanged).
templates: venv
	$(BIN)/python -m doc_templates.build

# --- web dashboard ---
# Debian's chromium for the browser tests (Playwright drives it through its executable_path;
# never `playwright install`). Installed when missing if we are root or have password-less
# sudo; otherwise a message, and the browser tests skip with the reason (they fail instead
# when GHTFLOW_REQUIRE_BROWSER=1).
CHROMIUM ?= /usr/bin/chromium
APT_CHROMIUM := DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
browser-tools:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's chromium for the browser tests (~300 MB, once)"; \
	  $(APT_CHROMIUM) >/dev/null || { apt-get update -q >/dev/null && $(APT_CHROMIUM) >/dev/null; }; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	  echo "installing Debian's chromium for the browser tests (~300 MB, once)"; \
	  sudo -n sh -c '$(APT_CHROMIUM) >/dev/null || { apt-get update -q >/dev/null && $(APT_CHROMIUM) >/dev/null; }'; \
	else \
	  echo "browser-tools: $(CHROMIUM) is missing and cannot be installed without root;"; \
	  echo "  run 'sudo apt-get install chromium' (the browser tests are skipped until then)"; \
	fi

test-browser: venv browser-tools
	$(BIN)/pytest tests/browser

# The dashboard on the demo's data (made by `make demo` when missing): http://127.0.0.1:8000
serve: venv
	@test -f var/demo/ghtflow.db || $(MAKE) --no-print-directory demo
	GHTFLOW_HOME=var/demo $(BIN)/ghtflow serve --host 127.0.0.1 --port 8000

# docs/overview.png and docs/document.png (README), taken in Chromium on a fresh scenario;
# chromium-l10n (~120 MB) so that the browser's own words (file and date fields) are French
screenshots: venv browser-tools
	@test -f /usr/lib/chromium/locales/fr.pak || [ "$$(id -u)" != 0 ] || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium-l10n >/dev/null
	$(BIN)/python -m tests.browser.screenshots docs

clean:
	rm -rf var build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
