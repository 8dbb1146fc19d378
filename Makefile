# Two commands do everything on a fresh machine with Python 3.11+:
#   make demo   install, create the SQLite database and a demo company with a web UI user, and serve the web UI
#               on http://127.0.0.1:8000/ (Ctrl-C stops it; SERVE=no only sets up)
#   make test   install with the dev tools and run the whole test suite (lint, types, layers, tests)
# and then:
#   make serve     the web UI on http://127.0.0.1:8000/ (and the REST API, docs at /docs)
#   make browser   Debian's Chromium for the end-to-end browser tests, when it is missing (needs root)
#   make e2e       only the end-to-end browser tests (pytest -m e2e); screenshots in test-output/screenshots
#   make messages  extract the web UI's texts into its .po catalogues (then translate the new bokmål ones)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint typecheck layers pytest bench clean serve browser e2e messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# SERVE=no sets the demo up without starting the web UI (for scripts).
SERVE ?= yes
demo: $(STAMP)
	$(BIN)/reskontro demo
	@if [ "$(SERVE)" != no ]; then echo "Starting the web UI; stop it with Ctrl-C."; $(BIN)/reskontro serve; fi

serve: $(STAMP)
	$(BIN)/reskontro serve

# The e2e tests drive Debian's chromium (Playwright's own browser download is not used).
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ] || command -v chromium >/dev/null 2>&1; then \
	  echo "chromium: $$(command -v chromium || echo $(CHROMIUM))"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
	  echo "chromium is missing: run 'sudo apt-get install chromium' (or set RESKONTRO_CHROMIUM)"; exit 1; \
	fi

e2e: $(STAMP) browser
	$(BIN)/pytest -m e2e -q

messages: $(STAMP)
	$(BIN)/python -m reskontro.web.messages update
	$(BIN)/python -m reskontro.web.messages check

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadgroup -q

test: lint typecheck layers pytest

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis test-output
