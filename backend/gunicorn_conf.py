"""gunicorn settings of the web service (`gunicorn -c backend/gunicorn_conf.py backend.wsgi`).

Four sync workers by default, the layout measured best of those tried on this 2-core machine with a login storm
in the load mix (docs/benchmarks.md "Capacity": sync 4 ≈ gthread 4 × 8 < gthread 2 × 32 < gthread 2 × 8 at p95).
Threads did not help: Django's request work is CPU-bound Python, and threads of one process queue for its GIL.
A login's password hash runs on a low-priority thread (backend/passwords.py) whatever the layout.
Override with GUNICORN_WORKER_CLASS (gthread), GUNICORN_WORKERS and GUNICORN_THREADS. Each worker thread keeps its
own database connection (DATABASE_CONN_MAX_AGE): size PostgreSQL's max_connections for workers × threads.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# gthread only: no keep-alive. A connection the server closed while the client reused it was reset (seen in the
# load run); behind the TLS proxy a new loopback connection per request costs nothing that matters.
keepalive = 0
