"""Password hashing that does not starve pages during a login storm (issue 19).

Django's PBKDF2 (SHA-256, Django's iteration count: the strength is unchanged) costs a few hundred milliseconds
of CPU per login. When every township logs in at once before an election, those logins took most of the CPU and
page requests queued behind them. Here the key derivation runs on a small pool of threads whose scheduling
priority is lowered (Linux nice 19 for those threads only): `hashlib.pbkdf2_hmac` releases the GIL, so with
threaded gunicorn workers (backend/gunicorn_conf.py) the other requests of the process keep running, and when
the CPU is short the kernel serves page threads first. A login then takes longer under load; pages do not.

Same algorithm name and encoding as Django's hasher, so stored hashes verify either way.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils.crypto import pbkdf2

LOGIN_NICENESS = 19
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0
_lock = threading.Lock()


def _lower_priority() -> None:
    """Runs in each pool thread: on Linux a thread has its own nice value (setpriority on its thread id)."""
    with contextlib.suppress(AttributeError, OSError):  # elsewhere: hashing keeps the caller's priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOGIN_NICENESS)


def _hashing_pool() -> ThreadPoolExecutor:
    """One pool per process (made again after a fork: gunicorn and Celery fork their workers)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pbkdf2", initializer=_lower_priority)
            _pool_pid = os.getpid()
        return _pool


class LowPriorityPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2-SHA256, derived on a low-priority thread."""

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        self._check_encode_args(password, salt)  # type: ignore[attr-defined]  # Django's own check, not in the stubs
        iterations = iterations or self.iterations
        derive = _hashing_pool().submit(pbkdf2, password, salt, iterations, digest=self.digest)
        encoded = base64.b64encode(derive.result()).decode("ascii").strip()
        return f"{self.algorithm}${iterations}${salt}${encoded}"
