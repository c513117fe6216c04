#!/usr/bin/env bash
# One-time install of what the real-VS-Code suite needs, into .e2e/ (git-ignored): Debian's
# Chromium and ripgrep, then code-server from npm (it serves VS Code 1.100 in a browser;
# @vscode/test-electron would download VS Code builds, which cannot work offline).
# Idempotent: each step is skipped when its result is already there.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
E2E=$ROOT/.e2e
CS_VERSION=4.100.3
ts() { echo "[e2e setup $(date +%T)] $*"; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium fonts-liberation)
command -v rg >/dev/null || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v g++ >/dev/null || need_apt+=(build-essential)
command -v python3 >/dev/null || need_apt+=(python3)
command -v curl >/dev/null || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
  ts "apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ -f "$E2E/cs/node_modules/code-server/out/node/entry.js" ] && [ -f "$E2E/cs/node_modules/argon2/lib/binding/napi-v3/argon2.node" ]; then
  ts "code-server already installed"
  exit 0
fi
mkdir -p "$E2E/cs" "$E2E/tmp"
export TMPDIR=$E2E/tmp
export npm_config_yes=true          # node-pty's install runs `npx node-gyp`
export npm_config_unsafe_perm=true  # code-server's postinstall refuses to run as root without it
# The project's .npmrc says ignore-scripts (our dependencies need no install scripts), and npm
# reads it here too (.e2e/cs is inside the project); code-server's native modules do need theirs.
export npm_config_ignore_scripts=false
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
[ -d /usr/include/node ] && export npm_config_nodedir=/usr
# @vscode/ripgrep's postinstall downloads rg from the internet: pre-seed its cache with Debian's rg.
mkdir -p "$TMPDIR/vscode-ripgrep-cache-1.15.11"
tar czf "$TMPDIR/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
cd "$E2E/cs"
[ -f package.json ] || echo '{"private":true}' > package.json
ts "npm install code-server@$CS_VERSION (compiles native modules, about a minute)"
if ! npm install --foreground-scripts "code-server@$CS_VERSION" > "$E2E/cs-install.log" 2>&1; then
  tail -30 "$E2E/cs-install.log"; exit 1
fi
ts "done"
