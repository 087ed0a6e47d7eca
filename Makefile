# Two commands on a fresh machine:
#   make run    install into .venv (exact versions from requirements.lock) and run the bundled forecast (writes out/)
#   make test   install into .venv with the test tools (requirements-test.lock), lint, type-check and run the whole test suite
# `make lock` re-resolves pyproject.toml's ranges in throw-away environments and rewrites both lock files.
VENV ?= .venv
PY := $(VENV)/bin/python
OUT ?= out

.PHONY: run test lint install install-test benchmark lock clean

$(VENV)/.created:
	@PYTHON="$$(scripts/find-python)" && echo "using $$PYTHON" && "$$PYTHON" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml requirements.lock
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.created pyproject.toml requirements-test.lock
	$(PY) -m pip install --quiet -r requirements-test.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: $(VENV)/.installed
	$(VENV)/bin/forecast run --out $(OUT) --force

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check forecast tests benchmarks examples
	$(VENV)/bin/ruff format --check forecast tests benchmarks examples
	$(VENV)/bin/mypy

test: lint
	$(PY) -m pytest

benchmark: $(VENV)/.installed
	$(PY) benchmarks/pipeline.py

lock:
	scripts/lock

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
