# quizapp — the two commands: `make run` and `make test`. Needs only Python >= 3.11 and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 3

.PHONY: run test serve install migrate banks demo e2e bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(FLASK) db upgrade

banks: migrate
	$(FLASK) banks import --if-empty

demo: banks
	$(FLASK) seed-demo

run: demo
	@$(FLASK) seed-demo --logins-only
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl+C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

serve: banks
	$(VENV)/bin/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) wsgi:app

test: install
	$(PY) -m pytest -q tests

e2e: install
	$(PY) -m pytest -q tests/e2e -m e2e

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
