#!/usr/bin/env bash
# Run a command (the test suite) with ALCAP_TEST_POSTGRES_URL pointing at a PostgreSQL server.
#
#   scripts/postgres-for-tests.sh .venv/bin/pytest ...
#
# - ALCAP_TEST_POSTGRES_URL already set: use that server as it is.
# - Otherwise, when CI is set (or ALCAP_START_POSTGRES=1, as `make test-postgres` does): install
#   PostgreSQL from Debian's packages if it is missing, start a throw-away cluster in a temp
#   directory on 127.0.0.1 and a free port, and stop and delete it when the command ends.
# - Otherwise run the command as it is: the Postgres tests skip and say how to run them.
set -euo pipefail

if [[ -n "${ALCAP_TEST_POSTGRES_URL:-}" ]] || [[ -z "${CI:-}" && "${ALCAP_START_POSTGRES:-}" != 1 ]]; then
    exec "$@"
fi

find_bin_dir() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    [[ -n "$initdb" ]] && dirname "$initdb"
}

bin_dir=$(find_bin_dir || true)
if [[ -z "$bin_dir" ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "postgres-for-tests: PostgreSQL is not installed; run as root or install the" \
            "'postgresql' package" >&2
        exit 1
    fi
    echo "postgres-for-tests: installing PostgreSQL from Debian's packages" >&2
    # The package's own cluster is not used: keep it from starting where a policy allows.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    bin_dir=$(find_bin_dir)
fi

cluster_dir=$(mktemp -d -t alcap-postgres.XXXXXX)
# initdb refuses to run as root: the cluster belongs to the postgres user when we are root.
run_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
[[ $(id -u) -eq 0 ]] && chown postgres: "$cluster_dir"

stop_cluster() {
    run_as_owner "$bin_dir/pg_ctl" -D "$cluster_dir/data" stop -m fast >/dev/null 2>&1 || true
    rm -rf "$cluster_dir"
}
trap stop_cluster EXIT

password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '%s\n' "$password" >"$cluster_dir/password"
[[ $(id -u) -eq 0 ]] && chown postgres: "$cluster_dir/password"

run_as_owner "$bin_dir/initdb" --pgdata="$cluster_dir/data" --username=postgres \
    --pwfile="$cluster_dir/password" --auth-host=scram-sha-256 --auth-local=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$cluster_dir/initdb.log" 2>&1 ||
    { cat "$cluster_dir/initdb.log" >&2; exit 1; }
rm -f "$cluster_dir/password"
run_as_owner "$bin_dir/pg_ctl" -D "$cluster_dir/data" -l "$cluster_dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$cluster_dir" \
    start >/dev/null ||
    { cat "$cluster_dir/server.log" >&2; exit 1; }
echo "postgres-for-tests: PostgreSQL $("$bin_dir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

export ALCAP_TEST_POSTGRES_URL="postgresql://postgres:$password@127.0.0.1:$port/postgres"
"$@"
