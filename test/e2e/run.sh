#!/usr/bin/env bash
# The real-VS-Code end-to-end suite. Installs what it needs (test/e2e/setup.sh), builds, then
# twice starts a throw-away code-server on 127.0.0.1 and drives it with Chromium through
# playwright-core (test/e2e/scenario.mjs):
#   1. devpath: this repository as the extension under development, the whole curation scenario;
#   2. vsix:    the five platform .vsix files packaged (deploy/vsix/package.mjs), their contents
#               checked (test/e2e/checkVsix.mjs), the linux-x64 one installed offline into a clean
#               code-server, a smoke scenario.
# Screenshots go to .e2e/screenshots/<mode>/ (E2E_SHOTS to change). E2E_MODES="devpath" skips the
# VSIX run. usage: run.sh [port]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
E2E=$ROOT/.e2e
PORT=${1:-${E2E_PORT:-18080}}
MODES=${E2E_MODES:-devpath vsix}
cd "$ROOT"
bash test/e2e/setup.sh
# A relation model for the suite: random weights in the shipped folder layout (no training), or
# the bundled models/relation-* when E2E_MODEL=bundled.
if [ "${E2E_MODEL:-fixture}" = fixture ]; then
  npx --no-install tsc -p tsconfig.test.json
  node out/test/e2e/fixtureModel.js "$E2E/fixture-models/relation-cdr" samples/sample.pubtator
  export E2E_MODEL_DIR=$E2E/fixture-models/relation-cdr
fi
SHOTS_ROOT=${E2E_SHOTS:-$E2E/screenshots}
rm -rf "$SHOTS_ROOT"
export TMPDIR=$E2E/tmp HOME=$E2E/home XDG_CONFIG_HOME=$E2E/home/.config XDG_DATA_HOME=$E2E/home/.local/share XDG_CACHE_HOME=$E2E/home/.cache
mkdir -p "$TMPDIR" "$HOME"
FAILED=0

run_mode() {
  local mode=$1 run ws cspid remote payload
  run=$E2E/run-$mode-$(date +%s)
  mkdir -p "$run/ud/User" "$run/ext" "$SHOTS_ROOT/$mode"
  # biore.threshold 0: every pair the model calls a relation is a row (the panel-performance step
  # needs 3,000+ rows from 500 abstracts; the other steps compute what they expect).
  node -e 'const s=require(process.argv[1]); s["biore.threshold"]=0; if (process.argv[2]) s["biore.model.path"]=process.argv[2]; require("fs").writeFileSync(process.argv[3], JSON.stringify(s, null, 2))' \
    "$ROOT/test/e2e/settings.json" "${E2E_MODEL_DIR:-}" "$run/ud/User/settings.json"
  ws=$run/workspace
  bash test/e2e/prepare-workspace.sh "$ws"
  local cs=(node "$E2E/cs/node_modules/code-server/out/node/entry.js" --user-data-dir "$run/ud" --extensions-dir "$run/ext")
  remote="vscode-remote://127.0.0.1:$PORT"
  if [ "$mode" = vsix ]; then
    # Packaging and installing use no network: vsce packs local files, code-server installs the file.
    node esbuild.mjs --production
    node deploy/vsix/package.mjs --out "$run/vsix" > "$run/vsce.log" 2>&1 || { cat "$run/vsce.log"; return 1; }
    node test/e2e/checkVsix.mjs "$run/vsix" || return 1
    local vsix
    vsix=$(ls "$run"/vsix/biore-curator-linux-x64-*.vsix)
    "${cs[@]}" --install-extension "$vsix" > "$run/install.log" 2>&1 || { cat "$run/install.log"; return 1; }
    echo "installed $(ls "$run/ext" | grep -v '\.json$') from $(du -h "$vsix" | cut -f1) $(basename "$vsix")"
    payload='[]'
  else
    node esbuild.mjs
    # No openFile in the payload: a workbench opened with files to open does not restore its editors on reload.
    payload=$(node -e 'console.log(JSON.stringify([["extensionDevelopmentPath",process.argv[1]]]))' "$remote$ROOT")
  fi
  "${cs[@]}" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
    --disable-workspace-trust --disable-getting-started-override --ignore-last-opened "$ws" > "$run/code-server.log" 2>&1 &
  cspid=$!
  for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
  echo "code-server $("${cs[@]}" --version | head -1) on 127.0.0.1:$PORT (pid $cspid), mode $mode, workspace $ws"
  local url="http://127.0.0.1:$PORT/?folder=$ws&payload=$(node -e 'console.log(encodeURIComponent(process.argv[1]))' "$payload")"
  local rc=0
  START_URL=$url CS_PID=$cspid WORKSPACE=$ws USER_DATA=$run/ud SHOTS=$SHOTS_ROOT/$mode E2E_MODE=$mode \
    node test/e2e/scenario.mjs || rc=$?
  kill $cspid 2>/dev/null || true
  wait $cspid 2>/dev/null || true
  return $rc
}

for mode in $MODES; do run_mode "$mode" || FAILED=1; done
# Leave a development build behind (the VSIX run built for production).
node esbuild.mjs
exit $FAILED
