# Two entry points: `make demo` and `make test`. Each creates the environments it needs.
PYTHON ?= python3
VENV := .venv
TOOLS := .venv-tools
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TOOLS_STAMP := $(TOOLS)/.installed
SAM := .venv-sam
SAM_STAMP := $(SAM)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test lint typecheck templates pytest contract bench clean

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

# aws-sam-translator pins pydantic~=2.13: its own environment, run as a JSON-in/JSON-out subprocess
# (replika_infra.release.sam) to translate the app templates for the moto deploy test.
$(SAM_STAMP):
	$(PYTHON) -m venv $(SAM)
	$(SAM)/bin/python -m pip install --quiet --upgrade pip
	$(SAM)/bin/python -m pip install --quiet 'aws-sam-translator==1.115.0'
	touch $@

demo: $(STAMP)
	$(VENV)/bin/replika demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The region template and every app's generated template (templates only: no layers, offline);
# checkov's skips carry their reasons in each template's Metadata.
templates: $(STAMP) $(TOOLS_STAMP)
	rm -rf build/templates
	$(VENV)/bin/replika package --templates-only --out build/templates
	$(VENV)/bin/cfn-lint templates/*.yaml build/templates/*/sam.yaml
	$(TOOLS)/bin/checkov --quiet --compact --skip-download --framework cloudformation \
		-f templates/region.yaml $$(for f in build/templates/*/sam.yaml; do printf -- '-f %s ' "$$f"; done)

# pytest exits 5 when it collects no test; that is reported, not hidden behind make's exit 2.
pytest: $(STAMP) $(SAM_STAMP)
	$(PY) -m pytest -n 2 --dist worksteal; rc=$$?; if [ $$rc -eq 5 ]; then echo 'pytest: no tests collected'; exit 0; fi; exit $$rc

# schemathesis against every functions/*/app.py's /openapi.json, for every role with routes, on the
# in-process apps behind the local gateway (moto, no network); fixed seed, bounded examples.
# Prints per app: operations, cases, failures. `make test` runs the same stage inside pytest
# (tests/contract/test_schemathesis.py, one test per app, spread over the xdist workers).
contract: $(STAMP)
	$(PY) -m tests.contract.schemathesis_stage

test: lint typecheck templates pytest

bench: $(STAMP)
	$(PY) benchmarks/cold_start.py

clean:
	rm -rf $(VENV) $(TOOLS) $(SAM) build dist
