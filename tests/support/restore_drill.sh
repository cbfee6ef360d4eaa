#!/usr/bin/env bash
# `make restore-drill`: prove a backup restores. Run inside tests/support/with_postgres.sh, which
# provides a throwaway cluster and DATABASE_URL (a new, empty database):
#
# 1. bring the database to the current schema (tests/support/migrate_cached.sh) and write some
#    data: an organisation, people, a graded quarter (audit entries come with them) and files in
#    the two upload directories;
# 2. back it up with deploy/backup.sh, exactly as the daily timer does (pg_dump -Fc + tar);
# 3. check the backup's SHA-256 sums, restore the dump into a new database and the archives into
#    new directories, as README says: the database created for the migration role and the dump
#    restored as that role (--role), so that its tables belong to it and the next `migrate` can
#    alter them (restored as the administrator, every table was the administrator's: an operator's
#    upgrade after a restore failed with "permission denied for table django_migrations");
# 4. compare the row count of every table, a checksum of the whole audit log (every column of
#    every entry, in id order) and the restored files with the originals.
# Any difference fails. Temporary files are removed whatever happens.
set -euo pipefail

: "${DATABASE_URL:?run inside tests/support/with_postgres.sh}"
BIN=${BIN:-.venv/bin}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SECONDS=0

work=$(mktemp -d "${TMPDIR:-/tmp}/appraisal-drill.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MEDIA_ROOT="$work/media" PRIVATE_FILES_ROOT="$work/private"

say() { echo "restore-drill: $* (${SECONDS} s)" >&2; }
fail() { echo "restore-drill: FAILED: $*" >&2; exit 1; }
sql() { "$PGBIN/psql" --no-psqlrc --quiet --tuples-only --no-align --set ON_ERROR_STOP=1 --dbname="$1" -c "$2"; }

# Every table's exact row count, one "table count" line each, in name order.
ROW_COUNTS="
SELECT string_agg(format('%s %s', table_name,
         (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', table_name), false, true, '')))[1]::text),
       E'\n' ORDER BY table_name)
FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
AUDIT_CHECKSUM="SELECT count(*) || ' entries, md5 ' || md5(coalesce(string_agg(e::text, E'\n' ORDER BY e.id), ''))
FROM accounts_auditentry e"

# 1. Schema and data.
BIN=$BIN PGBIN=$PGBIN "$here/migrate_cached.sh"
"$BIN/python" "$here/stack_check.py" seed >/dev/null
mkdir -p "$MEDIA_ROOT/avatars" "$PRIVATE_FILES_ROOT/attachments/2026"
printf '月小结附件：第三季度工作总结\n' >"$PRIVATE_FILES_ROOT/attachments/2026/总结.txt"
head -c 65536 /dev/urandom >"$PRIVATE_FILES_ROOT/attachments/2026/scan.pdf"
printf 'media\n' >"$MEDIA_ROOT/avatars/a.txt"
audit_before=$(sql "$DATABASE_URL" "$AUDIT_CHECKSUM")
case "$audit_before" in 0\ entries*) fail "the seeded database has no audit entries to compare" ;; esac
say "database seeded, audit log: $audit_before"

# 2. The backup, as the daily job makes it.
backup=$(DATABASE_URL=$DATABASE_URL BACKUP_DIR="$work/backups" PG_DUMP="$PGBIN/pg_dump" "$root/deploy/backup.sh")
say "backed up: $(cd "$backup" && du -sh -- * | tr '\t\n' ': ' )"

# 3. Restore into a new database and new directories.
(cd "$backup" && sha256sum --quiet --check SHA256SUMS) || fail "the backup's SHA-256 sums do not match"
restored_url="${DATABASE_URL%/*}/appraisal_restored"
sql "$DATABASE_URL" "CREATE ROLE appraisal_owner LOGIN" >/dev/null
sql "$DATABASE_URL" "CREATE DATABASE appraisal_restored OWNER appraisal_owner" >/dev/null
"$PGBIN/pg_restore" --no-owner --role=appraisal_owner --exit-on-error --dbname="$restored_url" "$backup/database.dump"
mkdir -p "$work/restored/media" "$work/restored/private"
tar --extract --gzip --file="$backup/media_root.tar.gz" --directory="$work/restored/media"
tar --extract --gzip --file="$backup/private_files_root.tar.gz" --directory="$work/restored/private"
say "restored into appraisal_restored"

# 4. Compare.
counts_before=$(sql "$DATABASE_URL" "$ROW_COUNTS")
counts_after=$(sql "$restored_url" "$ROW_COUNTS")
if [ "$counts_before" != "$counts_after" ]; then
    diff <(echo "$counts_before") <(echo "$counts_after") >&2 || true
    fail "row counts differ after the restore"
fi
audit_after=$(sql "$restored_url" "$AUDIT_CHECKSUM")
[ "$audit_before" = "$audit_after" ] || fail "audit log differs: $audit_before before, $audit_after after"
diff -r "$MEDIA_ROOT" "$work/restored/media" >&2 || fail "restored media files differ"
diff -r "$PRIVATE_FILES_ROOT" "$work/restored/private" >&2 || fail "restored private files differ"
not_owned=$(sql "$restored_url" "SELECT string_agg(tablename, ' ') FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'appraisal_owner'")
[ -z "$not_owned" ] || fail "restored tables not owned by the migration role: $not_owned"
owner_url=$(echo "$restored_url" | sed 's#://[^@]*@#://appraisal_owner@#')
DATABASE_URL=$owner_url "$BIN/python" "$root/manage.py" migrate --noinput -v0 || fail "migrate as the owner fails after the restore"
tables=$(echo "$counts_after" | wc -l)
rows=$(echo "$counts_after" | awk '{ n += $2 } END { print n }')
say "passed: $tables tables and $rows rows equal, audit log equal ($audit_after), uploads equal"
