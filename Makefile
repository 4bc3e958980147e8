# The whole set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app innovation_hub
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Debian packages the browser tests need (Playwright drives Debian's Chromium; it cannot download its own).
BROWSER_DEBS := chromium fonts-wqy-microhei

.PHONY: install bytecode run test test-sqlite test-postgresql test-deps bench soak lint clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e .
	@touch $@

# pip compiles an installed package's modules; an editable install leaves ours to be compiled at each
# start where Python may not write its cache (PYTHONDONTWRITEBYTECODE): 0.15 s of every start.
bytecode: $(VENV)/.installed
	@$(BIN)/python -m compileall -q innovation_hub wsgi.py

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test,postgres]'
	@touch $@

install: bytecode

run: install
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	$(FLASK) reindex --if-missing
	@echo ""
	@echo "  创新工作室成果库已启动： http://$(HOST):$(PORT)"
	@echo "  （示例数据；按 Ctrl+C 停止）"
	@echo ""
	@$(FLASK) demo-logins
	@echo "  登录页： http://$(HOST):$(PORT)/login"
	@echo ""
	$(FLASK) run --host $(HOST) --port $(PORT)

test-deps: $(VENV)/.installed-test
	@dpkg -s $(BROWSER_DEBS) >/dev/null 2>&1 || { \
	  echo "Installing $(BROWSER_DEBS) for the browser tests (apt-get)…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(BROWSER_DEBS) >/dev/null; }

# The whole suite on SQLite and, at the same time, on PostgreSQL (a throwaway cluster on loopback, started
# by tests/conftest.py through scripts/pg_server.py unless TEST_PG_URL names a running server). Each run
# spreads its tests over two pytest-xdist workers (XDIST=0: one process), which share the session's
# migrated template and seeded demo site; worksteal evens out the long tests. The PostgreSQL run's output
# is shown after the SQLite run's. Each run alone: `make test-sqlite`, `make test-postgresql`.
XDIST ?= 2
PYTEST := $(BIN)/pytest $(if $(filter 0,$(XDIST)),,-n $(XDIST) --dist worksteal)

test: test-deps
	@status=0; pg_log="$$(mktemp /tmp/innovation-hub-test-pg.XXXXXX.log)"; \
	TEST_DB=postgresql $(PYTEST) -p no:cacheprovider >"$$pg_log" 2>&1 & pg=$$!; \
	trap 'kill $$pg 2>/dev/null; rm -f "$$pg_log"' INT TERM; \
	echo "== 测试：SQLite（PostgreSQL 同时在运行，结果随后显示）=="; $(PYTEST) || status=1; \
	wait $$pg || status=1; \
	echo "== 测试：PostgreSQL =="; cat "$$pg_log"; rm -f "$$pg_log"; \
	exit $$status

test-sqlite: test-deps
	$(PYTEST)

test-postgresql: test-deps
	TEST_DB=postgresql $(PYTEST)

bench: $(VENV)/.installed-test bytecode
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/ledger.py

# Load, worker kills, PostgreSQL and two servers against fresh demo sites (bench/soak.py; about 11 minutes,
# SOAK_SECONDS=20 for a quick run). Installs Debian's postgresql on first use (scripts/pg_server.py).
soak: $(VENV)/.installed-test bytecode
	$(BIN)/python bench/soak.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check innovation_hub tests bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
