# The two commands of README.md: `make demo` (crawl the bundled sample sites) and `make test`.
# Both set up everything first on a fresh machine: a virtualenv with the project and its tools.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint redis-server
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV) || { apt-get update && apt-get install -y python3-venv && python3 -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/tutorwatch crawl --serve-samples

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The scale-out tests start their own redis-server (Debian's) on a free 127.0.0.1 port.
redis-server:
	command -v redis-server >/dev/null || { apt-get update && apt-get install -y redis-server; }

test: lint redis-server
	$(BIN)/python -m pytest -q
