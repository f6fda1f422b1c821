# Two commands for a new user: `make run` and `make test`. Everything else is a step they call.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The application's dependencies, locked with hashes; dev.txt is the same pins plus the test tools.
PROD_LOCK := requirements/prod.txt
DEV_LOCK := requirements/dev.txt
# The API's and the open data's real consumers ([project.optional-dependencies].clients), which
# the test suite runs: locked on their own, within dev.txt's pins.
CLIENTS_LOCK := requirements/clients.txt
STAMP := $(VENV)/.installed-$(shell cat $(PROD_LOCK) $(DEV_LOCK) $(CLIENTS_LOCK) pyproject.toml | cksum | cut -d' ' -f1)
HOST := 127.0.0.1:8000
SCREENSHOT_TESTS := tests/test_secretariat_browser.py tests/test_history_browser.py tests/test_home_browser.py tests/test_import_browser.py tests/test_calendar_browser.py tests/test_public_browser.py tests/test_rounds_browser.py tests/test_rounds_excel_browser.py

.PHONY: run test install install-prod browser ckan setup demo lint lock lock-ckan bench bench-home bench-rounds clean screenshots

# The worker that builds large workbooks (manage.py db_worker) runs in the background, the server in
# the foreground; Ctrl-C stops both (a background job of this shell ignores Ctrl-C, so the trap ends it).
run: setup demo ## Set everything up and serve on http://$(HOST)/ (127.0.0.1:8000 unless HOST=…) with demo data and accounts
	@$(PY) manage.py db_worker --no-reload --interval 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST)

# pytest-xdist: one test process per core, at most 4, each with its own test database.
# TEST_WORKERS=0 runs in this process (e.g. with --pdb); plain `.venv/bin/python -m pytest` does too.
TEST_WORKERS ?= auto --maxprocesses 4

test: install browser ckan lint ## Run the whole test suite (and the linter, and the migration check)
	$(PY) manage.py makemigrations --check --dry-run > /dev/null
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The real programs some tests drive: Chromium (the print pages), LibreOffice (the workbook as printed),
# axe-core (the accessibility check of every page, from npm at the version locked in scripts/axe/)
# and TypeScript with openapi-typescript (a consumer of the API's schema, locked in scripts/ts_client/).
browser:
	@scripts/ensure_chromium.sh
	@scripts/ensure_libreoffice.sh
	@scripts/ensure_npm_packages.sh

# CKAN with its DCAT harvester, in its own environment (build/ckan-venv, from requirements/ckan.txt):
# tests/test_opendata_dcat.py runs the harvester on the catalogue, as a portal would.
ckan:
	@scripts/ensure_ckan.sh

# The pictures in docs/admin.md, taken by the browser tests from the screens as they are now
# (they save to build/screenshots/ on every other run).
screenshots: install browser
	SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest -n 0 -q $(SCREENSHOT_TESTS)

# The development environment (make run and make test share it): the application and the test tools.
install: $(STAMP)

$(STAMP): $(PROD_LOCK) $(DEV_LOCK) $(CLIENTS_LOCK) pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(DEV_LOCK) -r $(CLIENTS_LOCK)
	rm -f $(VENV)/.installed-*
	touch $@

# Production (docs/operations.md): the application's dependencies only, no test tools.
install-prod:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(PROD_LOCK)

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_plan --demo

demo: setup
	$(PY) manage.py create_demo_users --url http://$(HOST)/
	$(PY) manage.py load_demo_rounds

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m vulture

# Re-resolve the ranges in pyproject.toml into requirements/prod.txt ([project].dependencies),
# requirements/dev.txt (the same pins plus the dev extra) and requirements/clients.txt (the clients
# extra, within dev.txt's pins), with hashes, using pinned pip-tools.
# Versions already locked are kept; `make lock UPGRADE=1` moves every package to its newest allowed.
PIP_TOOLS := pip==26.3 pip-tools==7.6.2
LOCK_VENV := /tmp/bunkyo-lock
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
lock:
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet $(PIP_TOOLS)
	$(PYTHON) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	  head = '# Generated from pyproject.toml by make lock: change the ranges there, not here.\n'; \
	  open('requirements/prod.in', 'w').write(head + '\n'.join(p['dependencies']) + '\n'); \
	  open('requirements/dev.in', 'w').write(head + '-c prod.txt\n-r prod.in\n' \
	    + '\n'.join(p['optional-dependencies']['dev']) + '\n'); \
	  open('requirements/clients.in', 'w').write(head + '-c dev.txt\n' \
	    + '\n'.join(p['optional-dependencies']['clients']) + '\n')"
	cd requirements && $(PIP_COMPILE) --output-file prod.txt prod.in
	cd requirements && $(PIP_COMPILE) --output-file dev.txt dev.in
	cd requirements && $(PIP_COMPILE) --output-file clients.txt clients.in

# requirements/ckan.txt, CKAN's own lock (scripts/ensure_ckan.sh), from the ranges in requirements/ckan.in:
# nothing to do with the application's pins, which CKAN's conflict with.
CKAN_LOCK_VENV := /tmp/ckan-lock
lock-ckan:
	rm -rf $(CKAN_LOCK_VENV) && $(PYTHON) -m venv $(CKAN_LOCK_VENV)
	$(CKAN_LOCK_VENV)/bin/pip install --quiet $(PIP_TOOLS)
	cd requirements && CUSTOM_COMPILE_COMMAND="make lock-ckan" $(CKAN_LOCK_VENV)/bin/pip-compile --quiet \
	  --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	  $(if $(UPGRADE),--upgrade) --output-file ckan.txt ckan.in

# Not part of make test. Each part works on a copy of the synthetic data of `manage.py
# generate_synthetic_plans`, built once per (plans, measures, seed) and kept in build/bench-data/
# (benchmarks/data.py), and prints its table with the baseline measured in the same run
# (docs/PERFORMANCE.md). About 15 minutes on 2 busy CPUs (the first time 3 more, for the data).
# Quick: make bench SIZES=1000,5000 PAGE_SIZES=50,500 IMPORT_SIZES=50,500 DURATION=3
bench: install ## The benchmarks of issue 15: Excel export, the import, the pages, gunicorn + wrk (docs/PERFORMANCE.md)
	@scripts/ensure_wrk.sh
	@echo "== 1/4 Excel export (export, openpyxl baseline, XlsxWriter floor) =="
	$(PY) benchmarks/export_excel.py $(if $(SIZES),--sizes $(SIZES))
	@echo "== 2/4 The print page, the report page and the public plan page, test client, against an empty template =="
	$(PY) benchmarks/pages.py $(if $(PAGE_SIZES),--sizes $(PAGE_SIZES))
	@echo "== 3/4 gunicorn (2 workers) + wrk, against the login page and an empty template; the public plan page revalidated (304) =="
	$(PY) benchmarks/http_load.py $(if $(DURATION),--duration $(DURATION))
	@echo "== 4/4 Excel import, 500 and 5,000 rows (preview, confirm; openpyxl read-only, bulk_create) =="
	$(PY) benchmarks/import_progress.py $(if $(IMPORT_SIZES),--sizes $(IMPORT_SIZES))

bench-home: install ## The home page benchmark (docs/PERFORMANCE.md); quick: make bench-home SIZES=100,1000
	$(PY) benchmarks/home_page.py $(if $(SIZES),--sizes $(SIZES))

bench-rounds: install ## Collection rounds at 200 departments / 5,000 measures (docs/PERFORMANCE.md); PostgreSQL: DATABASE_URL=postgres://…
	$(PY) benchmarks/rounds.py $(if $(DEPARTMENTS),--departments $(DEPARTMENTS)) $(if $(MEASURES),--measures $(MEASURES))

clean:
	rm -rf $(VENV) .pytest_cache build/bench-data build/ckan-venv
