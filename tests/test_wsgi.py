"""The web worker's boot (backend/wsgi.py): views imported, templates compiled, the code fingerprint taken, and the
boot's objects frozen out of full GC passes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_booted_worker_keeps_its_boot_objects_out_of_full_collections():
    code = "import gc, sys; import backend.wsgi; print(gc.get_freeze_count(), 'villages.views.risks' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    frozen, views_loaded = out.stdout.split()
    assert views_loaded == "True", "the views are imported at boot"
    assert int(frozen) > 50_000, "the boot's objects were not frozen: every full collection walks them"


def test_a_booted_worker_has_its_templates_compiled_and_its_code_fingerprint_taken():
    code = (
        "import backend.wsgi; from tests.test_warmup import cached_loader; from villages.release import code_version;"
        " print(code_version.cache_info().currsize, 'villages/person_form.html' in cached_loader().get_template_cache)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    fingerprints, compiled = out.stdout.split()
    assert fingerprints == "1", "the code fingerprint is left to the first request"
    assert compiled == "True", "the templates are left to the first requests"
