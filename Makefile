# The two commands: `make serve` and `make test`. Both create .venv when it is
# missing and reinstall the project only when pyproject.toml has changed; `make test`
# first installs the system packages its tests need (scripts/system-deps).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test system-deps lint clean

serve: $(STAMP)
	$(BIN)/clusterkb serve

test: system-deps $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

system-deps:
	@sh scripts/system-deps

lint: $(STAMP)
	$(BIN)/ruff check server tests bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) var build dist
