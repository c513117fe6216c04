#!/usr/bin/env bash
# `npm start`: install what is missing, build this machine's platform VSIX and install it into
# VS Code (code-server), as a user has the extension (not as an "Extension Development Host"),
# then serve it on 127.0.0.1 with a sample BC5CDR-layout abstract open. Prints the URL; Ctrl+C stops it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
E2E=$ROOT/.e2e
PORT=${PORT:-8080}
cd "$ROOT"
[ -d node_modules/esbuild ] || ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
bash test/e2e/setup.sh
node esbuild.mjs --production
TARGET=linux-x64
[ "$(uname -m)" = aarch64 ] && TARGET=linux-arm64
node deploy/vsix/package.mjs --out "$E2E/demo-vsix" "$TARGET"
# Leave a development build behind for the CLI and the tests.
node esbuild.mjs
WS=$E2E/demo-workspace
mkdir -p "$E2E/demo-ud/User" "$E2E/demo-ext" "$E2E/home" "$E2E/tmp"
[ -f "$E2E/demo-ud/User/settings.json" ] || cp test/e2e/settings.json "$E2E/demo-ud/User/settings.json"
[ -f "$WS/bc5cdr-sample.pubtator" ] || bash test/e2e/prepare-workspace.sh "$WS"
export TMPDIR=$E2E/tmp HOME=$E2E/home XDG_CONFIG_HOME=$E2E/home/.config XDG_DATA_HOME=$E2E/home/.local/share XDG_CACHE_HOME=$E2E/home/.cache
CS=(node "$E2E/cs/node_modules/code-server/out/node/entry.js" --user-data-dir "$E2E/demo-ud" --extensions-dir "$E2E/demo-ext")
"${CS[@]}" --force --install-extension "$(ls "$E2E"/demo-vsix/biore-curator-"$TARGET"-*.vsix)"
REMOTE="vscode-remote://127.0.0.1:$PORT"
PAYLOAD=$(node -e 'console.log(encodeURIComponent(JSON.stringify([["openFile",process.argv[1]]])))' "$REMOTE$WS/bc5cdr-sample.pubtator")
echo
echo "BioRE Curator in VS Code (code-server). Open this URL in a browser:"
echo "  http://127.0.0.1:$PORT/?folder=$WS&payload=$PAYLOAD"
echo
exec "${CS[@]}" \
  --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override --ignore-last-opened "$WS"
