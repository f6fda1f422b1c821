# Two commands for a new user: `make run` and `make test`. Everything else is a step they call.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
HOST := 127.0.0.1:8000

.PHONY: run test install browser setup demo lint lock bench clean

run: setup demo ## Set everything up and serve on http://127.0.0.1:8000/ with demo data and accounts
	$(PY) manage.py runserver $(HOST)

test: install browser lint ## Run the whole test suite (and the linter, and the migration check)
	$(PY) manage.py makemigrations --check --dry-run > /dev/null
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
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# Re-resolve the dependency ranges in pyproject.toml into requirements.lock.
LOCK_OUT ?= requirements.lock
lock:
	rm -rf /tmp/bunkyo-lock && $(PYTHON) -m venv /tmp/bunkyo-lock
	$(PYTHON) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	  print('\n'.join(p['dependencies'] + p['optional-dependencies']['dev']))" > /tmp/bunkyo-lock/ranges.txt
	/tmp/bunkyo-lock/bin/pip install --quiet -r /tmp/bunkyo-lock/ranges.txt
	{ echo "# Exact versions installed by \`make\`. Regenerate from pyproject.toml with \`make lock\`."; \
	  /tmp/bunkyo-lock/bin/pip freeze; } > $(LOCK_OUT)

bench: install ## The Excel export benchmark (docs/PERFORMANCE.md); quick: make bench SIZES=1000,5000
	$(PY) benchmarks/export_excel.py $(if $(SIZES),--sizes $(SIZES))

clean:
	rm -rf $(VENV) .pytest_cache
