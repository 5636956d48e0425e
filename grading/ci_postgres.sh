#!/usr/bin/env bash
# Install Debian's PostgreSQL, start it on loopback, and print a gradebook URL for tests.
#
# Used by .ci/run before `make test` (CI runs as root on a fresh Debian machine):
#   DLCOURSE_TEST_PG_URL=$(bash grading/ci_postgres.sh)
# The role may create databases; the PostgreSQL test makes a fresh one and drops it.
# Everything else goes to stderr. Safe to run again (installs and creates only once).
set -euo pipefail

ROLE=dlcourse
PASSWORD=dlcourse-ci
PORT=${DLCOURSE_PG_PORT:-5432}

log() { echo "ci_postgres: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    log "installing postgresql (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -qx "$VERSION main"; then
    log "creating cluster $VERSION/main"
    pg_createcluster "$VERSION" main --port "$PORT" >&2
fi
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $4}' | grep -qx online; then
    log "starting cluster $VERSION/main (listening on localhost)"
    pg_ctlcluster "$VERSION" main start >&2
fi
PORT=$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')

# password login over TCP on loopback (Debian's default pg_hba allows scram on 127.0.0.1)
runuser -u postgres -- psql -q -p "$PORT" -v ON_ERROR_STOP=1 >&2 <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
        CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
    END IF;
END
\$\$;
SQL

log "ready on 127.0.0.1:$PORT"
echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/postgres"
