#!/usr/bin/env bash
# Lays out a fresh workspace for a real-VS-Code run: the sample abstract (BC5CDR PubTator layout)
# without its relation lines, as a curator receives a file to annotate, plus a malformed file,
# and the BC5CDR test set (500 documents) when the corpora are beside the repository.
# usage: prepare-workspace.sh DIR
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WS=$1
mkdir -p "$WS"
grep -v $'\tCID\t' "$ROOT/samples/sample.pubtator" > "$WS/bc5cdr-sample.pubtator"
# The same abstract with no mention lines at all: what Detect Mentions is for.
grep '|[ta]|' "$ROOT/samples/sample.pubtator" > "$WS/unannotated.pubtator"
cp "$ROOT/test/e2e/fixtures/malformed.pubtator" "$WS/malformed.pubtator"
cp "$ROOT/test/fixtures/bioc/small.xml" "$WS/small.bioc.xml"
DATA=${BIORE_DATA:-$ROOT/../shared/data}
CDR_TEST=$DATA/bc5cdr/CDR.Corpus.v010516/CDR_TestSet.PubTator.txt
if [ -f "$CDR_TEST" ]; then cp "$CDR_TEST" "$WS/CDR_TestSet.PubTator.txt"; fi
# The panel-performance file: the same 500 abstracts without their relation lines (as a curator gets them).
if [ -f "$CDR_TEST" ]; then grep -v $'\tCID\t' "$CDR_TEST" > "$WS/cdr-test-500.pubtator"; fi
