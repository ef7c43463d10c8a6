import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from backend import warmup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
application = get_wsgi_application()
# Import every view module while the worker boots, not on its first request (about 0.5 s of CPU per worker, which
# a restart just before an election would otherwise add to the first users' pages).
get_resolver().url_patterns  # noqa: B018
# Compile every template and take the code fingerprint now too (backend/warmup.py): ~0.3 s of CPU per worker at
# boot, where each page's first request on each worker paid 30-60 ms for it.
warmup.boot()
# Everything imported so far lives as long as the worker: keep it out of the garbage collector's full passes. A full
# pass over the ~220,000 objects of a booted worker took 90 ms of CPU and held every thread of the worker (seen as
# bursts of slow pages under load, docs/benchmarks.md); over what requests leave behind it takes a few ms.
gc.freeze()
