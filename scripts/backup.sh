#!/usr/bin/env bash
# Back up PostgreSQL (pg_dump custom format) and the stored files (report PDFs, uploaded workbooks, risk
# attachments) under MEDIA_ROOT.
#
#   DATABASE_URL=postgres://user:pass@host:5432/db MEDIA_ROOT=/srv/media scripts/backup.sh [BACKUP_DIR]
#
# Writes BACKUP_DIR/<stamp>/{db.dump,media.tar.gz,SHA256SUMS}; a set is complete only once SHA256SUMS exists.
# With STORAGE_BACKEND=s3 the files live in the bucket, not under MEDIA_ROOT: the set holds the database and an
# empty media.tar.gz, and the bucket is backed up on its own (versioning + replication or a nightly mirror after
# this dump: docs/operations.md, "Worker layout and shared storage").
# Sets older than BACKUP_KEEP_DAYS (default 30) are removed afterwards. Exit status non-zero on any failure.
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}"
case "$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "backup.sh: DATABASE_URL is not PostgreSQL" >&2; exit 2;; esac
backup_dir="${1:-${BACKUP_DIR:-/var/backups/village-tracker}}"
media_root="${MEDIA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/media}"
keep_days="${BACKUP_KEEP_DAYS:-30}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$backup_dir/$stamp"
work="$backup_dir/.$stamp.partial"

mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

# The database first: report rows written after this point only add files, never lose one the dump names.
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file "$work/db.dump" "$DATABASE_URL"
if [ "${STORAGE_BACKEND:-filesystem}" = s3 ]; then
  echo "backup.sh: STORAGE_BACKEND=s3: stored files are in bucket ${AWS_STORAGE_BUCKET_NAME:-?}, not in this set" >&2
  tar -czf "$work/media.tar.gz" --files-from /dev/null
elif [ -d "$media_root" ]; then
  tar -C "$media_root" -czf "$work/media.tar.gz" .
else
  tar -czf "$work/media.tar.gz" --files-from /dev/null
fi
(cd "$work" && sha256sum db.dump media.tar.gz > SHA256SUMS)
mv "$work" "$target"
trap - EXIT

# Retention: whole sets only, and never the one just written.
find "$backup_dir" -mindepth 1 -maxdepth 1 -type d -name '20*' -mtime +"$keep_days" ! -path "$target" -exec rm -rf {} +
echo "$target"
