# Two commands: `make run` and `make test`. Both create .venv and install the pinned
# dependencies (constraints.txt) the first time, and again when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# test processes (pytest-xdist); 2 matches this project's 2-core machines, 0 runs in-process
PYTEST_WORKERS ?= 2

.PHONY: run test install lock lint bench clean vendor messages

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Start Platsa with the demo municipality on SQLite at http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/platsa serve

## Run the whole test suite on PYTEST_WORKERS processes (PostgreSQL tests skip when no
## server is reachable; each process gets its own throwaway PostgreSQL database)
test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

## Re-pin constraints.txt from the current venv (after changing pyproject.toml)
lock:
	$(BIN)/python -m pip freeze --exclude-editable --exclude platsa > constraints.txt

## Re-fetch the pinned browser assets (htmx, Pico CSS, Swagger UI, ReDoc, axe-core) from npm
vendor:
	scripts/vendor_assets.sh

## Extract the pages' strings, update the sv/en catalogs, compile them (commit all three)
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o api/locales/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i api/locales/messages.pot -d api/locales --no-fuzzy-matching
	$(BIN)/pybabel compile -d api/locales

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
