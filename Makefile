# Set-up and everyday commands. `make run` and `make test` work on a fresh machine (README).
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Debian packages the product needs: WeasyPrint's libraries (HarfBuzz subsetting: 25x faster PDFs), CJK fonts,
# poppler (PDF checks in tests), Debian's chromium (browser tests; no browser download).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-hanazono poppler-utils chromium

# Test processes (pytest-xdist); a module's tests stay on one worker, so its module-scoped live stack starts once.
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadfile
# The embedded default: SQLite and no Redis (suites that need PostgreSQL or Redis skip themselves).
EMBEDDED := env -u DATABASE_URL -u REDIS_URL

.PHONY: install system-deps fonts run test test-sqlite test-fast lint typecheck bench clean worker

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo sudo ); \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq $$missing; \
	fi

# Report fonts (tasks/reports/fonts.py): the SC face of Noto Sans CJK and HanaMinB, copied into var/fonts.
fonts: install system-deps
	$(BIN)/python manage.py install_report_fonts

run: install system-deps fonts
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --scale small
	@echo ""
	@echo "Demo accounts (password demo-pass-2026): province (省委组织部), city (巴中市委组织部), county (县委组织部), township (乡镇党委书记)"
	@echo "Open http://127.0.0.1:$(PORT)/"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite on the database in DATABASE_URL (SQLite when unset); CI runs it on PostgreSQL and Redis.
test: install system-deps fonts
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# The whole suite on the embedded default, whatever DATABASE_URL and REDIS_URL say (CI runs both).
test-sqlite: install system-deps fonts
	$(EMBEDDED) $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# The quick loop: SQLite, no browser, no Celery worker, no slow suites.
test-fast: install fonts
	$(EMBEDDED) $(BIN)/python -m pytest $(XDIST) -m "not browser and not worker and not slow" $(PYTEST_ARGS)

# mypy with django-stubs and djangorestframework-stubs over the paths in pyproject.toml ([tool.mypy] files).
typecheck: install
	$(BIN)/mypy

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

# One worker for every queue (docs/operations.md, "Worker layout and shared storage").
worker: install fonts
	$(BIN)/celery -A backend worker -Q default,reports,imports,risk --loglevel=INFO --concurrency=2

bench: install system-deps fonts
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles media .pytest_cache .mypy_cache
