"""gunicorn settings of the web service (`gunicorn -c backend/gunicorn_conf.py backend.wsgi`).

Four workers of 16 threads by default (issue 19). A login's password hash runs in a low-priority child process
(backend/passwords.py): the login's thread waits on a pipe without CPU, and with threads the worker's other
requests go on meanwhile. With sync workers a storm of 35 logins held all four workers until the hashes were done,
and every page waited behind them (docs/benchmarks.md "Capacity"). Sixteen threads leave room for a storm of
logins plus the pages of the users already in. Page work itself is CPU-bound Python, so more threads do not add
speed; they only keep waiting logins from blocking pages.
Override with GUNICORN_WORKER_CLASS (sync), GUNICORN_WORKERS and GUNICORN_THREADS. Each worker thread keeps its
own database connection (DATABASE_CONN_MAX_AGE): PostgreSQL's max_connections must cover workers × threads per web
machine plus the Celery workers (docker-compose.yml sets 150).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# gthread only: no keep-alive. A connection the server closed while the client reused it was reset (seen in the
# load run); behind the TLS proxy a new loopback connection per request costs nothing that matters.
keepalive = 0
