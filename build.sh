#!/usr/bin/env bash
# Nexus developer entry point. Usage: ./build.sh <command> [args]
#
#   run [port] [--nodes N]
#              PostgreSQL + the API on http://localhost:<port, 5080>/graphql (Ctrl-C stops the API only);
#              --nodes N starts N API processes on <port>, <port>+1, … over the one database
#   test       PostgreSQL + `dotnet test Nexus.sln`; extra args go to dotnet test (e.g. --filter X)
#   bench      PostgreSQL + tests/Nexus.Bench in Release; extra args go to the benchmark
#   schema     PostgreSQL + export schema/nexus.graphql and schema/events.md
#   rebuild-projections [--projection NAME]...
#              PostgreSQL + rebuild Marten projections from the event store (all, or the ones named), with progress
#   codegen    regenerate Wolverine's handler code in src/Nexus.Api/Internal/Generated (no database needed)
#   db-start   PostgreSQL only; prints the NEXUS_DB connection string
#   db-stop    stops the private cluster in .data/pg (and a running Compose db)
#
# Settings: a git-ignored .env beside this script (KEY=value lines, see .env.example) is read first; variables
# already set in the environment win over it.
#
# PostgreSQL: NEXUS_DB (an Npgsql connection string) when set; else Docker Compose's db service
# when a Docker engine answers; else a private cluster in .data/pg on 127.0.0.1:5433, installed
# with apt-get if needed. Role nexus / password nexus (superuser). Details: eng/postgres.sh.
#   run/schema/db-start: NEXUS_DB      = Host=127.0.0.1;Port=5433;Username=nexus;Password=nexus;Database=nexus
#   bench:               NEXUS_DB      = ...;Database=nexus_bench
#   test:                NEXUS_TEST_DB = ...;Database=postgres (tests create their own databases);
#                        an existing NEXUS_TEST_DB is used as is, else NEXUS_DB if set.
set -euo pipefail

NEXUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$NEXUS_ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# shellcheck source=eng/postgres.sh
source "$NEXUS_ROOT/eng/postgres.sh"
# shellcheck source=eng/media-tools.sh
source "$NEXUS_ROOT/eng/media-tools.sh"

TEST_RESULTS="$NEXUS_ROOT/.data/test-results"

fail() {
    echo "build.sh: $*" >&2
    exit 1
}

# Exports each KEY=value line of .env whose KEY is not set yet. Read as data, never run: no command substitution,
# values are taken literally (one pair of surrounding quotes is dropped).
load_env_file() {
    local file="$NEXUS_ROOT/.env" line key value
    [ -f "$file" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line%$'\r'}"
        case "$line" in '' | '#'*) continue ;; esac
        line="${line#export }"
        key="${line%%=*}"
        value="${line#*=}"
        [ "$key" != "$line" ] || continue
        [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || fail ".env: '$key' is not a variable name"
        if [[ "$value" =~ ^\"(.*)\"$ ]] || [[ "$value" =~ ^\'(.*)\'$ ]]; then
            value="${BASH_REMATCH[1]}"
        fi
        [ -n "${!key+x}" ] || export "$key=$value"
    done <"$file"
}

usage() {
    cat >&2 <<'EOF'
usage: ./build.sh <command> [args]
  run [port] [--nodes N]
             start PostgreSQL and the API on http://localhost:<port>/graphql (default 5080);
             --nodes N: N API processes on <port>, <port>+1, … over one database (default 1)
  test       start PostgreSQL and run dotnet test (extra args go to dotnet test)
  bench      start PostgreSQL and run tests/Nexus.Bench (extra args go to the benchmark)
  schema     start PostgreSQL and export schema/nexus.graphql and schema/events.md
  rebuild-projections [--projection NAME]...
             start PostgreSQL and rebuild projections from the events (all, or the ones named)
  codegen    regenerate the pre-generated handler code (after changing a handler; a test fails until you do)
  db-start   start PostgreSQL only and print the connection string
  db-stop    stop the private PostgreSQL cluster in .data/pg
PostgreSQL comes from NEXUS_DB when set, else Docker Compose, else a private cluster in .data/pg.
EOF
    exit 2
}

require_dotnet() {
    command -v dotnet >/dev/null 2>&1 ||
        fail "dotnet not found on PATH; install the .NET 10 SDK (see global.json)"
}

solution() {
    local s
    for s in Nexus.sln Nexus.slnx; do
        if [ -f "$s" ]; then
            echo "$s"
            return 0
        fi
    done
    fail "Nexus.sln not found in $NEXUS_ROOT"
}

# Sets NEXUS_DB (database $1) unless it is already set; creates that database if missing.
provision_app_db() {
    if [ -z "${NEXUS_DB:-}" ]; then
        pg_provision
        pg_ensure_database "$1"
        NEXUS_DB="$PG_CONN;Database=$1"
    fi
    export NEXUS_DB
}

# Prints "N passed, N failed, N skipped" summed over the TRX files of the last test run.
trx_summary() {
    local f counters passed=0 failed=0 skipped=0 total executed n found=0
    attr() { printf '%s\n' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
    for f in "$TEST_RESULTS"/*.trx; do
        [ -f "$f" ] || continue
        counters="$(grep -o '<Counters [^>]*>' "$f" | head -n 1 || true)"
        [ -n "$counters" ] || continue
        found=1
        n="$(attr passed)"
        passed=$((passed + ${n:-0}))
        for n in failed error timeout aborted; do
            n="$(attr "$n")"
            failed=$((failed + ${n:-0}))
        done
        total="$(attr total)"
        executed="$(attr executed)"
        skipped=$((skipped + ${total:-0} - ${executed:-0}))
    done
    if [ "$found" = 0 ]; then
        echo "build.sh: dotnet test wrote no test results (did the build fail?)" >&2
        return 0
    fi
    echo "$passed passed, $failed failed, $skipped skipped"
}

cmd_test() {
    local sln rc
    require_dotnet
    # Probing and processing run ffmpeg; the S3 store's contract tests start s3rver themselves.
    media_ensure_ffmpeg
    media_ensure_s3rver
    sln="$(solution)"
    if [ -z "${NEXUS_TEST_DB:-}" ]; then
        if [ -n "${NEXUS_DB:-}" ]; then
            NEXUS_TEST_DB="$NEXUS_DB"
        else
            pg_provision
            NEXUS_TEST_DB="$PG_CONN;Database=postgres"
        fi
    fi
    export NEXUS_TEST_DB
    rm -rf "$TEST_RESULTS"
    mkdir -p "$TEST_RESULTS"
    set +e
    dotnet test "$sln" -nologo -v q -tl:off -clp:NoSummary \
        --logger "console;verbosity=minimal" --logger trx --results-directory "$TEST_RESULTS" "$@"
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        echo "build.sh: dotnet test failed (exit code $rc)" >&2
    fi
    trx_summary
    return "$rc"
}

cmd_run() {
    local port="${NEXUS_PORT:-5080}" nodes=1
    while [ $# -gt 0 ]; do
        case "$1" in
            --nodes) [ $# -ge 2 ] || fail "run: --nodes needs a number"; nodes="$2"; shift 2 ;;
            --nodes=*) nodes="${1#--nodes=}"; shift ;;
            -*) fail "run: unknown option '$1' (usage: ./build.sh run [port] [--nodes N])" ;;
            *) port="$1"; shift ;;
        esac
    done
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || fail "run: '$port' is not a port (1-65535)"
    [[ "$nodes" =~ ^[0-9]+$ ]] && [ "$nodes" -ge 1 ] && [ "$nodes" -le 32 ] || fail "run: --nodes takes a number from 1 to 32"
    [ $((port + nodes - 1)) -le 65535 ] || fail "run: ports $port to $((port + nodes - 1)) do not all exist"
    require_dotnet
    media_ensure_ffmpeg
    provision_app_db nexus
    export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
    if [ "$nodes" -eq 1 ]; then
        # Nexus:PublicUrl and the sandbox's base URL default to this address (see ListenAddress.cs).
        echo "Nexus API: http://localhost:$port/graphql"
        exec dotnet run --project src/Nexus.Api -c Debug --no-launch-profile -- --urls "http://localhost:$port"
    fi
    run_nodes "$port" "$nodes"
}

# N API processes over one database, each on its own port with its own log prefix. They share one Nexus:PublicUrl
# (the token issuer and the base of OAuth redirect URIs): the first node's address, unless Nexus__PublicUrl is set
# (a proxy in front). Each node's sandbox base URL stays its own address, so each serves and publishes to its own
# sandbox over the shared database. One build first: N concurrent `dotnet run`s would build over each other.
# Ctrl-C (or SIGTERM) stops every node, each gracefully.
run_nodes() {
    local first="$1" count="$2" i port dll
    local -a pids=()
    export Nexus__PublicUrl="${Nexus__PublicUrl:-http://localhost:$first}"
    dotnet build src/Nexus.Api -c Debug -nologo -v q -tl:off -clp:NoSummary || fail "building src/Nexus.Api failed"
    dll="$(dotnet msbuild src/Nexus.Api -getProperty:TargetPath -p:Configuration=Debug)"
    [ -f "$dll" ] || fail "run: the build left no $dll"
    stop_nodes() {
        trap - INT TERM
        echo "build.sh: stopping ${#pids[@]} nodes" >&2
        kill -TERM "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
        exit 130
    }
    trap stop_nodes INT TERM
    for ((i = 1; i <= count; i++)); do
        port=$((first + i - 1))
        # The content root is the project directory, as under `dotnet run`. The prefixer ignores Ctrl-C so that it
        # still passes on what a node logs while it shuts down; it ends when the node closes its output.
        (cd src/Nexus.Api && exec dotnet "$dll" --urls "http://localhost:$port") \
            > >(trap '' INT TERM; prefix_lines "[node$i] ") 2>&1 &
        pids+=("$!")
        echo "Nexus API node $i: http://localhost:$port/graphql (pid $!)"
    done
    echo "build.sh: $count nodes over one database, public URL $Nexus__PublicUrl; Ctrl-C stops them all"
    # A node that exits on its own (kill <pid>: try it) leaves the others running.
    local status=0
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || status=$?
    done
    return "$status"
}

# Prints each line with the prefix, and a last line when the node has closed its output (it exited).
prefix_lines() {
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        printf '%s%s\n' "$1" "$line"
    done
    printf '%s(exited)\n' "$1"
}

cmd_bench() {
    require_dotnet
    media_ensure_ffmpeg
    [ -d tests/Nexus.Bench ] || fail "tests/Nexus.Bench does not exist yet"
    provision_app_db nexus_bench
    if [ -z "${NEXUS_TEST_DB:-}" ]; then
        if [ -n "$PG_CONN" ]; then NEXUS_TEST_DB="$PG_CONN;Database=postgres"; else NEXUS_TEST_DB="$NEXUS_DB"; fi
    fi
    export NEXUS_TEST_DB
    # Build first (the API too, in Release), its output on stderr, so that stdout carries only the JSON document.
    dotnet build tests/Nexus.Bench -c Release -nologo -v q -tl:off -clp:NoSummary >&2 ||
        fail "building tests/Nexus.Bench failed"
    exec dotnet run -c Release --no-build --no-launch-profile --project tests/Nexus.Bench -- "$@"
}

cmd_schema() {
    require_dotnet
    provision_app_db nexus
    exec dotnet run --project src/Nexus.Api --no-launch-profile -- export-schema "$NEXUS_ROOT/schema"
}

cmd_rebuild_projections() {
    require_dotnet
    provision_app_db nexus
    export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
    exec dotnet run --project src/Nexus.Api --no-launch-profile -- rebuild-projections "$@"
}

# Production loads this code as is (TypeLoadMode.Static). The host is built, never started: the connection string
# is needed to build it, not used. Development's registrations generate the same code as Production's.
cmd_codegen() {
    require_dotnet
    rm -rf src/Nexus.Api/Internal/Generated
    NEXUS_DB="${NEXUS_DB:-Host=127.0.0.1;Database=codegen}" ASPNETCORE_ENVIRONMENT=Development \
        dotnet run --project src/Nexus.Api --no-launch-profile -- codegen write
}

cmd_db_start() {
    if [ -n "${NEXUS_DB:-}" ]; then
        echo "$NEXUS_DB"
        return 0
    fi
    provision_app_db nexus
    echo "$NEXUS_DB"
}

[ $# -ge 1 ] || usage
load_env_file
command="$1"
shift
case "$command" in
    run) cmd_run "$@" ;;
    test) cmd_test "$@" ;;
    bench) cmd_bench "$@" ;;
    schema) cmd_schema "$@" ;;
    rebuild-projections) cmd_rebuild_projections "$@" ;;
    codegen) cmd_codegen "$@" ;;
    db-start) cmd_db_start "$@" ;;
    db-stop) pg_stop ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
