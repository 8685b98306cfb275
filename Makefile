# make demo: install into .venv and run the main job on the embedded defaults.
# make test: install into .venv and run the whole test suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# make freeze: record the corpus of pyproject's version into tests/histories/<version>/ (see its module).
.PHONY: mutate docs freeze test-deployed demo test test-fast test-dates install lint lock system chromium nginx prometheus clean bench dist release-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	@# Bytecode compiled once: where PYTHONDONTWRITEBYTECODE is set (as on this machine)
	@# nothing is cached otherwise, and every workflow sandbox compiles its modules again.
	$(BIN)/python -m compileall -q domain activities workflows services runtime cli
	touch $(STAMP)

install: $(STAMP)

# poppler-utils, with which the tests read the letters back (pdftotext, pdftoppm, pdfinfo,
# pdffonts): an independent reader. Drawing a letter needs no system package (Typst's
# fonts are inside its wheel), so `make demo` installs none.
system:
	@command -v pdftotext >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils) >/dev/null 2>&1 || \
	  (echo "poppler-utils could not be installed (apt-get as root)" >&2; exit 1)

demo: $(STAMP)
	$(BIN)/ccm demo $(if $(KEEP),--keep,)

# Debian's Chromium opens the published report page in a test; where it cannot be
# installed (not root, no package index) that one test is skipped and says why.
chromium:
	@command -v chromium >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || \
	  echo "Chromium could not be installed: the report-page test will be skipped"

# Debian's Prometheus (and promtool), the version the compose runs: the tests check the
# rules and the config, and scrape a worker with it. Without it those tests are skipped.
prometheus:
	@command -v promtool >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) \
	  >/dev/null 2>&1 || echo "Prometheus could not be installed: the monitoring tests will be skipped"

# Debian's nginx is the TLS-terminating gRPC proxy of the secure-connection tests.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx) >/dev/null 2>&1 || \
	  echo "nginx could not be installed: the TLS tests will be skipped"

test: $(STAMP) system chromium nginx prometheus
	$(BIN)/ruff check domain activities workflows services runtime cli tests benchmarks
	$(BIN)/ruff format --check --quiet domain activities workflows services runtime cli tests benchmarks docs/hooks.py
	$(BIN)/mypy domain workflows
	$(MAKE) --no-print-directory docs
	@# Three processes on 2 cores, a test module each at a time (its fixtures are the
	@# module's): the tests wait on servers and workers more than they compute; 10 min 21 s
	@# against 11-13 min with two (docs/BENCHMARKS.md). The slowest are listed at the end.
	$(BIN)/python -m pytest -q -n 3 --dist loadfile --durations=15
	@# The two reruns side by side (one on a dev server, one on time-skipping servers): the
	@# suite stays under 20 minutes on 2 cores (docs/BENCHMARKS.md).
	$(MAKE) --no-print-directory -j2 --output-sync=target test-deployed test-dates

# The core end-to-end tests again in the compose's configuration (tests/e2e/conftest.py):
# the log on PostgreSQL written by its owner and read by the reader role, signatures
# required, a workflows worker and a letters worker.
DEPLOYED_TESTS := tests/e2e/test_cli.py tests/e2e/test_bank_cli.py tests/e2e/test_meeting_cli.py \
  tests/e2e/test_plan_cli.py tests/e2e/test_obligations_cli.py tests/e2e/test_data_cli.py tests/e2e/test_outbox_cli.py \
  tests/e2e/test_docs.py tests/e2e/test_docs_readme.py tests/e2e/test_letters_cli.py tests/e2e/test_broken_runs.py \
  tests/e2e/test_finances_cli.py tests/e2e/test_follow_ups.py tests/e2e/test_hostile_round_four.py \
  tests/e2e/test_machine_output.py tests/e2e/test_outreach_cli.py tests/e2e/test_universalization_cli.py \
  tests/e2e/test_coordinators_cli.py
test-deployed: $(STAMP) system
	CCM_TEST_CONFIG=deployed $(BIN)/python -m pytest -q -p no:cacheprovider $(DEPLOYED_TESTS)

# The quick loop while working: the unit and workflow tests (under a minute, docs/BENCHMARKS.md);
# `make test` runs them all.
test-fast: $(STAMP) system
	$(BIN)/python -m pytest -q -x -m "not slow" tests/unit tests/workflows

# The workflow tests again, their server's clock moved to the days of the year where dates
# turn: New Year, the schedule's day, a leap day, the pre-MSP reminder's, New Year's Eve.
CLOCKS := 01-01T00:30 01-15 02-29 08-11 12-31T23:30
# Not again the SMTP module: it tests delivery, not dates, and the time-skipping test
# server fails it about once in 20 runs ("invalid history builder state for action" on the
# cancel that ends it, on any day; docs/BENCHMARKS.md): it runs once, in the suite.
test-dates: $(STAMP)
	@for clock in $(CLOCKS); do echo "clock $$clock"; \
	  $(BIN)/python -m pytest -q -p no:cacheprovider tests/workflows --clock $$clock \
	    --ignore=tests/workflows/test_letters_by_smtp.py || exit 1; done

# The speed figures of docs/BENCHMARKS.md, each a pair or a ratio from one run (PostgreSQL
# at 127.0.0.1:5432 for the event-log pair and the two workers). About 13 minutes on 2 cores.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.speed letters --n 40
	$(BIN)/python -m benchmarks.speed chases --n 300
	$(BIN)/python -m benchmarks.speed scale --n 100
	$(BIN)/python -m benchmarks.speed statement --n 1000
	$(BIN)/python -m benchmarks.speed eventlog --n 5000
	$(BIN)/python -m benchmarks.speed audit --events 1000000
	$(BIN)/python -m benchmarks.speed status --chases 1000
	$(BIN)/python -m benchmarks.speed cli --runs 10

# Mutation testing of domain/ against the unit tests (mutmut; [tool.mutmut] in pyproject.toml):
# not in CI (about an hour on 2 cores). `mutmut results` lists the survivors; docs/MUTATION.md
# says which were run, what survived and what was done about it.
mutate: $(STAMP)
	$(BIN)/pip install --quiet mutmut
	$(BIN)/mutmut run --max-children 2

# The manual (docs/, mkdocs.yml) as a site in .site/; --strict: a broken link or a missing
# page fails. The reference pages are generated from the code (docs/hooks.py).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 PYTHONPATH=. $(BIN)/mkdocs build --strict

# The histories and event-log rows of this version, replayed and parsed by `make test` for ever
# (tests/workflows/test_replay.py). A release's folder is never re-recorded (it refuses);
# a pre-release version's may be.
freeze: $(STAMP)
	$(BIN)/python -m tests.histories.record

# The release's wheel and sdist in dist/ (the wheel built from the sdist); the image installs
# that wheel (Dockerfile), and tests/e2e/test_release.py installs it into a fresh venv.
dist: $(STAMP)
	rm -rf dist
	@# The build's log (a thousand lines of setuptools) is kept in .venv, shown if it fails.
	$(BIN)/python -m build --outdir dist . > $(VENV)/build.log 2>&1 || (tail -40 $(VENV)/build.log; exit 1)

# Before tagging a release: the whole test suite (the frozen histories replayed, the docs
# built, the wheel installed outside the checkout and its demo run, the changelog's entry for
# pyproject's version), then the wheel and sdist. .ci/run runs it.
release-check: test dist
	@echo "release $$($(BIN)/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])') checked; dist/ holds:"
	@ls dist

# requirements.lock pins every package the tests run with; the image installs the same
# (Dockerfile). After changing pyproject.toml: `make lock`, then commit both.
lock: $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	(echo "# Every package the tests run with, pinned: make install and the Dockerfile install these."; \
	 echo "# Written by \`make lock\` (pip freeze) on Python $$($(BIN)/python -c 'import platform; print(platform.python_version())')."; \
	 $(BIN)/pip freeze --exclude-editable) > requirements.lock

lint: $(STAMP)
	$(BIN)/ruff check domain activities workflows services runtime cli tests benchmarks
	$(BIN)/ruff format --check domain activities workflows services runtime cli tests benchmarks docs/hooks.py
	$(BIN)/mypy domain workflows

clean:
	rm -rf $(VENV)
