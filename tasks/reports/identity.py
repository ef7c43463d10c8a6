"""What makes a printed report identifiable: its number, generation time, data date, rule basis and a short
verification code a reader can type into the product to check the copy against today's data.

- Report number: `V2026-000123` (V village report, T township edition, C county edition; the year it was
  generated; the job id). A copy handed out again because nothing changed keeps the number it was printed with.
- Verification code: the sha256 of the report's content record (tasks/reports/facts.py: every name, figure,
  flag, reason and rule value the PDF prints, but not the number, times or data date), in Crockford base32: 11
  characters of the digest and one check character, printed as `7QK2-M9XA-4PDF`. A PDF cannot carry the hash of
  its own bytes, so the code hashes what it says; the job keeps the file's sha256 beside it. Equal content gives
  an equal code, so the verification page can tell whether today's data would print the same report.
- The check character catches a mistyped or altered code before any lookup (`parse_code`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

from django.utils import timezone

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_LENGTH = 12
NUMBER_PREFIX = {"village": "V", "township": "T", "county": "C"}
KIND_TITLES = {"village": "换届前村情报告", "township": "换届前村情报告汇编", "county": "村级风险清单"}
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


class InvalidCode(ValueError):
    """The typed code cannot be a report's: wrong length, foreign characters, or a failing check character."""


def canonical(facts: object) -> bytes:
    """The content record as canonical JSON (sorted keys, no spaces): what the verification code hashes."""
    return json.dumps(facts, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def _check_character(body: str) -> str:
    return ALPHABET[sum((i + 1) * ALPHABET.index(c) for i, c in enumerate(body)) % 32]


def verification_code(facts: object) -> str:
    """`XXXX-XXXX-XXXX`: 11 base32 characters of sha256(canonical facts) and a check character."""
    digest = int.from_bytes(hashlib.sha256(canonical(facts)).digest(), "big")
    body = ""
    for _ in range(CODE_LENGTH - 1):
        digest, index = divmod(digest, 32)
        body += ALPHABET[index]
    raw = body + _check_character(body)
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def parse_code(typed: str) -> str:
    """A typed code in its printed form; InvalidCode (with the reason, in Chinese) when it cannot be one."""
    raw = re.sub(r"[\s\-—–_]", "", typed or "").upper().translate(_CONFUSABLE)
    if len(raw) != CODE_LENGTH:
        raise InvalidCode(f"验证码应为 {CODE_LENGTH} 位（如 7QK2-M9XA-4PDF），输入了 {len(raw)} 位")
    foreign = sorted({c for c in raw if c not in ALPHABET})
    if foreign:
        raise InvalidCode(f"验证码含有无效字符：{'、'.join(foreign)}")
    if _check_character(raw[:-1]) != raw[-1]:
        raise InvalidCode("验证码校验位不符：可能抄录有误，或打印件上的验证码被改动")
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def report_number(*, kind: str, job_id: int | None, at: dt.datetime) -> str:
    """`V2026-000123`; a render outside a job (the `render_report` command) gets `L` and its time instead."""
    if job_id is None:
        return f"L{timezone.localtime(at):%Y%m%d-%H%M%S}"
    return f"{NUMBER_PREFIX[kind]}{timezone.localtime(at):%Y}-{job_id:06d}"


@dataclass(frozen=True)
class Identity:
    """What a report prints about itself (templates/reports/_identity.html) and puts in the PDF metadata."""

    kind: str
    number: str
    code: str
    generated_at: dt.datetime
    data_as_of: dt.date
    reference: str  # the age reference date with its source
    rule_basis: str
    author: str  # the office the report speaks for
    scope_name: str

    @property
    def title(self) -> str:
        return f"{self.scope_name}{KIND_TITLES[self.kind]}"

    @property
    def subject(self) -> str:
        return (
            f"{self.title}；数据截至 {self.data_as_of:%Y-%m-%d}；报告编号 {self.number}；验证码 {self.code}；"
            f"生成于 {timezone.localtime(self.generated_at):%Y-%m-%d %H:%M}"
        )
