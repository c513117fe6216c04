#!/usr/bin/env bash
# The real-VS-Code end-to-end suite: installs what it needs (test/e2e/setup.sh), builds, starts a
# throw-away code-server on 127.0.0.1 with this repository as the extension under development,
# drives it with Chromium through playwright-core (test/e2e/scenario.mjs), and stops it.
# Screenshots go to .e2e/screenshots/ (E2E_SHOTS to change). usage: run.sh [port]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
E2E=$ROOT/.e2e
PORT=${1:-${E2E_PORT:-18080}}
cd "$ROOT"
bash test/e2e/setup.sh
[ -n "${E2E_SKIP_BUILD:-}" ] || node esbuild.mjs
RUN=$E2E/run-$(date +%s)
SHOTS=${E2E_SHOTS:-$E2E/screenshots}
rm -rf "$SHOTS"; mkdir -p "$RUN/ud/User" "$RUN/ext" "$E2E/home" "$E2E/tmp" "$SHOTS"
cp test/e2e/settings.json "$RUN/ud/User/settings.json"
WS=$RUN/workspace
bash test/e2e/prepare-workspace.sh "$WS"
export TMPDIR=$E2E/tmp HOME=$E2E/home XDG_CONFIG_HOME=$E2E/home/.config XDG_DATA_HOME=$E2E/home/.local/share XDG_CACHE_HOME=$E2E/home/.cache
CS=(node "$E2E/cs/node_modules/code-server/out/node/entry.js" --user-data-dir "$RUN/ud" --extensions-dir "$RUN/ext")
"${CS[@]}" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override --ignore-last-opened "$WS" > "$RUN/code-server.log" 2>&1 &
CSPID=$!
trap 'kill $CSPID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; kill -0 $CSPID; done
echo "code-server $("${CS[@]}" --version | head -1) on 127.0.0.1:$PORT (pid $CSPID), workspace $WS"
REMOTE="vscode-remote://127.0.0.1:$PORT"
# No openFile in the payload: a workbench opened with files to open does not restore its editors on reload.
PAYLOAD=$(node -e 'console.log(encodeURIComponent(JSON.stringify([["extensionDevelopmentPath",process.argv[1]]])))' "$REMOTE$ROOT")
START_URL="http://127.0.0.1:$PORT/?folder=$WS&payload=$PAYLOAD" CS_PID=$CSPID WORKSPACE=$WS USER_DATA=$RUN/ud SHOTS=$SHOTS \
  node test/e2e/scenario.mjs
