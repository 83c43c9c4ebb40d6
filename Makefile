# The README's two commands: `make demo` and `make test`. Both set everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_TURNS := tests/fixtures/en_route_only.wav tests/fixtures/en_date_only.wav tests/fixtures/en_goodbye.wav

.PHONY: setup system-deps demo test test-fast bench fixtures serve clean

setup: system-deps $(STAMP)

# espeak-ng speaks the non-English languages (Debian package; needs root or sudo once).
system-deps:
	@command -v espeak-ng >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq espeak-ng >/dev/null; }

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

test-fast: setup
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -ra -m "not e2e"

bench: setup
	$(BIN)/python bench/turn_latency.py --calls 4
	$(BIN)/python bench/turn_latency.py --calls 4 --concurrency 4

fixtures: setup
	$(BIN)/python tests/fixtures/make_fixtures.py

serve: setup
	$(BIN)/python -m gateway serve

clean:
	rm -rf $(VENV) .cache out
