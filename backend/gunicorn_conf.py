"""gunicorn settings of the web service (`gunicorn -c backend/gunicorn_conf.py backend.wsgi`).

Threaded workers: a request that waits (a login's password hash on its low-priority thread, backend/passwords.py;
the database) leaves the process free for the other requests, so a login storm does not hold every worker while
pages queue: enough threads that 35 logins at once leave some for pages. Two processes of 32 threads measured
best here (docs/benchmarks.md "Capacity");
override with GUNICORN_WORKERS / GUNICORN_THREADS. Each thread keeps its own database connection
(DATABASE_CONN_MAX_AGE): size PostgreSQL's max_connections for workers × threads per web machine.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# No keep-alive: a connection the server closes while the client reuses it was reset (seen in the load run);
# behind the TLS proxy a new loopback connection per request costs nothing that matters.
keepalive = 0
