#!/usr/bin/env bash
# `npm start`: install what is missing, build, and serve VS Code (code-server) on 127.0.0.1 with
# this extension loaded and a sample BC5CDR-layout abstract open. Prints the URL; Ctrl+C stops it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
E2E=$ROOT/.e2e
PORT=${PORT:-8080}
cd "$ROOT"
[ -d node_modules/esbuild ] || ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
bash test/e2e/setup.sh
node esbuild.mjs
WS=$E2E/demo-workspace
mkdir -p "$E2E/demo-ud/User" "$E2E/demo-ext" "$E2E/home" "$E2E/tmp"
[ -f "$E2E/demo-ud/User/settings.json" ] || cp test/e2e/settings.json "$E2E/demo-ud/User/settings.json"
[ -f "$WS/bc5cdr-sample.pubtator" ] || bash test/e2e/prepare-workspace.sh "$WS"
export TMPDIR=$E2E/tmp HOME=$E2E/home XDG_CONFIG_HOME=$E2E/home/.config XDG_DATA_HOME=$E2E/home/.local/share XDG_CACHE_HOME=$E2E/home/.cache
REMOTE="vscode-remote://127.0.0.1:$PORT"
PAYLOAD=$(node -e 'console.log(encodeURIComponent(JSON.stringify([["extensionDevelopmentPath",process.argv[1]],["openFile",process.argv[2]]])))' "$REMOTE$ROOT" "$REMOTE$WS/bc5cdr-sample.pubtator")
echo
echo "BioRE Curator in VS Code (code-server). Open this URL in a browser:"
echo "  http://127.0.0.1:$PORT/?folder=$WS&payload=$PAYLOAD"
echo
exec node "$E2E/cs/node_modules/code-server/out/node/entry.js" --user-data-dir "$E2E/demo-ud" --extensions-dir "$E2E/demo-ext" \
  --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override --ignore-last-opened "$WS"
