#!/usr/bin/env bash
# Abstracts per second per core of `biore annotate` as one array task runs it (one process,
# --threads 1, model loading and input parsing included), on the BC5CDR test abstracts as text
# (title + abstract, annotations removed), and what that means at MEDLINE scale.
#   bash deploy/slurm/throughput.sh [DOCS] [ABSTRACTS=36000000] [NODES=100] [CORES=32]
# Prints one JSON line. Per core = documents / CPU seconds (user + system) of the process, so
# other load on the machine does not count; wall seconds are reported beside it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
DOCS=${1:-500}
ABSTRACTS=${2:-36000000}
NODES=${3:-100}
CORES=${4:-32}
DATA=${BIORE_DATA:-$ROOT/../shared/data}
CDR=$DATA/bc5cdr/CDR.Corpus.v010516/CDR_TestSet.PubTator.txt
[ -f "$CDR" ] || { echo "throughput: $CDR: no such file (set BIORE_DATA to the data folder)" >&2; exit 1; }
[ -f dist/cli.js ] || node esbuild.mjs
WORK=$(mktemp -d "${TMPDIR:-/tmp}/biore-throughput.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
awk -v n="$DOCS" 'BEGIN { RS = ""; ORS = "\n\n" } NR <= n { split($0, l, "\n"); print l[1] "\n" l[2] }' "$CDR" >"$WORK/in.pubtator"
n=$(grep -c '|t|' "$WORK/in.pubtator")
TIMEFORMAT='%R %U %S'
{ time node dist/cli.js annotate "$WORK/in.pubtator" --format pubtator --threads 1 --shard 0/1 --out "$WORK/out" 2>"$WORK/log"; } 2>"$WORK/time"
read -r wall user sys <"$WORK/time"
node -e '
  const [n, wall, user, sys, abstracts, nodes, cores] = process.argv.slice(1).map(Number);
  const cpu = user + sys;
  const perCore = n / cpu;
  const coreHours = abstracts / perCore / 3600;
  const r2 = (x) => Math.round(x * 100) / 100;
  console.log(JSON.stringify({ documents: n, wallSeconds: wall, cpuSeconds: r2(cpu), abstractsPerSecondPerCore: r2(perCore),
    projection: { abstracts, coreHours: Math.round(coreHours), nodes, coresPerNode: cores, wallHours: r2(coreHours / (nodes * cores)) } }));
' "$n" "$wall" "$user" "$sys" "$ABSTRACTS" "$NODES" "$CORES"
