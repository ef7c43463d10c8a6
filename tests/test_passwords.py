"""Login hashing (backend/passwords.py): Django's PBKDF2 unchanged, derived in a low-priority child process."""

from __future__ import annotations

import os
import signal

from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, identify_hasher

from backend import passwords
from backend import settings as production_settings


def test_production_hashes_with_the_low_priority_hasher_at_djangos_strength():
    assert production_settings.PASSWORD_HASHERS[0] == "backend.passwords.LowPriorityPBKDF2PasswordHasher"
    assert passwords.LowPriorityPBKDF2PasswordHasher.iterations == PBKDF2PasswordHasher.iterations >= 1_000_000


def test_logins_are_verified_by_the_low_priority_hasher(settings):
    """Django picks the hasher of a stored hash by its algorithm name, the last listed of that name."""
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
    stored = PBKDF2PasswordHasher().encode("选举前登录", "fixedsalt123", iterations=1000)
    assert isinstance(identify_hasher(stored), passwords.LowPriorityPBKDF2PasswordHasher)
    assert check_password("选举前登录", stored) and not check_password("错误", stored)


def test_the_encoding_is_djangos_so_stored_hashes_verify_either_way():
    ours, django = passwords.LowPriorityPBKDF2PasswordHasher(), PBKDF2PasswordHasher()
    encoded = ours.encode("选举前登录-2026", "fixedsalt123", iterations=1000)
    assert encoded == django.encode("选举前登录-2026", "fixedsalt123", iterations=1000)
    assert django.verify("选举前登录-2026", encoded) and ours.verify("选举前登录-2026", encoded)
    assert not ours.verify("wrong", encoded)


def test_derivation_runs_in_a_lowered_priority_child_not_the_request():
    hasher = passwords.LowPriorityPBKDF2PasswordHasher()
    assert hasher.verify("选举前登录", hasher.encode("选举前登录", "fixedsalt123", iterations=1000))
    pid = passwords.child.pid
    assert pid is not None and pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, pid) == passwords.LOGIN_NICENESS
    assert os.getpriority(os.PRIO_PROCESS, 0) < passwords.LOGIN_NICENESS


def test_a_dead_child_is_replaced_and_no_login_fails_meanwhile():
    hasher, django = passwords.LowPriorityPBKDF2PasswordHasher(), PBKDF2PasswordHasher()
    expected = django.encode("换届-登录", "fixedsalt123", iterations=1000)
    assert hasher.encode("换届-登录", "fixedsalt123", iterations=1000) == expected
    first = passwords.child.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    assert hasher.encode("换届-登录", "fixedsalt123", iterations=1000) == expected  # in the caller, or a new child
    assert hasher.encode("换届-登录", "fixedsalt123", iterations=1000) == expected
    assert passwords.child.pid not in {None, first}
