# coopcases — `make run` starts everything; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/coopcases
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_WORKERS ?= 2

.PHONY: venv run test lint check schema messages bench faults soak clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

## run: web UI, admin, API, Celery worker and beat, with reference data and demo users (Ctrl-C stops all)
run: venv
	mkdir -p var/broker/queue var/broker/processed var/files
	DJANGO_SETTINGS_MODULE=coopcases.settings.dev $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=coopcases.settings.dev $(PY) manage.py load_reference_data
	DJANGO_SETTINGS_MODULE=coopcases.settings.dev $(PY) manage.py load_asset_rules
	DJANGO_SETTINGS_MODULE=coopcases.settings.dev $(PY) manage.py load_exchange_rates
	DJANGO_SETTINGS_MODULE=coopcases.settings.dev $(PY) manage.py seed_demo
	DJANGO_SETTINGS_MODULE=coopcases.settings.dev $(VENV)/bin/honcho -f Procfile.dev start

## test: the whole suite on PostgreSQL and Redis (override TEST_DATABASE_URL / TEST_REDIS_URL)
test: venv
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q

lint: venv
	$(VENV)/bin/ruff check .

## check: Django system checks, migrations committed, OpenAPI schema committed
check: venv
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

schema: venv
	$(PY) manage.py spectacular --api-version v1 --lang en --file docs/openapi.yaml --validate

## messages: extract every app's strings into coopcases/locale (LOCALE_PATHS), then compile; both are committed
messages: venv
	$(PY) manage.py makemessages -l es -l pt -l fr --no-obsolete $(foreach d,.venv var tests artifacts node_modules,-i "$(d)/*")
	$(PY) manage.py compilemessages --ignore ".venv/*"

# -- bench (issue 10): generated data on its own database, the real stack, hey; docs/benchmarks.md --
BENCH_REQUESTS ?= 100000
BENCH_SEED ?= 1
BENCH_PG ?= postgres://postgres:postgres@127.0.0.1:5432
BENCH_DB ?= coop_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/4
BENCH_PLOT ?= var/bench/latency.png
BENCH_ARGS ?=
BENCH_ENV = DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) REDIS_URL=$(BENCH_REDIS_URL) DJANGO_SETTINGS_MODULE=coopcases.settings.dev

## bench: BENCH_REQUESTS=1000000 for full size; BENCH_REUSE=1 keeps an already generated $(BENCH_DB)
bench: venv
	@command -v hey >/dev/null || { echo "hey is missing: apt-get install -y hey"; exit 1; }
	@if [ -z "$(BENCH_REUSE)" ]; then \
	  psql $(BENCH_PG)/postgres -q -c "DROP DATABASE IF EXISTS $(BENCH_DB)" -c "CREATE DATABASE $(BENCH_DB)" && \
	  $(BENCH_ENV) $(PY) manage.py migrate --noinput -v 0 && \
	  $(BENCH_ENV) $(PY) manage.py load_reference_data -v 0 && \
	  $(BENCH_ENV) $(PY) manage.py generate_load_data --requests $(BENCH_REQUESTS) --seed $(BENCH_SEED); \
	fi
	$(BENCH_ENV) $(PY) manage.py run_bench --plot $(BENCH_PLOT) $(BENCH_ARGS)
# -- end bench --

# --- Reliability (owner: faults; docs/reliability.md) ----------------------------------------------------------
## faults: the long fault suite (own PostgreSQL and redis-server per run; ~200 fault-matrix scenarios, long
## Hypothesis profile, sqlmap and the soak). `make test` runs its quick subset.
faults: venv
	FAULTS=long DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(PY) -m pytest -n 0 -q tests/faults

## soak: only the 10-minute steady-load soak (figures in docs/benchmarks.md, section "Soak")
soak: venv
	FAULTS=long DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	  $(PY) -m pytest -n 0 -q tests/faults/test_soak.py

clean:
	rm -rf var/ artifacts/
