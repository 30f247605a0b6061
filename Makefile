# askARSAN: `make run` serves, `make test` tests. Both need nothing but Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install install-check run test lint typecheck pytest bench demo clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Microsoft's Web Chat bundle (served at /static/vendor/webchat.js) and the Direct Line JS client
# used by tests/bot/directline, pinned by package-lock.json. Without npm the chat page says how to
# install it and the directlinejs/browser tests skip (they fail under CI). react and react-dom are
# pinned to 18: Web Chat 4.18 asks for any react >= 16.8.6, but its react-redux 7 supports up to 18,
# and npm would otherwise install react 19 and warn. package.json's allowScripts records that none
# of the dependencies' install scripts is needed (the bundle ships built), so npm runs none of them.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund && touch $@; \
	else \
		echo "WARNING: npm is not on PATH: skipping the Web Chat bundle (install Node.js 20+ and run make install)" >&2; \
	fi

install: $(STAMP) node_modules/.installed

run: install
	$(BIN)/askarsan serve

demo: install
	$(BIN)/askarsan demo

# ruff, then the import contracts in pyproject.toml ([tool.importlinter]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo --no-cache

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

test: lint typecheck pytest

# What a deployment does: `pip install .` into a fresh virtualenv (the runtime dependencies only,
# downloaded: about a minute), then `askarsan manifest build` from outside the source tree.
install-check: install
	PYTHON=$(PYTHON) DEV_PYTHON=$(BIN)/python sh tests/packaging/fresh_install.sh

# The gettext catalogues (cards/locale, cards/i18n.py): extract the texts (babel.cfg), merge them into
# each language's messages.po (new ones untranslated, for the translator), compile the .mo files.
# tests/cards/test_catalogues.py fails while a catalogue is stale or has an untranslated text.
MESSAGES_KEYWORDS := -k tr:2 -k ntr:2,3
messages: install
	$(BIN)/pybabel extract -F babel.cfg $(MESSAGES_KEYWORDS) --no-location --sort-output \
		--project askarsan --copyright-holder askARSAN -o cards/locale/messages.pot .
	$(BIN)/pybabel update -i cards/locale/messages.pot -d cards/locale --no-fuzzy-matching
	$(BIN)/pybabel compile -d cards/locale --statistics

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-artifacts
