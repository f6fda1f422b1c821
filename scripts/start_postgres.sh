#!/usr/bin/env bash
# Start a local PostgreSQL server from Debian's packages for the test suite, and print the
# DATABASE_URL to use. Installs the server when it is missing (CI runs as root).
# The role may create databases: pytest-django creates and drops test_bunkyo itself.
set -euo pipefail
DB_USER=${PGTEST_USER:-bunkyo}
DB_PASSWORD=${PGTEST_PASSWORD:-bunkyo}
DB_NAME=${PGTEST_DB:-bunkyo}
PORT=${PGTEST_PORT:-5432}

as_postgres() { if [ "$(id -u)" = "0" ]; then su postgres -c "$*"; else sudo -n -u postgres sh -c "$*"; fi; }

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null)" ]; then
  echo "PostgreSQL をインストールします (apt-get install postgresql) ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main --port "$PORT" >&2
fi
if ! pg_lsclusters -h | grep "^$version main" | grep -q online; then
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p "$PORT" >&2

as_postgres "psql -q -p $PORT -v ON_ERROR_STOP=1 postgres" >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END
\$\$;
SQL
if ! as_postgres "psql -p $PORT -tAc \"SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'\" postgres" | grep -q 1; then
  as_postgres "createdb -p $PORT -O $DB_USER $DB_NAME" >&2
fi
echo "postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"
