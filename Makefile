# Two commands do all set-up on a fresh machine: `make run` (the demo) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# What the browser tests inject into pages (axe-core), from package-lock.json.
NODE_STAMP := node_modules/.installed

.PHONY: run run-cluster test lint types-baseline format bench lock clean digest wheels \
	container-test container-clean

# The runtime lock and the development tools' lock, both with hashes; then digest itself,
# editable, from this checkout.
$(STAMP): requirements-pip.lock requirements.lock requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-pip.lock
	$(BIN)/pip install --quiet -r requirements.lock -r requirements-dev.lock
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

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(NODE_STAMP)

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# mypy's errors already present are in mypy-baseline.txt: a new one fails, and so does one fixed
# but still listed (`make types-baseline` rewrites the list after fixing some).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy | $(BIN)/mypy-baseline filter --sort-baseline --hide-stats --no-colors

types-baseline: $(STAMP)
	$(BIN)/mypy | $(BIN)/mypy-baseline sync --sort-baseline

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/pip install --quiet -r requirements-bench.txt
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/send.py
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/relay.py
	$(BIN)/python bench/throttle.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/inbound.py
	$(BIN)/python bench/websub.py
	$(BIN)/python bench/newsletters.py
	$(BIN)/python bench/clicks.py

# Re-resolve both lock files (needs the package registry): the runtime one from pyproject.toml
# with the queue, postgres and server extras (what the container installs), the tools' one
# from requirements-dev.in within it.
LOCK := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links
lock: $(STAMP)
	$(LOCK) --upgrade --extra queue --extra postgres --extra server -o requirements.lock pyproject.toml
	$(LOCK) --upgrade -o requirements-dev.lock requirements-dev.in

# The image's wheelhouse, for building it where a build step cannot reach the package registry:
# the runtime lock's files as published (the build checks their hashes), and the build backends
# of digest (hatchling) and of the lock's three sdists (setuptools, wheel).
wheels: $(STAMP)
	$(BIN)/pip download --quiet -r requirements-pip.lock -r requirements.lock -d wheels
	$(BIN)/pip download --quiet -c requirements-dev.lock hatchling setuptools wheel -d wheels

# Build the image and run compose.yaml's whole topology with Debian's podman (needs root;
# README, "Run with the container"). container-clean also removes the images it keeps cached.
container-test: $(STAMP)
	$(BIN)/python tests/container/run.py

container-clean:
	$(PYTHON) tests/container/run.py --clean

clean:
	rm -rf $(VENV) node_modules instance
