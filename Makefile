# Two commands for a fresh machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Two test processes: the machines this runs on have two cores.
PYTEST_ARGS ?= -n 2

.PHONY: demo test install browser lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,train]'
	touch $(STAMP)

install: $(STAMP)

# Ports: `make demo PORT=8010 HOST_PORT=8011`, or PORT and HOST_PORT in the environment.
PORT ?= 8000
HOST_PORT ?= 8001
DEMO_URLS := --parley-url http://127.0.0.1:$(PORT) --host-url http://127.0.0.1:$(HOST_PORT)

demo: install
	$(eval _clash := $(shell $(PY) -m demo.ports 127.0.0.1 $(PORT) $(HOST_PORT)))
	$(if $(_clash),$(error $(_clash)))
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py load_demo $(DEMO_URLS)
	@$(PY) manage.py embed_demo --parley-url http://127.0.0.1:$(PORT) --serve 127.0.0.1:$(HOST_PORT) &
	@$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The browser tests need Debian's chromium; without root the install is skipped and they say so.
browser:
	@bash .ci/browser-setup || echo "warning: chromium could not be installed; browser tests will be skipped"

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) parley.sqlite3
