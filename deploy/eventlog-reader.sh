#!/bin/sh
# Run once by the event-log database's first start (/docker-entrypoint-initdb.d), and by
# the tests on a database of their own: the role the `ccm` commands read the log with.
# The worker (the log's owner, $POSTGRES_USER) writes; commands hand their writes to it,
# so the reader may only SELECT, now and on every table the owner creates later.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v reader="${CCM_READER_USER:-ccm_reader}" -v password="${CCM_READER_PASSWORD:-}" \
     -v database="$POSTGRES_DB" -v owner="$POSTGRES_USER" <<'EOSQL'
SELECT format('CREATE ROLE %I LOGIN', :'reader') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'reader', :'password') WHERE :'password' <> '' \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'database', :'reader') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'reader') \gexec
SELECT format('GRANT SELECT ON ALL TABLES IN SCHEMA public TO %I', :'reader') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT ON TABLES TO %I',
              :'owner', :'reader') \gexec
EOSQL
