#!/usr/bin/env bash
# Load run: gunicorn + PostgreSQL + Redis + a Celery worker at seed_demo --scale city, 50 locust users for 2 min.
#
#   benchmarks/run_load.sh            # creates and seeds database $LOAD_DB (default h8load) unless SKIP_SEED=1
#
# Env: PG_URL (server, default postgres://postgres@127.0.0.1:5432), LOAD_DB, REDIS_URL (default db 8 of the local
# Redis), PORT (8108), USERS (50), DURATION (2m), WORKERS (gunicorn processes, 4), LOAD_DIR (/tmp/h8-load).
# Results: $LOAD_DIR/stats_stats.csv (locust), check.json (benchmarks/load_check.py), baseline.md (one client,
# no concurrency, same server, just before the run: benchmarks/load_baseline.py), logs.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
LOAD_DB="${LOAD_DB:-h8load}"
export DATABASE_URL="$PG_URL/$LOAD_DB"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/8}"
export LOAD_DIR="${LOAD_DIR:-/tmp/h8-load}"
PORT="${PORT:-8108}"
USERS="${USERS:-50}"
DURATION="${DURATION:-2m}"
WORKERS="${WORKERS:-4}"
BIN=.venv/bin
# Production-like: no debug, real secret, and the per-user API rate of production.
export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-load-run-$(date +%s)-not-a-real-secret-0123456789abcdef}"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_SECURE_SSL_REDIRECT=0 LOG_LEVEL=WARNING
export MEDIA_ROOT="$LOAD_DIR/media"

rm -rf "$LOAD_DIR" && mkdir -p "$LOAD_DIR"
if [ "${SKIP_SEED:-0}" != 1 ]; then
  psql "$PG_URL/postgres" -Xqc "DROP DATABASE IF EXISTS \"$LOAD_DB\" WITH (FORCE)" -c "CREATE DATABASE \"$LOAD_DB\""
  $BIN/python manage.py migrate --noinput > "$LOAD_DIR/seed.log"
  $BIN/python manage.py seed_demo --scale city >> "$LOAD_DIR/seed.log" 2>&1
fi
$BIN/python manage.py collectstatic --noinput > /dev/null
psql "$DATABASE_URL" -Xqc "ANALYZE"  # fresh planner statistics, as autovacuum would have them after a bulk load
$BIN/python benchmarks/load_setup.py "$LOAD_DIR"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

$BIN/gunicorn backend.wsgi -b "127.0.0.1:$PORT" -w "$WORKERS" --timeout 60 --access-logfile - \
  > "$LOAD_DIR/gunicorn.log" 2>&1 &
pids+=($!)
# One worker for every queue (reports, imports, risk, default); it renders PDFs: in production it has its own CPU
# (container), here it yields to the web processes.
nice -n 10 $BIN/celery -A backend worker -Q default,reports,imports,risk -P prefork --concurrency 1 \
  --loglevel=WARNING > "$LOAD_DIR/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 1; done

$BIN/python benchmarks/load_baseline.py "$LOAD_DIR" "http://127.0.0.1:$PORT" > "$LOAD_DIR/baseline.md"
uptime > "$LOAD_DIR/uptime-before.txt"
$BIN/locust -f benchmarks/locustfile.py --headless -u "$USERS" -r "${SPAWN_RATE:-5}" -t "$DURATION" \
  --host "http://127.0.0.1:$PORT" --csv "$LOAD_DIR/stats" --only-summary > "$LOAD_DIR/locust.log" 2>&1 || true
uptime > "$LOAD_DIR/uptime-after.txt"
sleep 5  # let in-flight writes finish before checking
$BIN/python benchmarks/load_check.py "$LOAD_DIR" | tee "$LOAD_DIR/check.json"
$BIN/python benchmarks/load_report.py "$LOAD_DIR"
echo; cat "$LOAD_DIR/baseline.md"; echo; echo "load average before/after: $(cat "$LOAD_DIR/uptime-before.txt") / $(cat "$LOAD_DIR/uptime-after.txt")"
