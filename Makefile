# Two entry points for a fresh machine with Python 3.11+, pip and make:
#   make plan   offline plan of the dev example stack
#   make test   lint + the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: plan test lint bench fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

plan: $(STAMP)
	$(BIN)/mlplat plan stacks/dev.yaml

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

# Many more mutated specs than `make test` runs, with a fresh seed each time; a failure
# prints the spec and a `@reproduce_failure` blob, and is saved in .hypothesis/ to replay.
fuzz: $(STAMP)
	$(BIN)/pytest tests/test_cli_properties.py --hypothesis-profile=fuzz --hypothesis-show-statistics

bench: $(STAMP)
	$(BIN)/python bench/plan_bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
