# Two commands on a fresh machine with Python 3.11 and make:
#   make run   - create the environment from uv.lock, then a full refresh
#   make test  - create the environment from uv.lock, then lint and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test test-postgres lint env dagster clean browser fuzz bench

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --compile-bytecode
	touch $@

env: .venv/.synced

run: env
	.venv/bin/alcap refresh

# sqlfluff's dbt templater renders the SQL with dbt itself; it opens (and may create) a
# warehouse of its own, kept apart from the real one so linting never waits for a refresh.
LINT_HOME := $(CURDIR)/.alcap/lint

lint: env
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	mkdir -p $(LINT_HOME)
	ALCAP_HOME=$(LINT_HOME) .venv/bin/sqlfluff lint dbt/models dbt/tests

# With CI set, the Postgres tests get a throw-away PostgreSQL on 127.0.0.1 (installed from
# Debian's packages if missing); elsewhere they skip unless ALCAP_TEST_POSTGRES_URL is set.
# The test files run side by side, one worker per core; a file's tests stay in one worker (and
# share its fixtures), and each worker refreshes the shipped data once for the files it runs.
test: lint browser
	bash scripts/postgres-for-tests.sh .venv/bin/pytest --numprocesses auto --dist loadfile

# Only the Postgres tests, against a throw-away local cluster (or ALCAP_TEST_POSTGRES_URL).
test-postgres: env
	ALCAP_START_POSTGRES=1 bash scripts/postgres-for-tests.sh .venv/bin/pytest tests/test_postgres.py

# The report tests open the report in Debian's headless Chromium. In CI (CI set) install it when
# it is missing; on a dev machine without it those tests skip with a message.
browser:
	@if [ -n "$$CI" ] && ! command -v chromium >/dev/null 2>&1; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium; \
	fi

# Malformed raw files at scale through the loader (tests/test_fuzz.py): FUZZ_EXAMPLES random
# cases, then a table of case families x tried / handled / lost rows / traceback / unclear message.
FUZZ_EXAMPLES ?= 1000
fuzz: env
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) .venv/bin/pytest tests/test_fuzz.py -k fuzz_many -q -s

# The refresh benchmark (benchmarks/refresh.py): per scale a generated raw/ directory, full,
# no-change and one-file-changed refreshes, and the floor. BENCH_SCALES=1,10 for a quicker run;
# BENCH_TIMEOUT=<seconds> stops any one refresh that runs longer.
BENCH_SCALES ?= 1,10,100
BENCH_TIMEOUT ?=
bench: env
	.venv/bin/python benchmarks/refresh.py --scales $(BENCH_SCALES) $(if $(BENCH_TIMEOUT),--timeout $(BENCH_TIMEOUT))

# The Dagster daemon (daily schedule, raw/ sensor) and UI on http://127.0.0.1:3000, run
# history kept in .alcap/dagster_home.
dagster: env
	.venv/bin/alcap serve

clean:
	rm -rf .alcap dbt/target dbt/logs
