# The two commands of README.md: `make demo` (crawl the bundled sample sites) and `make test`.
# Both set up everything first on a fresh machine: a virtualenv with the project and its tools.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup browser demo test lint redis-server
setup: $(VENV)/.installed browser

# Debian's chromium renders the JS-built sites (never a browser downloaded by playwright), its headless
# shell in the crawl (the lighter build, crawler/fetching/rendering.py);
# the CJK fonts keep Chinese in their screenshots from being boxes, and draw the OCR tests'
# ad posters (both WenQuanYi faces, so the posters are the same on every machine).
browser:
	@dpkg -s chromium chromium-headless-shell fonts-wqy-microhei fonts-wqy-zenhei >/dev/null 2>&1 || { apt-get update && apt-get install -y chromium chromium-headless-shell fonts-wqy-microhei fonts-wqy-zenhei; }

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV) || { apt-get update && apt-get install -y python3-venv && python3 -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/python -m tests.support.samples demo

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The scale-out tests start their own redis-server (Debian's) on a free 127.0.0.1 port.
redis-server:
	command -v redis-server >/dev/null || { apt-get update && apt-get install -y redis-server; }

# One pytest worker per core; a module's tests stay on one worker, so its shared crawls run once;
# modules in collection order, the longest first (tests/conftest.py: LONGEST_FIRST).
test: lint redis-server
	$(BIN)/python -m pytest -q -n auto --dist loadscope --no-loadscope-reorder
