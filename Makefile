# Two commands for a new user: `make run` and `make test`. Everything else is a step they call.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
HOST := 127.0.0.1:8000

.PHONY: run test install browser setup demo lint lock bench clean

run: setup demo ## Set everything up and serve on http://127.0.0.1:8000/ with demo data and accounts
	$(PY) manage.py runserver $(HOST)

test: install browser ## Run the whole test suite
	$(PY) -m pytest $(PYTEST_ARGS)

browser:
	@scripts/ensure_chromium.sh

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_plan --demo

demo: setup
	$(PY) manage.py create_demo_users

lint: install
	$(PY) -m ruff check .

# Re-resolve the dependency ranges in pyproject.toml into requirements.lock.
lock:
	rm -rf /tmp/bunkyo-lock && $(PYTHON) -m venv /tmp/bunkyo-lock
	/tmp/bunkyo-lock/bin/pip install --quiet ".[dev]"
	{ echo "# Exact versions installed by \`make\`. Regenerate from pyproject.toml with \`make lock\`."; \
	  /tmp/bunkyo-lock/bin/pip freeze --exclude bunkyo-data-plan; } > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache
