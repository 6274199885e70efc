#!/bin/bash
# Start Odoo with the seller hub: the command of the Docker image
# (setup/docker/Dockerfile), which also runs by hand against a local Odoo 18.
#
# First start: create the database ODOO_DB with every addon of the suite and
# its demo data (marketplace accounts pointing at the sandbox, see
# MPHUB_SANDBOX_MIRAKL_URL / MPHUB_SANDBOX_AMAZON_URL), check that every addon
# is installed with its demo data, mark the database as ready, then serve it
# (and only it) with queue_job's runner. Later starts find the mark and serve
# at once.
#
# A set-up that stops half-way (failed, killed, container stopped) is never
# served: a file <data_dir>/seller-hub/<db>.setup-started exists from the
# start of the set-up until the mark is written, and a start that finds the
# database without the mark but with that file drops the database and sets it
# up again. A database this script did not create (no file, no mark) is
# served as it is, never dropped. The mark is the system parameter
# seller_hub.setup_done in the database (Settings > Technical > System
# Parameters).
#
# Environment, [default]:
#   HOST, PORT, USER, PASSWORD  PostgreSQL server, read as the official odoo
#                     image's entrypoint reads them [db, 5432, odoo, odoo]
#                     (PASSWORD_FILE too; db_host, db_port, db_user,
#                     db_password set in the configuration file win). By
#                     hand, set USER: the shell sets it to your login.
#   ODOO_DB           database [sellerhub]
#   ODOO_CONF         configuration file [$ODOO_RC, else /etc/odoo/odoo.conf]
#   ODOO_BIN          command running Odoo [odoo], e.g.
#                     "python3 /opt/odoo18/odoo-bin"
#   ODOO_ADDONS_PATH  addons paths replacing the configuration's addons_path,
#                     the suite's addons are appended (by hand: Odoo's
#                     addons and queue_job's directory)
#   ODOO_DATA_DIR     Odoo's data directory [the configuration's data_dir]
#   SELLER_HUB_ADDONS the suite's addons [the addons/ directory of the
#                     repository holding this script, else
#                     /opt/seller-hub/addons]
# Arguments are passed on to Odoo, e.g. --http-port=8269 --gevent-port=8272.
set -euo pipefail

log() {
    printf '%s start-odoo: %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S')" "$*"
}

fail() {
    log "$*"
    exit 1
}

CONF="${ODOO_CONF:-${ODOO_RC:-/etc/odoo/odoo.conf}}"
[ -r "$CONF" ] || fail "configuration file $CONF not found (set ODOO_CONF)"
DB="${ODOO_DB:-sellerhub}"
read -r -a ODOO <<<"${ODOO_BIN:-odoo}"

# value of an [options] key in the configuration file, empty when unset
conf_value() {
    local value
    value="$(sed -n -E "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$CONF" \
        | head -n 1 | sed -E 's/[[:space:]]+$//')"
    [ "$value" = "False" ] && value=""
    printf '%s' "$value"
}

# --- the database server, as the official image's entrypoint reads it ------
if [ -n "${PASSWORD_FILE:-}" ]; then
    PASSWORD="$(<"$PASSWORD_FILE")"
fi
DB_HOST="$(conf_value db_host)"
DB_HOST="${DB_HOST:-${HOST:-db}}"
DB_PORT="$(conf_value db_port)"
DB_PORT="${DB_PORT:-${PORT:-5432}}"
DB_USER="$(conf_value db_user)"
DB_USER="${DB_USER:-${USER:-odoo}}"
DB_PASSWORD="$(conf_value db_password)"
DB_PASSWORD="${DB_PASSWORD:-${PASSWORD-odoo}}"
ODOO_ARGS=(-c "$CONF" --db_host "$DB_HOST" --db_port "$DB_PORT" --db_user "$DB_USER")
if [ -n "$DB_PASSWORD" ]; then
    ODOO_ARGS+=(--db_password "$DB_PASSWORD")
fi

# --- the suite's addons -------------------------------------------------------
HERE="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
if [ -z "${SELLER_HUB_ADDONS:-}" ]; then
    if [ -d "$HERE/../../addons/mp_connector_base" ]; then
        SELLER_HUB_ADDONS="$(cd "$HERE/../../addons" && pwd)"
    else
        SELLER_HUB_ADDONS=/opt/seller-hub/addons
    fi
fi
MODULES=()
for manifest in "$SELLER_HUB_ADDONS"/*/__manifest__.py; do
    [ -f "$manifest" ] && MODULES+=("$(basename "$(dirname "$manifest")")")
done
[ "${#MODULES[@]}" -gt 0 ] || fail "no addon found in $SELLER_HUB_ADDONS (set SELLER_HUB_ADDONS)"
MODULE_LIST="$(
    IFS=,
    printf '%s' "${MODULES[*]}"
)"
if [ -n "${ODOO_ADDONS_PATH:-}" ]; then
    ODOO_ARGS+=(--addons-path "$ODOO_ADDONS_PATH,$SELLER_HUB_ADDONS")
fi

DATA_DIR="${ODOO_DATA_DIR:-$(conf_value data_dir)}"
DATA_DIR="${DATA_DIR:-${HOME:-/var/lib/odoo}/.local/share/Odoo}"
if [ -n "${ODOO_DATA_DIR:-}" ]; then
    ODOO_ARGS+=(--data-dir "$DATA_DIR")
fi
STARTED_FILE="$DATA_DIR/seller-hub/$DB.setup-started"

# --- PostgreSQL ---------------------------------------------------------------
# psql and pg_isready with the server above; the SQL comes on stdin so that
# the database name is passed as a psql variable (:'db', :"db"), never pasted
pg() {
    if [ -n "$DB_PASSWORD" ]; then
        PGPASSWORD="$DB_PASSWORD" "$@"
    else
        "$@"
    fi
}
sql() {
    local dbname="$1"
    shift
    pg psql -X -q -At -v ON_ERROR_STOP=1 -v db="$DB" \
        -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$dbname" "$@"
}

log "configuration $CONF, database $DB on $DB_USER@$DB_HOST:$DB_PORT, data in $DATA_DIR"
tries=0
until pg pg_isready -q -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres; do
    tries=$((tries + 1))
    [ "$tries" -lt 60 ] || fail "PostgreSQL at $DB_HOST:$DB_PORT does not answer: giving up"
    log "waiting for PostgreSQL at $DB_HOST:$DB_PORT..."
    sleep 2
done

db_exists() {
    [ "$(sql postgres <<<"SELECT 1 FROM pg_database WHERE datname = :'db'")" = 1 ]
}

# the date the set-up finished, empty when the database has no mark
setup_done() {
    sql "$DB" 2>/dev/null <<<"SELECT value FROM ir_config_parameter WHERE key = 'seller_hub.setup_done'" || true
}

drop_database() {
    sql postgres <<<'DROP DATABASE IF EXISTS :"db" WITH (FORCE)'
    rm -rf "${DATA_DIR:?}/filestore/$DB"
}

# run Odoo in the background so that a stop (SIGTERM, SIGINT) reaches it
run_odoo() {
    local child rc=0
    "${ODOO[@]}" "$@" &
    child=$!
    trap 'log "stopping the set-up"; kill -TERM "$child" 2>/dev/null || true' TERM INT
    wait "$child" || rc=$?
    if kill -0 "$child" 2>/dev/null; then
        wait "$child" || true
        rc=143
    fi
    trap - TERM INT
    return "$rc"
}

set_up() {
    local started missing failures rc=0
    log "setting up database $DB: installing $MODULE_LIST with demo data (takes a few minutes)"
    mkdir -p "$(dirname "$STARTED_FILE")"
    date -u '+%Y-%m-%d %H:%M:%S' >"$STARTED_FILE"
    started=$SECONDS
    # "$@" before the set-up's own options, which must win
    run_odoo "${ODOO_ARGS[@]}" "$@" -d "$DB" -i "$MODULE_LIST" \
        --stop-after-init --no-http --workers=0 --max-cron-threads=0 || rc=$?
    if [ "$rc" -ge 128 ]; then
        fail "set-up of $DB stopped before its end: the next start drops it and starts over"
    elif [ "$rc" -ne 0 ]; then
        fail "set-up of $DB FAILED (exit code $rc, see above): the next start drops it and starts over"
    fi
    missing="$(sql "$DB" -v modules="$MODULE_LIST" <<'SQL'
SELECT string_agg(name, ', ') FROM unnest(string_to_array(:'modules', ',')) AS name
WHERE name NOT IN (SELECT name FROM ir_module_module WHERE state = 'installed')
SQL
    )"
    [ -z "$missing" ] || fail "set-up of $DB FAILED: $missing not installed; the next start starts over"
    failures="$(sql "$DB" <<<"SELECT string_agg(m.name, ', ') FROM ir_demo_failure f JOIN ir_module_module m ON m.id = f.module_id")"
    [ -z "$failures" ] || fail "set-up of $DB FAILED: demo data of $failures failed to load (see the warnings above); the next start starts over"
    sql "$DB" <<'SQL'
INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
VALUES ('seller_hub.setup_done', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), 1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, write_date = EXCLUDED.write_date
SQL
    rm -f "$STARTED_FILE"
    log "database $DB set up in $((SECONDS - started)) s"
}

if ! db_exists; then
    rm -f "$STARTED_FILE"
    set_up "$@"
else
    done_on="$(setup_done)"
    if [ -n "$done_on" ]; then
        log "database $DB is ready (set up on $done_on UTC): serving it"
    elif [ -f "$STARTED_FILE" ]; then
        log "the set-up of $DB started on $(cat "$STARTED_FILE") UTC did not finish: dropping $DB and starting over"
        drop_database
        set_up "$@"
    else
        log "database $DB was not created by this script: serving it as it is"
    fi
fi

log "serving $DB with queue_job's runner"
exec "${ODOO[@]}" "${ODOO_ARGS[@]}" -d "$DB" --db-filter "^$DB\$" "$@"
