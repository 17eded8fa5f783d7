#!/usr/bin/env bash
# Regenerates the vendored GraphiQL assets served by Nexus at /graphiql/*.
#
# Versions are pinned in package.json / package-lock.json next to this script
# (graphiql 3.x is the last line that ships a standalone UMD build; it needs the
# React 18 UMD builds as globals). Only the browser dist files are copied; the
# hand-written index.html and init.js in the target folder are left alone.
#
# Usage: eng/graphiql/update.sh      (needs node + npm and access to the npm registry)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$(cd "$here/../.." && pwd)/src/Nexus.Api/GraphQL/GraphiQL"
cd "$here"

if [[ -f package-lock.json ]]; then
  npm ci --ignore-scripts --no-audit --no-fund
else
  npm install --ignore-scripts --no-audit --no-fund
fi

mkdir -p "$dest"
nm="$here/node_modules"
cp "$nm/graphiql/graphiql.min.js"                 "$dest/graphiql.min.js"
cp "$nm/graphiql/graphiql.min.css"                "$dest/graphiql.min.css"
cp "$nm/react/umd/react.production.min.js"         "$dest/react.production.min.js"
cp "$nm/react-dom/umd/react-dom.production.min.js" "$dest/react-dom.production.min.js"

# The source maps are not vendored (4 MB); drop the trailing pointer to them so
# browser devtools do not request a missing /graphiql/index.umd.js.map.
for f in "$dest"/*.js; do
  sed -i -e '/^\/\/# sourceMappingURL=/d' "$f"
done

# Licence texts of the vendored packages (all MIT).
{
  for p in graphiql react react-dom; do
    v="$(node -p "require('$nm/$p/package.json').version")"
    echo "==== $p $v ===="
    cat "$nm/$p/LICENSE"
    echo
  done
} > "$dest/THIRD-PARTY-NOTICES.txt"

# Nothing vendored may load from another origin: CSS url()s must be data: URIs,
# and there must be no @import.
if grep -oE 'url\([^)]{0,8}' "$dest/graphiql.min.css" | grep -v '^url(data:' | grep -q .; then
  echo "error: graphiql.min.css references non-data: URLs" >&2; exit 1
fi
if grep -q '@import' "$dest/graphiql.min.css"; then
  echo "error: graphiql.min.css contains @import" >&2; exit 1
fi

ls -l "$dest"
