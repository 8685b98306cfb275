# make demo: install into .venv and run the main job on the embedded defaults.
# make test: install into .venv and run the whole test suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ccm demo $(if $(KEEP),--keep,)

test: $(STAMP)
	$(BIN)/ruff check domain activities workflows cli tests
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check domain activities workflows cli tests

clean:
	rm -rf $(VENV)
