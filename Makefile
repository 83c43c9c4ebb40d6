# The README's two commands: `make demo` and `make test`. Both set everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_TURNS := tests/fixtures/en_route_only.wav tests/fixtures/en_date_only.wav tests/fixtures/en_goodbye.wav

LINT_VENV := .venv-lint
LINT_BIN := $(LINT_VENV)/bin
LINT_STAMP := $(LINT_VENV)/.installed
CHECKOV := $(LINT_BIN)/checkov --quiet --compact --skip-download

.PHONY: setup system-deps demo test test-fast bench fixtures serve lint clean

setup: system-deps $(STAMP)

# espeak-ng speaks the non-English languages; redis-server backs the scale-out tests; jemalloc is the
# gateway's malloc (`make serve`, the image; README "Soak") (Debian packages; needs root or sudo once;
# the tests start their own redis-server, never the service).
system-deps:
	@{ command -v espeak-ng && command -v redis-server && ls /usr/lib/*-linux-gnu/libjemalloc.so.2; } >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq espeak-ng redis-server libjemalloc2 >/dev/null; }

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[local,dev]"
	touch $(STAMP)

demo: setup
	mkdir -p out
	$(BIN)/python -m gateway call $(DEMO_TURNS) --out out/demo_call.wav

test: setup
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -ra

# Without the e2e tests (servers, models, real-time calls): no model is loaded (tests/conftest.py
# fails the run if one is) and it takes under a minute. The schemathesis plugin only slows start-up;
# hypothesis's plugin would import hypothesis at the very end, where CPython 3.11.7 can fail with
# "AST constructor recursion depth mismatch" (seen at the end of the whole fast run; cause not found).
test-fast: setup
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -ra -n 2 -m "not e2e" -p no:schemathesis -p no:hypothesispytest

bench: setup
	$(BIN)/python bench/turn_latency.py --calls 4
	$(BIN)/python bench/turn_latency.py --calls 4 --concurrency 4

fixtures: setup
	$(BIN)/python testkit/make_fixtures.py

# jemalloc as malloc when installed: RSS stays flatter over many calls than with glibc's (README, "Soak").
JEMALLOC := $(firstword $(wildcard /usr/lib/*-linux-gnu/libjemalloc.so.2))

serve: setup
	$(if $(JEMALLOC),LD_PRELOAD=$(JEMALLOC) )$(BIN)/python -m gateway serve

# Linters live in their own venv (checkov's pinned dependencies would clash with the app's).
$(LINT_STAMP): .ci/lint-requirements.txt
	$(PY) -m venv $(LINT_VENV)
	$(LINT_BIN)/pip install -q --upgrade pip
	$(LINT_BIN)/pip install -q -r .ci/lint-requirements.txt
	touch $(LINT_STAMP)

# hadolint + checkov on the Dockerfile, checkov + terraform fmt on terraform/, import-linter if present.
lint: $(LINT_STAMP)
	$(LINT_BIN)/hadolint Dockerfile
	$(CHECKOV) --framework dockerfile -f Dockerfile
	$(CHECKOV) -d terraform
	@TF=$$(command -v terraform || echo $(LINT_BIN)/terraform); \
	if [ -x "$$TF" ]; then echo "$$TF fmt -check -diff -recursive terraform"; TF_CLI_CONFIG_FILE=/dev/null "$$TF" fmt -check -diff -recursive terraform; \
	else echo "terraform fmt: SKIPPED, no terraform binary (neither on PATH nor in $(LINT_VENV))"; fi
	@if [ -x $(BIN)/lint-imports ]; then echo "$(BIN)/lint-imports"; $(BIN)/lint-imports; \
	else echo "lint-imports: SKIPPED, import-linter is not installed in $(VENV) (make setup installs the dev extra)"; fi
	@echo "lint: clean"

clean:
	rm -rf $(VENV) $(LINT_VENV) .cache out
