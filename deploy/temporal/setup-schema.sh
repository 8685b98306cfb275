#!/bin/sh
# One-shot, before the Temporal server starts: its two databases and their schemas, with
# admin-tools' temporal-sql-tool, as Temporal documents for production (not auto-setup).
# Run on every `docker compose up`: a database already set up is only brought to the
# schema this server version needs; the first run creates it.
set -eu
sql() {
    temporal-sql-tool --plugin postgres12 --ep temporal-db -p 5432 -u temporal --db "$@"
}
for db in temporal temporal_visibility; do
    case $db in
        temporal) schema=/etc/temporal/schema/postgresql/v12/temporal/versioned ;;
        *) schema=/etc/temporal/schema/postgresql/v12/visibility/versioned ;;
    esac
    if ! sql "$db" update-schema -d "$schema"; then
        echo "setting up $db"
        sql "$db" create
        sql "$db" setup-schema -v 0.0
        sql "$db" update-schema -d "$schema"
    fi
done
echo "Temporal's schemas are up to date"
