"""Backup and restore drill: scripts/backup.sh dumps the database and stored files, scripts/restore.sh brings them
back into a fresh database that holds the same data (docs/operations.md "Backup and restore")."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.db import connection

from tests import factories as f
from villages.models import IdNumberView, Person

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="backups are for the production database, PostgreSQL (CI sets DATABASE_URL); SQLite is a file copy",
    ),
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(__file__).resolve().parents[1]


def url_of(settings_dict: dict, name: str) -> str:
    user = quote(settings_dict["USER"] or "postgres")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{settings_dict['PORT'] or 5432}/{name}"


@pytest.fixture
def fresh_database():
    """An empty database next to the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    admin_url = url_of(connection.settings_dict, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield url_of(connection.settings_dict, name)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def row_counts(url: str) -> dict[str, int]:
    tables = [model._meta.db_table for model in apps.get_models()]
    with psycopg.connect(url) as conn:
        return {t: _count(conn, t) for t in tables}


def _count(conn: psycopg.Connection, table: str) -> int:
    row = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    assert row is not None  # count(*) always answers one row
    return row[0]


@pytest.fixture
def data(world, secretary_a):
    people = [f.PersonFactory(home_village=world.village_a, name=f"备份{n}") for n in range(5)]
    f.PostAssignmentFactory(person=people[0], village=world.village_a, post="party_secretary")
    f.AssessmentFactory(person=people[1])
    f.ReserveFactory(person=people[2])
    people[3]._history_user = secretary_a
    people[3].phone = "13812345678"
    people[3].save()
    people[4].soft_delete(by=secretary_a)
    IdNumberView.objects.create(person=people[0], viewed_by=secretary_a, context="backup-test")
    return people


def test_restore_into_a_fresh_database_finds_the_same_data(data, fresh_database, tmp_path):
    source_url = url_of(connection.settings_dict, connection.settings_dict["NAME"])
    media = tmp_path / "media"
    (media / "reports" / "2026" / "11").mkdir(parents=True)
    report = media / "reports" / "2026" / "11" / "village-511902100201.pdf"
    report.write_bytes(b"%PDF-1.7 test report \xe6\x9d\x91")

    backup = run("backup.sh", str(tmp_path / "backups"), DATABASE_URL=source_url, MEDIA_ROOT=str(media))
    assert backup.returncode == 0, backup.stderr
    backup_set = Path(backup.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in backup_set.iterdir()) == ["SHA256SUMS", "db.dump", "media.tar.gz"]

    restored_media = tmp_path / "restored-media"
    restore = run("restore.sh", str(backup_set), DATABASE_URL=fresh_database, MEDIA_ROOT=str(restored_media))
    assert restore.returncode == 0, restore.stderr

    before, after = row_counts(source_url), row_counts(fresh_database)
    assert after == before
    assert before["villages_person"] == 5 and before["villages_historicalperson"] >= 6
    with psycopg.connect(fresh_database) as conn:
        rows = conn.execute(
            "SELECT id, name, id_number, birth_date, phone, deleted_at IS NOT NULL FROM villages_person ORDER BY id"
        ).fetchall()
        # The sequences come back too: the next person gets a new id, not a clash.
        next_id = conn.execute("SELECT nextval(pg_get_serial_sequence('villages_person', 'id'))").fetchone()[0]
    expected = [
        (p.pk, p.name, p.id_number, p.birth_date, p.phone, p.deleted_at is not None)
        for p in Person.objects.order_by("pk")
    ]
    assert rows == expected
    assert next_id > max(p.pk for p in data)
    assert (restored_media / "reports" / "2026" / "11" / report.name).read_bytes() == report.read_bytes()


def test_with_s3_storage_the_set_holds_the_database_and_says_where_the_files_are(data, tmp_path):
    """STORAGE_BACKEND=s3: MEDIA_ROOT is not where files live (a stale local directory is not packed)."""
    source_url = url_of(connection.settings_dict, connection.settings_dict["NAME"])
    stale = tmp_path / "media"
    stale.mkdir()
    (stale / "old.pdf").write_bytes(b"%PDF-")
    backup = run(
        "backup.sh", str(tmp_path / "backups"), DATABASE_URL=source_url, MEDIA_ROOT=str(stale),
        STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="village-files",
    )  # fmt: skip
    assert backup.returncode == 0, backup.stderr
    assert "bucket village-files" in backup.stderr
    backup_set = Path(backup.stdout.strip().splitlines()[-1])
    listing = subprocess.run(["tar", "-tzf", str(backup_set / "media.tar.gz")], capture_output=True, text=True)
    assert listing.stdout == "" and (backup_set / "db.dump").stat().st_size > 0


def test_restore_refuses_a_database_that_is_not_empty(data, tmp_path):
    source_url = url_of(connection.settings_dict, connection.settings_dict["NAME"])
    backup = run("backup.sh", str(tmp_path / "backups"), DATABASE_URL=source_url, MEDIA_ROOT=str(tmp_path / "none"))
    assert backup.returncode == 0, backup.stderr
    backup_set = backup.stdout.strip().splitlines()[-1]

    restore = run("restore.sh", backup_set, DATABASE_URL=source_url, MEDIA_ROOT=str(tmp_path / "m"))

    assert restore.returncode == 3
    assert "new, empty database" in restore.stderr


def test_restore_refuses_a_damaged_backup(data, fresh_database, tmp_path):
    source_url = url_of(connection.settings_dict, connection.settings_dict["NAME"])
    backup = run("backup.sh", str(tmp_path / "backups"), DATABASE_URL=source_url, MEDIA_ROOT=str(tmp_path / "none"))
    backup_set = Path(backup.stdout.strip().splitlines()[-1])
    with open(backup_set / "db.dump", "r+b") as dump:
        dump.seek(100)
        dump.write(b"\x00\x00\x00\x00")

    restore = run("restore.sh", str(backup_set), DATABASE_URL=fresh_database, MEDIA_ROOT=str(tmp_path / "m"))

    assert restore.returncode != 0
    assert "FAILED" in restore.stdout + restore.stderr
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


def test_old_backup_sets_are_removed_after_the_retention_period(data, tmp_path):
    source_url = url_of(connection.settings_dict, connection.settings_dict["NAME"])
    backups = tmp_path / "backups"
    old = backups / "20250101T000000Z"
    old.mkdir(parents=True)
    (old / "SHA256SUMS").write_text("")
    os.utime(old, (0, 0))

    media = tmp_path / "media"
    media.mkdir()
    backup = run("backup.sh", str(backups), DATABASE_URL=source_url, MEDIA_ROOT=str(media), BACKUP_KEEP_DAYS="30")

    assert backup.returncode == 0, backup.stderr
    assert not old.exists()
    assert len(list(backups.iterdir())) == 1
