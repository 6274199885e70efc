#!/bin/sh
# Start Odoo with the seller hub: on the first start, create the database
# with every addon of the suite and its demo data (accounts pointing at the
# sandbox service), then serve with queue_job's runner.
set -eu

DB="${ODOO_DB:-sellerhub}"
ADDONS="$(ls /opt/seller-hub/addons | while read -r name; do
    [ -f "/opt/seller-hub/addons/$name/__manifest__.py" ] && printf '%s,' "$name"
done)"
ADDONS="${ADDONS%,}"

export PGPASSWORD="${PASSWORD:-odoo}"
until pg_isready -h "${HOST:-db}" -U "${USER:-odoo}" -q; do
    echo "waiting for PostgreSQL..."
    sleep 1
done

if ! psql -h "${HOST:-db}" -U "${USER:-odoo}" -d postgres -Atc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    echo "creating database $DB with $ADDONS"
    odoo -c /etc/odoo/odoo.conf -d "$DB" -i "$ADDONS" --stop-after-init --workers=0
fi
exec odoo -c /etc/odoo/odoo.conf -d "$DB" --db-filter="^$DB\$"
