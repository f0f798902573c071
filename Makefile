# Two entry points: `make demo` and `make test`. Each creates the environments it needs.
PYTHON ?= python3
VENV := .venv
TOOLS := .venv-tools
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TOOLS_STAMP := $(TOOLS)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test lint typecheck templates pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# checkov pins boto3/packaging versions of its own, so it lives in its own environment.
$(TOOLS_STAMP):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet 'checkov==3.3.30'
	touch $@

demo: $(STAMP)
	$(VENV)/bin/replika demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

templates: $(STAMP) $(TOOLS_STAMP)
	$(VENV)/bin/cfn-lint templates/*.yaml
	$(TOOLS)/bin/checkov --quiet --compact --framework cloudformation -f templates/region.yaml

# pytest exits 5 when it collects no test; that is reported, not hidden behind make's exit 2.
pytest: $(STAMP)
	$(PY) -m pytest -n 2; rc=$$?; if [ $$rc -eq 5 ]; then echo 'pytest: no tests collected'; exit 0; fi; exit $$rc

test: lint typecheck templates pytest

bench: $(STAMP)
	$(PY) benchmarks/cold_start.py

clean:
	rm -rf $(VENV) $(TOOLS) build dist
