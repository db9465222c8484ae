#!/usr/bin/env bash
# A throwaway PostgreSQL for the history-store tests.
#
#   scripts/ci-postgres.sh          start one; prints (on stdout, nothing else) the lines
#                                     export QGATE_TEST_DATABASE_URL=postgresql+psycopg://qgate@127.0.0.1:PORT/qgate_test
#                                     export QGATE_TEST_PGDATA=DIR
#   scripts/ci-postgres.sh stop DIR stop the cluster started in DIR and delete DIR
#
# Installs Debian's `postgresql` with apt-get when no server binaries are found (root, or sudo). The
# cluster runs as a non-root user (the current one; as root, the `postgres` user), listens on 127.0.0.1
# only, on a free port, with trust authentication. Exits non-zero when PostgreSQL cannot start.
# Use it as:  pg_env="$(scripts/ci-postgres.sh)" && eval "$pg_env"
set -euo pipefail

log() { echo "ci-postgres: $*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi
}

find_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

# The user the server runs as, and a way to run a command as that user.
if [ "$(id -u)" = 0 ]; then
    PGUSER_OS=postgres
else
    PGUSER_OS="$(id -un)"
fi

run_as() {
    if [ "$(id -u)" = 0 ]; then
        if command -v runuser >/dev/null 2>&1; then runuser -u "$PGUSER_OS" -- "$@"; else su -s /bin/sh "$PGUSER_OS" -c "$(printf '%q ' "$@")"; fi
    else
        "$@"
    fi
}

if [ "${1:-}" = stop ]; then
    dir="${2:?usage: ci-postgres.sh stop DIR}"
    bindir="$(find_bindir)" || { log "no PostgreSQL binaries found"; exit 1; }
    run_as "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf -- "$dir"
    exit 0
fi

if ! bindir="$(find_bindir)"; then
    log "PostgreSQL not found: installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq >&2 || { log "apt-get update failed"; exit 1; }
    as_root apt-get install -y -qq --no-install-recommends postgresql >&2 || { log "apt-get install postgresql failed"; exit 1; }
    bindir="$(find_bindir)" || { log "postgresql installed but initdb/pg_ctl not found"; exit 1; }
fi

if [ "$(id -u)" = 0 ] && ! id "$PGUSER_OS" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PGUSER_OS" >&2 || { log "cannot create user $PGUSER_OS"; exit 1; }
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/qgate-pg.XXXXXX")"
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown "$PGUSER_OS" "$dir"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

fail() {
    log "$1"
    [ -f "$dir/server.log" ] && tail -n 20 "$dir/server.log" >&2
    run_as "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf -- "$dir"
    exit 1
}

run_as "$bindir/initdb" -D "$dir/data" -U qgate --auth=trust --encoding=UTF8 --no-locale >/dev/null 2>"$dir/initdb.err" \
    || { cat "$dir/initdb.err" >&2; fail "initdb failed"; }
run_as "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || fail "the server did not start"
run_as "$bindir/createdb" -h 127.0.0.1 -p "$port" -U qgate qgate_test || fail "createdb failed"

log "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir (stop: $0 stop $dir)"
echo "export QGATE_TEST_DATABASE_URL=postgresql+psycopg://qgate@127.0.0.1:$port/qgate_test"
echo "export QGATE_TEST_PGDATA=$dir"
