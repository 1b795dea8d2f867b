# Two commands do all set-up on a fresh machine: `make run` (the demo) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run run-cluster test lint format bench lock clean digest

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python demo/run.py

# The production topology on this machine: PostgreSQL, Redis, gunicorn, scheduler, two workers.
run-cluster: $(STAMP)
	$(BIN)/python demo/cluster.py

# The CLI against the demo's database: make digest ARGS="poll --newsletter riverside"
digest: $(STAMP)
	DIGEST_ENV=development $(BIN)/flask --app wsgi digest $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/pip install --quiet -r requirements-bench.txt
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/send.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/inbound.py

# Re-resolve the pinned lock file from requirements.in (needs the package registry).
lock:
	rm -rf /tmp/digest-lock && $(PYTHON) -m venv /tmp/digest-lock
	/tmp/digest-lock/bin/pip install --quiet -r requirements.in
	/tmp/digest-lock/bin/pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) instance
