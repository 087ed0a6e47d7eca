# Two commands on a fresh machine:
#   make run    install into .venv and run the bundled forecast (writes out/)
#   make test   install into .venv with test extras and run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
OUT ?= out

.PHONY: run test install install-test benchmark clean

$(VENV)/.created:
	@PYTHON="$$(scripts/find-python)" && echo "using $$PYTHON" && "$$PYTHON" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.created pyproject.toml
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: $(VENV)/.installed
	$(VENV)/bin/forecast run --out $(OUT) --force

test: $(VENV)/.installed-test
	$(PY) -m pytest

benchmark: $(VENV)/.installed
	$(PY) benchmarks/pipeline.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
