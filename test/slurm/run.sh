#!/usr/bin/env bash
# The Slurm test (run by .ci/run; `npm run test:slurm`): sharded annotate as a job array on the
# local one-node cluster of deploy/slurm/local-cluster.sh (installed on first use, as root).
#   A. `npm run scale:slurm -- IN OUT --shards 4 --json` with no cluster running: the driver starts
#      the cluster, runs the array, merges, stops what it started; the JSON has the promised fields
#      and the merged file equals `biore annotate IN --format pubtator` byte for byte.
#   B. Fault test: one array task is cancelled (scancel JOB_2) while it writes its shard; the run
#      fails naming shard 2 and writes no merged file; the same command again recomputes only
#      shard 2 (the other manifests stay byte-identical) and the merged file equals the
#      single-process output: nothing lost, nothing duplicated.
# Input: the first $SLURM_TEST_DOCS (default 80) BC5CDR test abstracts as text (title + abstract,
# mentions stripped) when the corpus is in the data folder, else that many copies of the sample
# abstract under distinct PMIDs. Ends with one line: "slurm test: passed (...)" or "... FAILED: ...".
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
T0=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/biore-slurm-test.XXXXXX")
# A cluster folder of this test's own: a cluster a user runs from the default folder is untouched.
export BIORE_SLURM_DIR=$WORK/cluster
unset SLURM_CONF
DOCS=${SLURM_TEST_DOCS:-80}
CLUSTER=deploy/slurm/local-cluster.sh

fail() {
  echo "slurm test: FAILED: $*"
  exit 1
}
cleanup() {
  bash "$CLUSTER" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Processes whose command line names this test's cluster folder (munged, slurmctld, slurmd).
leftover_daemons() {
  local f
  for f in /proc/[0-9]*/cmdline; do
    # A process may end between the glob and the read: its missing cmdline is not an error.
    if { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q "$BIORE_SLURM_DIR"; then
      f=${f#/proc/}
      echo "${f%/cmdline}"
    fi
  done
}

[ -f dist/cli.js ] || node esbuild.mjs

# 1. Input and the single-process reference.
IN=$WORK/input.pubtator
DATA=${BIORE_DATA:-$ROOT/../shared/data}
CDR=$DATA/bc5cdr/CDR.Corpus.v010516/CDR_TestSet.PubTator.txt
if [ -f "$CDR" ]; then
  SOURCE="the first $DOCS BC5CDR test abstracts"
  awk -v n="$DOCS" 'BEGIN { RS = ""; ORS = "\n\n" } NR <= n { split($0, l, "\n"); print l[1] "\n" l[2] }' "$CDR" >"$IN"
else
  SOURCE="$DOCS copies of samples/sample.pubtator (no BC5CDR in $DATA)"
  awk -v n="$DOCS" 'BEGIN { RS = ""; ORS = "\n\n" } NR == 1 { split($0, l, "\n"); t = l[1]; a = l[2] }
    END { sub(/^[^|]*/, "", t); sub(/^[^|]*/, "", a); for (i = 1; i <= n; i++) print (99100000 + i) t "\n" (99100000 + i) a }' samples/sample.pubtator >"$IN"
fi
[ "$(grep -c '|t|' "$IN")" = "$DOCS" ] || fail "could not build the $DOCS-document input ($IN)"
echo "slurm test: input: $SOURCE ($IN)"
node dist/cli.js annotate "$IN" --format pubtator --out "$WORK/reference.pubtator" 2>"$WORK/reference.log" || fail "single-process annotate: $(tail -1 "$WORK/reference.log")"

# check_json FILE DIR: the summary's promised fields, and the merged file against the reference.
check_json() {
  node -e '
    const fs = require("fs");
    const [file, dir, docs] = process.argv.slice(1);
    const j = JSON.parse(fs.readFileSync(file, "utf8"));
    const want = { engine: "slurm", shards: 4, documents: Number(docs), merged: dir + "/merged.pubtator" };
    for (const [k, v] of Object.entries(want)) if (j[k] !== v) throw new Error(`${k}: ${JSON.stringify(j[k])}, expected ${JSON.stringify(v)}`);
    if (!/^\d+$/.test(String(j.jobId))) throw new Error(`jobId ${j.jobId}`);
    if (!(typeof j.seconds === "number" && j.seconds > 0)) throw new Error(`seconds ${j.seconds}`);
    if (!(Array.isArray(j.manifests) && j.manifests.length === 4 && j.manifests.every((m) => fs.existsSync(m)))) throw new Error(`manifests ${JSON.stringify(j.manifests)}`);
  ' "$1" "$2" "$DOCS" 2>&1 | tail -1
}

# 2. A: the driver starts and stops the cluster itself.
bash "$CLUSTER" status && fail "a cluster answers in $BIORE_SLURM_DIR before the test"
OUT_A=$WORK/a
npm run -s scale:slurm -- "$IN" "$OUT_A" --shards 4 --json >"$WORK/a.json" 2>"$WORK/a.log" || fail "scale:slurm (A) exited $?: $(tail -3 "$WORK/a.log" | tr '\n' ' ')"
[ "$(wc -l <"$WORK/a.json")" = 1 ] || fail "scale:slurm (A) printed more than one line on stdout"
msg=$(check_json "$WORK/a.json" "$OUT_A") || fail "A: summary: $msg"
cmp -s "$OUT_A/merged.pubtator" "$WORK/reference.pubtator" || fail "A: merged output differs from the single-process output"
[ -z "$(leftover_daemons)" ] || fail "A: daemons left running after scale:slurm: $(leftover_daemons | tr '\n' ' ')"
echo "slurm test: A passed: $(cat "$WORK/a.json")"

# 3. B: fault test on a cluster this test starts (so it keeps running between the two runs).
eval "$(bash "$CLUSTER" start 2>"$WORK/cluster.log")" || fail "local cluster: $(tail -2 "$WORK/cluster.log" | tr '\n' ' ')"
OUT_B=$WORK/b
npm run -s scale:slurm -- "$IN" "$OUT_B" --shards 4 --json >"$WORK/b1.json" 2>"$WORK/b1.log" &
DRIVER=$!
# Wait for the job id, then for shard 2's partial output: the task is running and writing.
for _ in $(seq 1 600); do [ -s "$OUT_B/job.json" ] && break; sleep 0.1; done
JOB=$(node -p 'require(process.argv[1]).jobId' "$OUT_B/job.json") || fail "B: no job id from the driver"
cancelled=""
for _ in $(seq 1 3000); do
  if compgen -G "$OUT_B/shard-00002-of-00004.pubtator.tmp-*" >/dev/null; then
    scancel "${JOB}_2"
    cancelled=yes
    break
  fi
  [ -f "$OUT_B/shard-00002-of-00004.manifest.json" ] && break
  sleep 0.05
done
set +e
wait "$DRIVER"
code=$?
set -e
[ -n "$cancelled" ] || fail "B: shard 2 finished before it could be cancelled (raise SLURM_TEST_DOCS)"
[ "$code" = 1 ] || fail "B: the run with a cancelled task exited $code, expected 1"
node -e '
  const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (j.ok !== false || !/shard 2 \(shard-00002-of-00004\)/.test(j.error) || /shard [013] \(/.test(j.error)) throw new Error("error does not name exactly shard 2: " + j.error);
  if (!/CANCELLED/.test(j.tasks["2"] ?? "")) throw new Error("task 2 state " + j.tasks["2"]);
' "$WORK/b1.json" || fail "B: summary of the failed run: $(cat "$WORK/b1.json")"
[ ! -e "$OUT_B/merged.pubtator" ] || fail "B: a merged file was written although shard 2 failed"
[ ! -e "$OUT_B/shard-00002-of-00004.manifest.json" ] || fail "B: cancelled shard 2 has a manifest"
! compgen -G "$OUT_B/shard-00002-of-00004.pubtator*" >/dev/null || fail "B: cancelled shard 2 left output behind: $(ls "$OUT_B" | grep 00002-of | tr '\n' ' ')"
for i in 0 1 3; do cp "$OUT_B/shard-0000$i-of-00004.manifest.json" "$WORK/kept-$i.json"; done
echo "slurm test: B: task ${JOB}_2 cancelled while writing; run 1 failed as it should: $(node -p 'require(process.argv[1]).error' "$WORK/b1.json")"

npm run -s scale:slurm -- "$IN" "$OUT_B" --shards 4 --json >"$WORK/b2.json" 2>"$WORK/b2.log" || fail "B: rerun exited $?: $(tail -3 "$WORK/b2.log" | tr '\n' ' ')"
msg=$(check_json "$WORK/b2.json" "$OUT_B") || fail "B: rerun summary: $msg"
node -e '
  const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (JSON.stringify(j.computed) !== "[2]" || JSON.stringify(j.skipped) !== "[0,1,3]") throw new Error(`computed ${JSON.stringify(j.computed)}, skipped ${JSON.stringify(j.skipped)}`);
' "$WORK/b2.json" || fail "B: the rerun did not recompute exactly shard 2: $(cat "$WORK/b2.json")"
for i in 0 1 3; do cmp -s "$OUT_B/shard-0000$i-of-00004.manifest.json" "$WORK/kept-$i.json" || fail "B: shard $i was rewritten by the rerun"; done
grep -q "shard 0/4 already complete" "$OUT_B"/logs/slurm-*_0.out || fail "B: task 0 of the rerun did not report a skip"
cmp -s "$OUT_B/merged.pubtator" "$WORK/reference.pubtator" || fail "B: merged output after the rerun differs from the single-process output"
[ "$(grep -c '|t|' "$OUT_B/merged.pubtator")" = "$DOCS" ] || fail "B: merged output does not hold $DOCS documents"
echo "slurm test: B passed: $(cat "$WORK/b2.json")"

bash "$CLUSTER" stop 2>/dev/null
[ -z "$(leftover_daemons)" ] || fail "daemons left running after stop: $(leftover_daemons | tr '\n' ' ')"
rm -rf "$WORK"
echo "slurm test: passed ($DOCS documents, 4 shards, fault test, identical to the single-process output; $((SECONDS - T0)) s)"
