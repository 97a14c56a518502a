# quizapp — the two commands: `make run` and `make test`. Needs only Python >= 3.11 and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
LOCK   := requirements.lock
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 3
# Threads per worker: above 1, gunicorn's gthread workers (a worker waiting on PostgreSQL serves another request).
THREADS ?= 1
# Rate limits shared by every worker; RATELIMIT_STORAGE_URI=memory:// make serve only for a single worker.
RATELIMIT_STORAGE_URI ?= redis://127.0.0.1:6379

.PHONY: run test lint serve install install-test install-e2e migrate banks demo e2e bench lock clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Each stamp installs from the lock file, so a fresh machine gets the versions that were tested.
$(VENV)/.installed-runtime: pyproject.toml $(LOCK) | $(PY)
	$(PY) -m pip install --quiet -c $(LOCK) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-runtime
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[test]'
	touch $@

$(VENV)/.installed-e2e: $(VENV)/.installed-test
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[e2e]'
	touch $@

install: $(VENV)/.installed-runtime
install-test: $(VENV)/.installed-test
install-e2e: $(VENV)/.installed-e2e

# Refresh the pins after changing dependencies in pyproject.toml (needs network), then run make test.
lock: | $(PY)
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --all-extras --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file $(LOCK) pyproject.toml

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
	RATELIMIT_STORAGE_URI=$(RATELIMIT_STORAGE_URI) $(VENV)/bin/gunicorn --config gunicorn.conf.py \
		--workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) wsgi:app

test: install-test
	$(PY) -m pytest -q tests

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

e2e: install-e2e
	$(PY) -m pytest -q tests/e2e -m e2e

# Both databases, full data, 10 s per hot scenario (BENCH_ARGS="--size small --duration 3" for a quick look);
# PostgreSQL from BENCH_DATABASE_URL, default the database `bench` on 127.0.0.1:5432 (created, then emptied).
# The data is generated once (for SQLite) and reused for PostgreSQL (bench/seed.py's cache); the total time last.
BENCH_ARGS ?=
bench: install-test
	bench/install
	@start=$$(date +%s); \
	$(PY) bench/run.py --database sqlite --profile $(BENCH_ARGS) && \
	$(PY) bench/run.py --database postgresql --profile $(BENCH_ARGS); \
	status=$$?; elapsed=$$(( $$(date +%s) - start )); \
	echo "make bench: $$((elapsed / 60)) min $$((elapsed % 60)) s for both databases"; exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
