#!/usr/bin/env bash
# Media tools for build.sh: ffmpeg/ffprobe (apt, like PostgreSQL) and the S3-compatible test server s3rver (npm,
# into .data/tools/s3rver, not global). Sourced by build.sh; each function is idempotent and fast when done.
#
#   media_ensure_ffmpeg   ffmpeg + ffprobe on PATH, installed with apt-get as root when missing
#   media_ensure_s3rver   .data/tools/s3rver/node_modules/.bin/s3rver installed with npm when missing;
#                         exports NEXUS_S3RVER (its path) for the S3 contract tests, which start it themselves

MEDIA_TOOLS_DIR="${NEXUS_ROOT:?}/.data/tools"
MEDIA_SETUP_LOG="$NEXUS_ROOT/.data/media-tools.log"
# The version the S3 contract tests were written against; npm's registry is reachable here, PyPI is not.
S3RVER_VERSION="3.7.1"

media_fail() {
    echo "build.sh: $*" >&2
    exit 1
}

media_ensure_ffmpeg() {
    if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        media_fail "ffmpeg/ffprobe are not on PATH; install the ffmpeg package (Debian/Ubuntu: apt-get install ffmpeg)"
    fi
    mkdir -p "$NEXUS_ROOT/.data"
    echo "build.sh: installing ffmpeg with apt-get (log: .data/media-tools.log)" >&2
    {
        echo "== $(date -u +%FT%TZ) apt-get install ffmpeg"
        DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update &&
        DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
            install --no-install-recommends ffmpeg
    } >>"$MEDIA_SETUP_LOG" 2>&1 || media_fail "apt-get install ffmpeg failed, see .data/media-tools.log"
    command -v ffprobe >/dev/null 2>&1 || media_fail "apt-get installed ffmpeg but ffprobe is not on PATH"
}

media_ensure_s3rver() {
    local dir="$MEDIA_TOOLS_DIR/s3rver" bin
    bin="$dir/node_modules/.bin/s3rver"
    if [ ! -x "$bin" ]; then
        command -v npm >/dev/null 2>&1 || media_fail "npm is needed to install s3rver (the S3-compatible server the tests use)"
        mkdir -p "$dir"
        echo "build.sh: installing s3rver $S3RVER_VERSION with npm into .data/tools/s3rver (log: .data/media-tools.log)" >&2
        {
            echo "== $(date -u +%FT%TZ) npm install s3rver@$S3RVER_VERSION"
            npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "s3rver@$S3RVER_VERSION"
        } >>"$MEDIA_SETUP_LOG" 2>&1 || media_fail "npm install s3rver failed, see .data/media-tools.log"
        [ -x "$bin" ] || media_fail "npm installed s3rver but $bin is missing"
    fi
    export NEXUS_S3RVER="$bin"
}
