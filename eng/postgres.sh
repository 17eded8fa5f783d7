# shellcheck shell=bash
# shellcheck disable=SC2034  # PG_CONN, PG_BIN etc. are read by build.sh
# PostgreSQL bootstrap for build.sh (sourced, not executed). Needs NEXUS_ROOT (the repo root).
#
# pg_provision picks a server, in this order:
#   1. Docker Compose, when a Docker engine answers (`docker info`) and compose is installed:
#      `docker compose up -d db`, then waits for the container's health check.
#      Role nexus / password nexus (superuser), database nexus, on 127.0.0.1:5433.
#   2. Otherwise a private cluster in .data/pg built from this machine's PostgreSQL server binaries
#      (the highest /usr/lib/postgresql/*/bin, else initdb on PATH); when there are none and we are
#      root, `apt-get install postgresql` installs them first.
#      - initdb's bootstrap superuser is `nexus` with password `nexus` (the same role the Compose
#        db has, so connection strings are identical); it may CREATE DATABASE.
#      - Listens on 127.0.0.1 only, port 5433 (NEXUS_PG_PORT overrides). TCP needs the password
#        (scram-sha-256); the Unix socket (in .data/pg itself, when its path is short enough) is
#        trust for the owner's tools: psql -h "$PWD/.data/pg" -p 5433 -U nexus postgres.
#      - fsync/full_page_writes/synchronous_commit are off: a disposable dev/test cluster, tuned
#        for tests that create many databases. Delete .data/pg to start from scratch.
#      - As root the server runs as the `postgres` OS user (PostgreSQL refuses root): .data/pg is
#        chowned to it and the repo's parent directories are made traversable (o+x) if needed.
#      - Server log: .data/pg/server.log. apt/initdb/pg_ctl output: .data/pg.log.
#      - The cluster keeps running after build.sh exits; `./build.sh db-stop` stops it.
# NEXUS_PG_MODE=docker|local forces one of the two (default: auto).
#
# After pg_provision, PG_CONN is the Npgsql connection string without Database=, and
# pg_ensure_database NAME creates a database if it is missing.

PG_PORT="${NEXUS_PG_PORT:-5433}"
PG_USER=nexus
PG_PASSWORD=nexus
PG_DATA_ROOT="$NEXUS_ROOT/.data"
PG_DATA="$PG_DATA_ROOT/pg"
PG_SETUP_LOG="$PG_DATA_ROOT/pg.log"
PG_WAIT_SECONDS=30
PG_MODE=""   # docker | local, once provisioned
PG_BIN=""
PG_CONN=""   # read by build.sh

pg_fail() {
    echo "build.sh: $*" >&2
    exit 1
}

pg_is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
# From / so that an untraversable working directory does not bother the PostgreSQL tools.
pg_as_owner() {
    if pg_is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# ---------------------------------------------------------------------------------------------
# Binaries

# Sets PG_BIN to a directory holding initdb, pg_ctl, postgres and pg_isready; returns 1 if none.
pg_find_bin() {
    local dir version candidate
    PG_BIN=""
    # An existing cluster must be run by its own major version.
    if [ -f "$PG_DATA/PG_VERSION" ]; then
        version="$(cat "$PG_DATA/PG_VERSION")"
        if [ -x "/usr/lib/postgresql/$version/bin/postgres" ]; then
            PG_BIN="/usr/lib/postgresql/$version/bin"
            return 0
        fi
    fi
    # Highest installed version (Debian/Ubuntu layout).
    # shellcheck disable=SC2012
    candidate="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$candidate" ]; then
        dir="$(dirname "$candidate")"
        if [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            PG_BIN="$dir"
            return 0
        fi
    fi
    # Elsewhere: initdb on PATH (resolving symlinks such as /usr/local/bin/pg_ctl -> .../15/bin).
    candidate="$(command -v initdb 2>/dev/null || true)"
    if [ -n "$candidate" ]; then
        dir="$(dirname "$(readlink -f "$candidate")")"
        if [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            PG_BIN="$dir"
            return 0
        fi
    fi
    return 1
}

pg_install_server() {
    if ! pg_is_root || ! command -v apt-get >/dev/null 2>&1; then
        pg_fail "no PostgreSQL server binaries found (no initdb under /usr/lib/postgresql/*/bin or on PATH); install the postgresql package or set NEXUS_DB"
    fi
    echo "build.sh: installing the PostgreSQL server with apt-get (log: .data/pg.log)" >&2
    {
        echo "== $(date -u +%FT%TZ) apt-get install postgresql"
        DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update &&
        DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
            install --no-install-recommends postgresql
    } >>"$PG_SETUP_LOG" 2>&1 || pg_fail "apt-get install postgresql failed, see .data/pg.log"
    pg_find_bin || pg_fail "apt-get installed postgresql but no initdb was found under /usr/lib/postgresql/*/bin"
}

# ---------------------------------------------------------------------------------------------
# Private cluster

# Is process $1 alive (not gone, not a zombie)?
pg_alive() {
    local state
    state="$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null || true)"
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# The postmaster's PID when our cluster is running, else nothing (and status 1).
# A pid file whose PID is gone, or now belongs to another process (PID reuse after a machine
# restart), does not count.
pg_running_pid() {
    local pid cwd
    [ -f "$PG_DATA/postmaster.pid" ] || return 1
    pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    pg_alive "$pid" || return 1
    case "$(cat "/proc/$pid/comm" 2>/dev/null || true)" in
        postgres | postmaster) ;;
        *) return 1 ;;
    esac
    # The postmaster's working directory is its data directory.
    cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null || true)"
    if [ -n "$cwd" ] && [ "$cwd" != "$(cd "$PG_DATA" && pwd -P)" ]; then
        return 1
    fi
    echo "$pid"
}

# PIDs of live processes still working in .data/pg (backends orphaned by a killed postmaster).
pg_leftover_pids() {
    local dir proc
    dir="$(cd "$PG_DATA" && pwd -P)"
    for proc in /proc/[0-9]*; do
        if [ "$(readlink "$proc/cwd" 2>/dev/null || true)" = "$dir" ] && pg_alive "${proc#/proc/}"; then
            echo "${proc#/proc/}"
        fi
    done
}

pg_ready() {
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -t 2 >/dev/null 2>&1
}

# As root: make the repo's directories traversable for the postgres user, create the postgres
# user if the binaries came without one.
pg_prepare_owner() {
    local dir
    pg_is_root || return 0
    if ! id postgres >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
            --shell /bin/bash postgres >>"$PG_SETUP_LOG" 2>&1 ||
            pg_fail "could not create the postgres OS user (needed to run PostgreSQL as root)"
    fi
    dir="$PG_DATA_ROOT"
    while :; do
        if ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
            chmod o+x "$dir" || pg_fail "cannot make $dir traversable for the postgres user"
        fi
        [ "$dir" = / ] && break
        dir="$(dirname "$dir")"
    done
}

pg_init_cluster() {
    local pwfile
    if [ -d "$PG_DATA" ]; then
        # Left over from an interrupted initdb: not a cluster yet.
        rm -rf "$PG_DATA"
    fi
    mkdir -p "$PG_DATA"
    chmod 700 "$PG_DATA"
    pwfile="$PG_DATA_ROOT/.pg-password"
    printf '%s\n' "$PG_PASSWORD" >"$pwfile"
    if pg_is_root; then
        chown postgres:postgres "$PG_DATA" "$pwfile"
    fi
    chmod 600 "$pwfile"
    {
        echo "== $(date -u +%FT%TZ) initdb ($PG_BIN)"
        pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER" --pwfile="$pwfile" \
            -E UTF8 --no-locale --auth-local=trust --auth-host=scram-sha-256 --no-sync
    } >>"$PG_SETUP_LOG" 2>&1 || {
        rm -f "$pwfile"
        rm -rf "$PG_DATA"
        pg_fail "initdb failed, see .data/pg.log"
    }
    rm -f "$pwfile"
    # Appending keeps the file's owner.
    cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- added by eng/postgres.sh: a disposable dev/test cluster ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

pg_start_cluster() {
    local sockdir opts deadline
    # Lock files left by a server that is gone (killed, machine restart): the PIDs they name may
    # have been reused, which PostgreSQL would take for a running server. They are only removed
    # once no process of the old server is left, as they also guard its shared memory.
    if [ -f "$PG_DATA/postmaster.pid" ]; then
        deadline=$((SECONDS + 15))
        while [ -n "$(pg_leftover_pids)" ]; do
            [ "$SECONDS" -lt "$deadline" ] ||
                pg_fail "processes of an old PostgreSQL server still use .data/pg (pids $(pg_leftover_pids | tr '\n' ' ')); stop them first"
            sleep 0.5
        done
        rm -f "$PG_DATA/postmaster.pid" "$PG_DATA"/.s.PGSQL.*
    fi
    if pg_ready; then
        pg_fail "port $PG_PORT on 127.0.0.1 is taken by another PostgreSQL server (not .data/pg); stop it, or set NEXUS_PG_PORT or NEXUS_DB"
    fi
    # The socket goes into the data directory; Unix socket paths are limited to ~107 bytes.
    sockdir="$(cd "$PG_DATA" && pwd -P)"
    if [ "${#sockdir}" -gt 90 ] || [[ "$sockdir" == *"'"* ]]; then
        sockdir=""
    fi
    opts="-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='$sockdir'"
    {
        echo "== $(date -u +%FT%TZ) pg_ctl start"
        pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -W -o "$opts" start
    } >>"$PG_SETUP_LOG" 2>&1 || pg_fail "pg_ctl start failed, see .data/pg.log and .data/pg/server.log"
}

# Waits until the server accepts connections (status 0), or its postmaster is gone (status 1,
# after a grace of $1 seconds for a postmaster that is just starting). Fails on timeout.
pg_wait_ready() {
    local grace="$1" started="$SECONDS"
    while ! pg_ready; do
        if [ $((SECONDS - started)) -ge "$PG_WAIT_SECONDS" ]; then
            pg_fail "PostgreSQL did not start within ${PG_WAIT_SECONDS}s, see .data/pg/server.log"
        fi
        if [ $((SECONDS - started)) -ge "$grace" ] && ! pg_running_pid >/dev/null; then
            return 1
        fi
        sleep 0.3
    done
}

pg_provision_local() {
    local owner
    mkdir -p "$PG_DATA_ROOT"
    pg_find_bin || pg_install_server
    if [ -f "$PG_DATA/PG_VERSION" ]; then
        if [ "$(cat "$PG_DATA/PG_VERSION")" != "$("$PG_BIN/postgres" -V | grep -oE '[0-9]+' | head -n 1)" ]; then
            pg_fail ".data/pg was made by PostgreSQL $(cat "$PG_DATA/PG_VERSION"), whose server is not installed; delete .data/pg to recreate it"
        fi
        owner="$(stat -c %U "$PG_DATA")"
        if pg_is_root; then
            [ "$owner" = postgres ] || pg_fail ".data/pg belongs to $owner, not postgres; delete .data/pg to recreate it"
        elif [ "$owner" != "$(id -un)" ]; then
            pg_fail ".data/pg belongs to $owner; run as $owner or root, or delete .data/pg"
        fi
    fi
    pg_prepare_owner
    [ -f "$PG_DATA/PG_VERSION" ] || pg_init_cluster
    # Reuse a running server; start one if there is none (or it dies while we wait for it).
    if ! pg_running_pid >/dev/null || ! pg_wait_ready 0; then
        pg_start_cluster
        pg_wait_ready 3 || pg_fail "PostgreSQL did not start, see .data/pg/server.log"
    fi
    PG_MODE=local
}

pg_stop_local() {
    local pid
    pid="$(pg_running_pid)" || return 0
    if pg_find_bin; then
        {
            echo "== $(date -u +%FT%TZ) pg_ctl stop"
            pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop
        } >>"$PG_SETUP_LOG" 2>&1 || pg_fail "pg_ctl stop failed, see .data/pg.log"
    else
        kill -INT "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do
            [ -d "/proc/$pid" ] || break
            sleep 0.3
        done
        [ ! -d "/proc/$pid" ] || pg_fail "PostgreSQL (pid $pid) did not stop"
    fi
}

# ---------------------------------------------------------------------------------------------
# Docker Compose

pg_docker_engine() {
    command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1
}

pg_compose_available() {
    docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1
}

pg_compose() {
    if docker compose version >/dev/null 2>&1; then
        docker compose -f "$NEXUS_ROOT/docker-compose.yml" "$@"
    elif command -v docker-compose >/dev/null 2>&1; then
        docker-compose -f "$NEXUS_ROOT/docker-compose.yml" "$@"
    else
        echo "neither 'docker compose' nor docker-compose is available" >&2
        return 127
    fi
}

pg_provision_docker() {
    local cid status deadline
    mkdir -p "$PG_DATA_ROOT"
    {
        echo "== $(date -u +%FT%TZ) docker compose up -d db"
        NEXUS_PG_PORT="$PG_PORT" pg_compose up -d db
    } >>"$PG_SETUP_LOG" 2>&1 || pg_fail "docker compose up -d db failed, see .data/pg.log"
    cid="$(pg_compose ps -q db 2>>"$PG_SETUP_LOG" || true)"
    [ -n "$cid" ] || pg_fail "docker compose started no db container, see .data/pg.log"
    deadline=$((SECONDS + 90))
    while :; do
        status="$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$cid" 2>/dev/null || true)"
        [ "$status" = healthy ] && break
        [ "$SECONDS" -lt "$deadline" ] || pg_fail "the db container did not become healthy within 90s (docker compose logs db)"
        sleep 1
    done
    PG_MODE=docker
}

pg_stop_docker() {
    pg_docker_engine && pg_compose_available || return 0
    [ -n "$(pg_compose ps -q db 2>/dev/null || true)" ] || return 0
    pg_compose stop db >>"$PG_SETUP_LOG" 2>&1 || pg_fail "docker compose stop db failed, see .data/pg.log"
}

# ---------------------------------------------------------------------------------------------
# Entry points

pg_provision() {
    local mode="${NEXUS_PG_MODE:-auto}"
    mkdir -p "$PG_DATA_ROOT"
    # One provisioning at a time (e.g. `run` and `test` started together). The lock is released
    # before returning so that the API or test processes do not inherit it.
    exec 9>"$PG_DATA_ROOT/pg.lock"
    flock -w 300 9 || pg_fail "another build.sh is still provisioning PostgreSQL (.data/pg.lock)"
    case "$mode" in
        auto)
            if pg_docker_engine && pg_compose_available; then pg_provision_docker; else pg_provision_local; fi ;;
        docker)
            pg_docker_engine || pg_fail "NEXUS_PG_MODE=docker but no Docker engine answers (docker info)"
            pg_compose_available || pg_fail "NEXUS_PG_MODE=docker but neither 'docker compose' nor docker-compose is installed"
            pg_provision_docker ;;
        local) pg_provision_local ;;
        *) pg_fail "NEXUS_PG_MODE must be auto, docker or local, not '$mode'" ;;
    esac
    flock -u 9
    exec 9>&-
    PG_CONN="Host=127.0.0.1;Port=$PG_PORT;Username=$PG_USER;Password=$PG_PASSWORD"
}

# Runs one SQL statement on the provisioned server's postgres database; prints tuples only.
pg_sql() {
    if [ "$PG_MODE" = docker ]; then
        pg_compose exec -T db psql -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -tAqc "$1"
    else
        local psql="$PG_BIN/psql"
        [ -x "$psql" ] || psql="$(command -v psql || true)"
        [ -n "$psql" ] || pg_fail "psql not found (install postgresql-client)"
        PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=10 "$psql" -X -h 127.0.0.1 -p "$PG_PORT" \
            -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -tAqc "$1"
    fi
}

pg_ensure_database() {
    local name="$1" exists
    exists="$(pg_sql "SELECT 1 FROM pg_database WHERE datname = '$name'" 2>>"$PG_SETUP_LOG")" ||
        pg_fail "cannot query PostgreSQL on 127.0.0.1:$PG_PORT as $PG_USER, see .data/pg.log"
    if [ "$exists" != 1 ]; then
        pg_sql "CREATE DATABASE \"$name\"" >>"$PG_SETUP_LOG" 2>&1 ||
            pg_fail "CREATE DATABASE $name failed, see .data/pg.log"
    fi
}

pg_stop() {
    pg_stop_local
    pg_stop_docker
}
