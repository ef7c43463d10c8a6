#!/usr/bin/env bash
# Restore a backup set written by scripts/backup.sh into an EMPTY PostgreSQL database and a MEDIA_ROOT.
#
#   createdb -h host -U user village_restored
#   DATABASE_URL=postgres://user:pass@host:5432/village_restored MEDIA_ROOT=/srv/media scripts/restore.sh BACKUP_SET_DIR
#
# Refuses a database that already has tables (restore into a fresh one, check it, then switch DATABASE_URL).
# Checks the SHA256SUMS first; restores in one transaction (all or nothing); then unpacks the files.
set -euo pipefail

set_dir="${1:?usage: restore.sh BACKUP_SET_DIR}"
: "${DATABASE_URL:?DATABASE_URL must name the (empty) PostgreSQL database to restore into}"
media_root="${MEDIA_ROOT:?MEDIA_ROOT must name where the stored files go}"

[ -f "$set_dir/SHA256SUMS" ] || { echo "restore.sh: $set_dir has no SHA256SUMS (incomplete backup set)" >&2; exit 2; }
(cd "$set_dir" && sha256sum --check --quiet SHA256SUMS)

tables="$(psql "$DATABASE_URL" -XAtc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [ "$tables" != "0" ]; then
  echo "restore.sh: the target database already has $tables tables; restore into a new, empty database" >&2
  exit 3
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname "$DATABASE_URL" "$set_dir/db.dump"
mkdir -p "$media_root"
tar -C "$media_root" -xzf "$set_dir/media.tar.gz"
echo "restored $set_dir"
