#!/usr/bin/env bash
# Load run: gunicorn + PostgreSQL + Redis + a Celery worker at seed_demo --scale city, 50 locust users for 2 min.
#
#   benchmarks/run_load.sh                      # creates and seeds database $LOAD_DB (default h8load) unless SKIP_SEED=1
#   HALF_CPU=1 benchmarks/run_load.sh           # the server side pinned to one core (see below)
#   BASELINE_ROOT=/work/wt/base benchmarks/run_load.sh   # also the single-client baseline of an older checkout
#
# PY_SPY=1: py-spy samples the gunicorn workers from 30 s into the run for 60 s (the steady state after the logins);
# LOAD_DIR/spy.txt, summarised by benchmarks/load_spy.py (per view and per part of a view).
# REPORTS_SHARE=normal: the report worker competes for the CPU like the rest (default low: see the workers below).
# PG_KEEP=dir (with HALF_CPU): keep the run's PostgreSQL cluster there between runs; the city seed is made once and
# each run starts from a copy of it (saves the seed's minutes when runs are repeated).
# Env: PG_URL (server, default postgres://postgres@127.0.0.1:5432), LOAD_DB, REDIS_URL (default db 8 of the local
# Redis), PORT (8108), USERS (50), DURATION (2m), SPAWN_RATE (5; 50 starts every user, and their 35 logins, at
# once), GUNICORN_WORKER_CLASS (gthread), GUNICORN_WORKERS (4), GUNICORN_THREADS (16): backend/gunicorn_conf.py, LOAD_DIR (/tmp/h8-load).
# HALF_CPU=1 (or SERVER_CPUS=list): gunicorn, the worker and a PostgreSQL cluster of the run's own (initdb in
# LOAD_DIR, port PG_PORT 5440; the machine's shared server is never pinned) run on SERVER_CPUS (default: core 0)
# under taskset; locust and the baseline client run on the other cores. The headroom is then measured the same
# way on any machine with two cores or more.
# BASELINE_ROOT: a checkout of older code (a git worktree of the commit before a change); its gunicorn serves the
# same database just before the run and gets the same single-client probes, alternated request by request with the
# current code's (both see the machine at the same speed): baseline-before.md and the ratios.
# Results: $LOAD_DIR/stats_stats.csv (locust), check.json (benchmarks/load_check.py), baseline.md (one client,
# no concurrency, same server, just before the run: benchmarks/load_baseline.py), logs.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
LOAD_DB="${LOAD_DB:-h8load}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/8}"
export LOAD_DIR="${LOAD_DIR:-/tmp/h8-load}"
PORT="${PORT:-8108}"
USERS="${USERS:-50}"
DURATION="${DURATION:-2m}"
export GUNICORN_WORKER_CLASS="${GUNICORN_WORKER_CLASS:-gthread}" GUNICORN_WORKERS="${GUNICORN_WORKERS:-4}" GUNICORN_THREADS="${GUNICORN_THREADS:-16}"
BIN=.venv/bin
ALL_CPUS="0-$(($(nproc --all) - 1))"
if [ "${HALF_CPU:-0}" = 1 ] && [ -z "${SERVER_CPUS:-}" ]; then SERVER_CPUS=0; fi
SERVER=() CLIENT=()
if [ -n "${SERVER_CPUS:-}" ]; then
  SERVER=(taskset -c "$SERVER_CPUS")
  client_cpus=$(python3 -c "import sys; s=set(range($(nproc --all)))-{int(c) for c in sys.argv[1].split(',')}; print(','.join(map(str,sorted(s))) or '0')" "$SERVER_CPUS")
  CLIENT=(taskset -c "$client_cpus")
fi
# Production-like: no debug, real secret, and the per-user API rate of production.
export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-load-run-$(date +%s)-not-a-real-secret-0123456789abcdef}"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_SECURE_SSL_REDIRECT=0 LOG_LEVEL=WARNING
export MEDIA_ROOT="$LOAD_DIR/media"

pids=() before=()
cleanup() {
  for pid in "${pids[@]}" ${before_pid:-}; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true
  if [ -n "${PG_DIR:-}" ]; then as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast stop > /dev/null 2>&1 || true; fi
}
trap cleanup EXIT
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ -n "${SERVER_CPUS:-}" ]; then
  # The run's own PostgreSQL, pinned with the rest of the server side (its data is seeded afresh each time).
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)" PG_PORT="${PG_PORT:-5440}"
  rm -rf "$LOAD_DIR" && mkdir -p "$LOAD_DIR"
  PG_HOME="${PG_KEEP:-$LOAD_DIR/pg}"
  PG_DIR="$PG_HOME/data"
  if [ ! -d "$PG_DIR" ]; then
    mkdir -p "$PG_HOME" && { [ "$(id -u)" != 0 ] || chown -R postgres "$PG_HOME"; }
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR" -A trust -U postgres > "$LOAD_DIR/initdb.log"
  fi
  as_postgres "${SERVER[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_HOME/server.log" -w \
    -o "-p $PG_PORT -k $PG_HOME -c listen_addresses=127.0.0.1 -c max_connections=200 \
    -c shared_preload_libraries=pg_stat_statements" start > /dev/null
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT"
  if [ -n "${PG_KEEP:-}" ]; then
    # A kept cluster (PG_KEEP=dir): the city seed is made once as "${LOAD_DB}_seed"; each run starts from a copy.
    if ! psql "$PG_URL/postgres" -Xtqc "SELECT 1 FROM pg_database WHERE datname = '${LOAD_DB}_seed'" | grep -q 1; then
      psql "$PG_URL/postgres" -Xqc "CREATE DATABASE \"${LOAD_DB}_seed\""
      DATABASE_URL="$PG_URL/${LOAD_DB}_seed" $BIN/python manage.py migrate --noinput > "$LOAD_DIR/seed.log"
      DATABASE_URL="$PG_URL/${LOAD_DB}_seed" $BIN/python manage.py seed_demo --scale city >> "$LOAD_DIR/seed.log" 2>&1
    fi
    psql "$PG_URL/postgres" -Xqc "DROP DATABASE IF EXISTS \"$LOAD_DB\" WITH (FORCE)" \
      -c "CREATE DATABASE \"$LOAD_DB\" TEMPLATE \"${LOAD_DB}_seed\""
    DATABASE_URL="$PG_URL/$LOAD_DB" $BIN/python manage.py migrate --noinput > "$LOAD_DIR/seed.log"  # newer code
    SKIP_SEED=1
  else
    SKIP_SEED=0
  fi
else
  rm -rf "$LOAD_DIR" && mkdir -p "$LOAD_DIR"
fi
export DATABASE_URL="$PG_URL/$LOAD_DB"
if [ "${SKIP_SEED:-0}" != 1 ]; then
  psql "$PG_URL/postgres" -Xqc "DROP DATABASE IF EXISTS \"$LOAD_DB\" WITH (FORCE)" -c "CREATE DATABASE \"$LOAD_DB\""
  $BIN/python manage.py migrate --noinput > "$LOAD_DIR/seed.log"
  $BIN/python manage.py seed_demo --scale city >> "$LOAD_DIR/seed.log" 2>&1
fi
$BIN/python manage.py collectstatic --noinput > /dev/null
psql "$DATABASE_URL" -Xqc "ANALYZE"  # fresh planner statistics, as autovacuum would have them after a bulk load
$BIN/python benchmarks/load_setup.py "$LOAD_DIR"
# The run's Redis database starts empty: no task left queued by an earlier run (a worker killed at its end).
$BIN/python -c "import os, redis; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"

if [ -n "${BASELINE_ROOT:-}" ]; then
  # The older code, as it was run then (sync workers), on the same database and cores.
  here="$PWD"
  (cd "$BASELINE_ROOT" && "$here/$BIN/python" manage.py collectstatic --noinput > /dev/null \
    && exec "${SERVER[@]}" "$here/$BIN/gunicorn" backend.wsgi -b "127.0.0.1:$((PORT + 1))" -w 4 \
    --timeout 60 > "$LOAD_DIR/gunicorn-before.log" 2>&1) &
  before_pid=$!
  for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$((PORT + 1))/healthz" > /dev/null && break; sleep 1; done
  # Kept up until the current code's baseline: the two are probed alternately, request by request.
  before=("http://127.0.0.1:$((PORT + 1))" "$LOAD_DIR/baseline-before.json")
fi

"${SERVER[@]}" $BIN/gunicorn -c backend/gunicorn_conf.py backend.wsgi -b "127.0.0.1:$PORT" --access-logfile - --access-logformat '%(t)s "%(r)s" %(s)s %(M)sms' \
  > "$LOAD_DIR/gunicorn.log" 2>&1 &
pids+=($!)
# The workers as docker-compose lays them out: one for imports, risk evaluation and the rest, one rendering PDFs.
# The report worker is background work nobody waits on page by page: in production its container has a smaller CPU
# share than the web's (docker-compose.yml cpu_shares); here, on the shared core, it runs in a scheduling group
# of its own niced to 19 (Linux autogroup: a session's processes share one weight), so it takes the CPU the web and
# PostgreSQL leave. Without that, it took 15-20 % of the core while the web waited on PostgreSQL.
"${SERVER[@]}" nice -n 10 $BIN/celery -A backend worker -Q default,imports,risk -n fast@%h -P prefork --concurrency 1 \
  --loglevel=WARNING > "$LOAD_DIR/worker.log" 2>&1 &
pids+=($!)
setsid "${SERVER[@]}" nice -n 10 $BIN/celery -A backend worker -Q reports -n reports@%h -P prefork --concurrency 1 \
  --loglevel=WARNING > "$LOAD_DIR/worker-reports.log" 2>&1 &
pids+=($!)
reports_pid=$!
if [ "${REPORTS_SHARE:-low}" = low ] && [ -w "/proc/$reports_pid/autogroup" ]; then
  # Once setsid has given it its own group (never the group of this script, which gunicorn shares).
  for _ in $(seq 1 50); do
    [ "$(cut -d' ' -f1 "/proc/$reports_pid/autogroup")" != "$(cut -d' ' -f1 /proc/$$/autogroup)" ] && break; sleep 0.1
  done
  if [ "$(cut -d' ' -f1 "/proc/$reports_pid/autogroup")" != "$(cut -d' ' -f1 /proc/$$/autogroup)" ]; then
    echo 19 > "/proc/$reports_pid/autogroup"
  fi
fi
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 1; done
# The workers boot on the server's cores: the baseline waits for them, as the older code's baseline had no workers.
"${CLIENT[@]}" $BIN/python benchmarks/load_quiet.py "${SERVER_CPUS:-}" > "$LOAD_DIR/quiet.txt"

"${CLIENT[@]}" $BIN/python benchmarks/load_baseline.py "$LOAD_DIR" "http://127.0.0.1:$PORT" "$LOAD_DIR/baseline.json" \
  "${before[@]}" > "$LOAD_DIR/baseline.md"
if [ -n "${before_pid:-}" ]; then kill "$before_pid"; wait "$before_pid" 2>/dev/null || true; fi
# The machine's speed at the time (a shared VM's varies by up to 2x within the hour): a fixed Python loop on the
# server's cores, timed just before and just after the run. Runs are comparable when these agree.
machine_speed() { "${SERVER[@]}" $BIN/python benchmarks/load_speed.py; }
machine_speed > "$LOAD_DIR/speed-before.txt"
uptime > "$LOAD_DIR/uptime-before.txt"
ps -eo pid=,cputimes=,args= > "$LOAD_DIR/cpu-before.txt"; grep '^cpu' /proc/stat > "$LOAD_DIR/stat-before.txt"
if [ -n "${PG_DIR:-}" ]; then  # the run's own cluster: which statements the run's PostgreSQL time went to
  psql "$DATABASE_URL" -Xqc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" > /dev/null
fi
if [ "${PY_SPY:-0}" = 1 ]; then  # on the client's cores: the sampler must not take the server's CPU
  (sleep 30 && "${CLIENT[@]}" $BIN/py-spy record --pid "${pids[0]}" --subprocesses --nonblocking --rate 40 \
    --duration 60 --format raw -o "$LOAD_DIR/spy.txt" > "$LOAD_DIR/spy.log" 2>&1) &
fi
"${CLIENT[@]}" $BIN/locust -f benchmarks/locustfile.py --headless -u "$USERS" -r "${SPAWN_RATE:-5}" -t "$DURATION" \
  --host "http://127.0.0.1:$PORT" --csv "$LOAD_DIR/stats" --only-summary --stop-timeout 60 > "$LOAD_DIR/locust.log" 2>&1 || true
uptime > "$LOAD_DIR/uptime-after.txt"
machine_speed > "$LOAD_DIR/speed-after.txt"
ps -eo pid=,cputimes=,args= > "$LOAD_DIR/cpu-after.txt"; grep '^cpu' /proc/stat > "$LOAD_DIR/stat-after.txt"
if [ -n "${PG_DIR:-}" ]; then
  psql "$DATABASE_URL" -XAF $'\t' -c "SELECT round(total_exec_time)::int AS ms, calls, left(regexp_replace(query, '\s+', ' ', 'g'), 300)
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15" > "$LOAD_DIR/pg-top-statements.tsv" || true
fi
sleep 5  # let in-flight writes finish before checking
$BIN/python benchmarks/load_check.py "$LOAD_DIR" | tee "$LOAD_DIR/check.json"
$BIN/python benchmarks/load_report.py "$LOAD_DIR"
echo; cat "$LOAD_DIR/baseline.md"; echo
if [ -f "$LOAD_DIR/baseline-before.json" ]; then
  $BIN/python benchmarks/load_compare.py "$LOAD_DIR/baseline-before.json" "$LOAD_DIR/baseline.json"; echo
fi
echo "server cores: ${SERVER_CPUS:-$ALL_CPUS} of $ALL_CPUS · gunicorn $GUNICORN_WORKER_CLASS $GUNICORN_WORKERS × $GUNICORN_THREADS threads"
$BIN/python benchmarks/load_cpu.py "$LOAD_DIR" "${SERVER_CPUS:-}"
if [ -s "$LOAD_DIR/spy.txt" ]; then echo; $BIN/python benchmarks/load_spy.py "$LOAD_DIR/spy.txt"; fi
echo "load average before/after: $(cat "$LOAD_DIR/uptime-before.txt") / $(cat "$LOAD_DIR/uptime-after.txt")"
echo "reference loop on the server cores before/after (ms, lower is faster): $(cat "$LOAD_DIR/speed-before.txt") / $(cat "$LOAD_DIR/speed-after.txt")"
