#!/usr/bin/env bash
# One backup of 平时考核系统: the database as `pg_dump -Fc` and the uploads (MEDIA_ROOT,
# PRIVATE_FILES_ROOT) as tar archives, with their SHA-256 sums, in BACKUP_DIR/<UTC time>/.
# Run daily by deploy/systemd/appraisal-backup.timer; `make restore-drill` runs it too and
# restores what it wrote.
#
#   DATABASE_URL=postgres://... BACKUP_DIR=/var/backups/appraisal deploy/backup.sh
#
# A backup is written under <name>.partial and renamed when complete, so a half-written one
# is never mistaken for a good one. Backups older than BACKUP_KEEP_DAYS (default 14) are removed.
# Prints the directory it wrote.
#
# The upload folders default to the application's own defaults (appraisal_site/settings.py:
# var/media and var/private in the project), so a site that left them unset still has its uploads
# in the backup; a folder that does not exist yet (nothing uploaded) gives an empty archive, said on
# stderr. The backup is readable by its owner only, and the database password never reaches
# pg_dump's command line (where `ps` shows it): it goes in PGPASSWORD.
set -euo pipefail
umask 077

: "${DATABASE_URL:?DATABASE_URL must name the database to back up}"
BACKUP_DIR=${BACKUP_DIR:-/var/backups/appraisal}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
PG_DUMP=${PG_DUMP:-pg_dump}
root=$(cd "$(dirname "$0")/.." && pwd)
MEDIA_ROOT=${MEDIA_ROOT:-$root/var/media}
PRIVATE_FILES_ROOT=${PRIVATE_FILES_ROOT:-$root/var/private}

url=$DATABASE_URL
if [[ $url =~ ^(postgres(ql)?://[^:/@]*):([^@]*)@(.*)$ ]]; then
    password=${BASH_REMATCH[3]}
    # URL-decoded (%40 is @), as libpq would.
    PGPASSWORD=$(printf '%b' "${password//%/\\x}")
    export PGPASSWORD
    url="${BASH_REMATCH[1]}@${BASH_REMATCH[4]}"
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
dest="$BACKUP_DIR/$stamp"
mkdir -p "$dest.partial"
trap 'rm -rf "$dest.partial"' EXIT

# libpq reads postgres:// URLs itself; -Fc is compressed and restorable table by table.
"$PG_DUMP" --format=custom --file="$dest.partial/database.dump" --dbname="$url"
for name in MEDIA_ROOT PRIVATE_FILES_ROOT; do
    directory=${!name}
    if [ -d "$directory" ]; then
        tar --create --gzip --file="$dest.partial/${name,,}.tar.gz" --directory="$directory" .
    else
        echo "backup.sh: $name ($directory) does not exist: an empty archive (nothing uploaded yet?)" >&2
        tar --create --gzip --file="$dest.partial/${name,,}.tar.gz" --files-from=/dev/null
    fi
done
(cd "$dest.partial" && sha256sum -- * >SHA256SUMS)
mv "$dest.partial" "$dest"
trap - EXIT

find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '20*' -mtime "+$((BACKUP_KEEP_DAYS - 1))" -exec rm -rf {} +
echo "$dest"
