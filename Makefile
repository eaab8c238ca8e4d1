# The two commands of the README: `make run` and `make test`. Both create .venv if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Installs come from the hashed locks in requirements/, never from a fresh resolution:
#   requirements/app.txt  runtime dependencies only (what an image installs)
#   requirements/dev.txt  runtime + the `local` and `dev` extras (what `make` installs into .venv)
# After changing a dependency in pyproject.toml, run `make lock` to regenerate both. It keeps the
# existing pins where they still fit; `make lock LOCK_ARGS=--upgrade` moves everything to the newest
# versions, `LOCK_ARGS='--upgrade-package NAME'` just one package.
LOCK_TOOL := uv==0.13.9
LOCK_ARGS ?=
LOCK_COMPILE = pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--native-tls --quiet --custom-compile-command 'make lock' $(LOCK_ARGS)

.PHONY: install run test lint bench lock clean assets

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "rtw needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements/dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/rtw run

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python -m bench.table

# The locking tool runs from a throwaway venv, so it never enters .venv or a lock. dev.txt is
# resolved first; app.txt is then held to dev.txt's pins, so the two locks never disagree.
lock:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(PYTHON) -m venv "$$tmp" && \
	"$$tmp/bin/python" -m pip install --quiet --disable-pip-version-check '$(LOCK_TOOL)' && \
	mkdir -p requirements && \
	"$$tmp/bin/uv" $(LOCK_COMPILE) --extra local --extra dev -o requirements/dev.txt && \
	"$$tmp/bin/uv" $(LOCK_COMPILE) --constraint requirements/dev.txt -o requirements/app.txt

# The pages' front-end files come from npm at pinned versions (api/web/assets/package-lock.json)
# and are committed compiled into api/web/static, so `make run` and an image need no Node.
ASSETS := api/web/assets
STATIC := api/web/static
assets:
	cd $(ASSETS) && npm ci --no-audit --no-fund --silent
	rm -rf $(STATIC) && mkdir -p $(STATIC)/nhsuk $(STATIC)/htmx $(STATIC)/swagger
	$(ASSETS)/node_modules/.bin/sass --no-source-map --style=compressed --pkg-importer=node \
		$(ASSETS)/rtw.scss $(STATIC)/rtw.css
	cp $(ASSETS)/node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js $(STATIC)/nhsuk/
	cp -r $(ASSETS)/node_modules/nhsuk-frontend/dist/nhsuk/assets $(STATIC)/nhsuk/assets
	cp $(ASSETS)/node_modules/htmx.org/dist/htmx.min.js $(STATIC)/htmx/
	cp $(ASSETS)/node_modules/swagger-ui-dist/swagger-ui-bundle.js \
		$(ASSETS)/node_modules/swagger-ui-dist/swagger-ui.css $(STATIC)/swagger/
	cp $(ASSETS)/node_modules/nhsuk-frontend/LICENSE* $(STATIC)/nhsuk/ 2>/dev/null || true
	cp $(ASSETS)/node_modules/htmx.org/LICENSE $(STATIC)/htmx/ 2>/dev/null || true
	cp $(ASSETS)/node_modules/swagger-ui-dist/LICENSE $(STATIC)/swagger/ 2>/dev/null || true

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
