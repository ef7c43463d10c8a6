"""Password hashing that does not starve pages during a login storm (issue 19).

Django's PBKDF2 (SHA-256, Django's iteration count: the strength is unchanged) costs a few hundred milliseconds
of CPU per login. When every township logs in at once before an election, those logins took most of the CPU and
page requests queued behind them.

Here the key derivation runs in a child process of the web worker, niced to 19: when the CPU is short the kernel
serves page requests first, and a login takes longer instead. It is a process, not a thread of the worker: a
low-priority thread of the same process must take the worker's GIL back after each hash, and CPython makes the
thread that hands the GIL over wait until the low-priority thread has run, so every request of that process
stalled behind the starved thread (seen in the load run: API reads of 9 s while 35 logins hashed). The login's
own request thread only waits on a pipe; with threaded gunicorn workers (backend/gunicorn_conf.py) the other
requests of the process keep running. One child per worker process, one hash at a time: the logins of a storm
finish one after another instead of all together at the end.

The child is a bare interpreter (`python -I -S`, no project code) started on the first login of a worker process
and again if it dies; if it cannot run, the derivation runs in the caller. Same algorithm name and encoding as
Django's hasher, so stored hashes verify either way.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import subprocess
import sys
import threading

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils.encoding import force_bytes

LOGIN_NICENESS = 19
logger = logging.getLogger(__name__)

# The child: one request per line (digest, password and salt in base64, iterations), one key per line back.
_CHILD_CODE = """
import base64, hashlib, os, sys
os.nice(int(sys.argv[1]))
for line in sys.stdin:
    digest, password, salt, iterations = line.split()
    key = hashlib.pbkdf2_hmac(digest, base64.b64decode(password), base64.b64decode(salt), int(iterations))
    sys.stdout.write(base64.b64encode(key).decode() + "\\n")
    sys.stdout.flush()
"""


class HashingChild:
    """The low-priority child of one process; callers take turns (a lock) on its pipe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._owner = 0

    def _running(self) -> subprocess.Popen[str]:
        process = self._process
        if process is None or process.poll() is not None or self._owner != os.getpid():
            process = subprocess.Popen(  # our own interpreter and code, no shell
                [sys.executable, "-I", "-S", "-c", _CHILD_CODE, str(LOGIN_NICENESS)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                close_fds=True,
            )
            self._process, self._owner = process, os.getpid()
        return process

    def derive(self, digest: str, password: bytes, salt: bytes, iterations: int) -> bytes:
        request = f"{digest} {base64.b64encode(password).decode()} {base64.b64encode(salt).decode()} {iterations}\n"
        with self._lock:
            try:
                process = self._running()
                assert process.stdin is not None and process.stdout is not None
                process.stdin.write(request)
                process.stdin.flush()
                answer = process.stdout.readline()
                if answer:
                    return base64.b64decode(answer)
                self._stop()
            except OSError:
                logger.warning("password hashing child failed; hashing in the request's process", exc_info=True)
                self._stop()
        return hashlib.pbkdf2_hmac(digest, password, salt, iterations)

    def _stop(self) -> None:
        if self._process is not None and self._owner == os.getpid():
            self._process.kill()
            self._process.wait()
        self._process = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None


child = HashingChild()


class LowPriorityPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2-SHA256, derived in a low-priority child process."""

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        self._check_encode_args(password, salt)  # type: ignore[attr-defined]  # Django's own check, not in the stubs
        iterations = iterations or self.iterations
        key = child.derive(self.digest().name, force_bytes(password), force_bytes(salt), iterations)
        encoded = base64.b64encode(key).decode("ascii").strip()
        return f"{self.algorithm}${iterations}${salt}${encoded}"
