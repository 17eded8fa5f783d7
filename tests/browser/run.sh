#!/usr/bin/env bash
# Runs the headless-Chromium GraphiQL check against a running Nexus.
#
#   tests/browser/run.sh [baseUrl]     (or NEXUS_URL=...; default http://localhost:5080)
#   SCREENSHOT=/path.png               (default /tmp/graphiql.png)
#
# Uses Debian's chromium (installed with apt-get if missing; needs root) and
# playwright-core from package-lock.json; no browser is downloaded by npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ ! -x /usr/bin/chromium ]]; then
  echo "installing chromium (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

node graphiql-check.mjs "$@"
