"""Login hashing (backend/passwords.py): Django's PBKDF2 unchanged, derived on low-priority threads."""

from __future__ import annotations

import os
import threading

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from backend import passwords
from backend import settings as production_settings


def test_production_hashes_with_the_low_priority_hasher_at_djangos_strength():
    assert production_settings.PASSWORD_HASHERS[0] == "backend.passwords.LowPriorityPBKDF2PasswordHasher"
    assert passwords.LowPriorityPBKDF2PasswordHasher.iterations == PBKDF2PasswordHasher.iterations >= 1_000_000


def test_the_encoding_is_djangos_so_stored_hashes_verify_either_way():
    ours, django = passwords.LowPriorityPBKDF2PasswordHasher(), PBKDF2PasswordHasher()
    encoded = ours.encode("选举前登录-2026", "fixedsalt123", iterations=1000)
    assert encoded == django.encode("选举前登录-2026", "fixedsalt123", iterations=1000)
    assert django.verify("选举前登录-2026", encoded) and ours.verify("选举前登录-2026", encoded)
    assert not ours.verify("wrong", encoded)


def test_derivation_runs_on_a_lowered_priority_thread_not_the_requests():
    def where() -> tuple[int, int]:
        return threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    thread_id, niceness = passwords._hashing_pool().submit(where).result()
    assert thread_id != threading.get_native_id()
    assert niceness == passwords.LOGIN_NICENESS
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < passwords.LOGIN_NICENESS
