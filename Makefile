# coopcases — `make run` starts everything; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/coopcases
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_WORKERS ?= 2

.PHONY: venv run test lint check schema messages bench faults clean

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

messages: venv
	cd coopcases && ../$(PY) ../manage.py makemessages -l es -l pt -l fr --no-obsolete
	$(PY) manage.py compilemessages

clean:
	rm -rf var/ artifacts/
