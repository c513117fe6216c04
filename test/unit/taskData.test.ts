// Gold counts and candidate recall ceilings on the real corpora, checked against the published
// statistics. Skipped (loudly) when the corpora are absent.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document } from '../../src/core/document/document';
import { dataRoot, hasData } from '../../src/core/corpora/dataRoot';
import { parsePubTator } from '../../src/core/formats/pubtator';
import { readDdiDirectory } from '../../src/core/formats/ddiXml';
import { readDrugProtDirectory } from '../../src/core/formats/drugprotTsv';
import { scoreTask } from '../../src/core/evaluation/scorers';
import { generateAllCandidates, recallCeiling } from '../../src/core/tasks/candidates';
import type { CeilingReport } from '../../src/core/tasks/candidates';
import type { TaskName } from '../../src/core/tasks/definitions';

const skip = hasData() ? false : `corpora not found under ${dataRoot()} (set BIORED_DATA)`;
const data = (...parts: string[]): string => path.join(dataRoot(), ...parts);
const pubtator = (file: string): Document[] => parsePubTator(fs.readFileSync(file, 'utf8'), file).documents;

/** Gold rows per type (scoring against no predictions makes every gold tuple an FN). */
function goldByType(task: TaskName, docs: Document[]): Record<string, number> {
  const s = scoreTask(task, docs, []);
  return Object.fromEntries(Object.entries(s.byType).map(([t, r]) => [t, r.fn]));
}

function ceiling(t: TestContext, task: TaskName, docs: Document[]): CeilingReport {
  const r = recallCeiling(docs, generateAllCandidates(task, docs), task);
  t.diagnostic(
    `${task}: gold ${r.goldRelations}, reachable ${r.reachable} (ceiling ${r.ceiling.toFixed(2)}%), ` +
      `candidates ${r.candidates}, positives ${r.positives} (${r.positiveRatio.toFixed(2)}%), ` +
      `intra-sentence ${r.intraSentence} (positives ${r.intraSentencePositives}), multi-label ${r.multiLabel}`,
  );
  return r;
}

test('DDI-2013 test: 979 positive pairs (302/360/221/96), every pair but the 388 same-name ones a candidate', { skip }, (t) => {
  const docs = readDdiDirectory(data('ddi', 'DDICorpus', 'Test', 'Test for DDI Extraction task')).documents;
  assert.deepEqual(goldByType('ddi', docs), { mechanism: 302, effect: 360, advise: 221, int: 96 });
  const r = ceiling(t, 'ddi', docs);
  assert.equal(r.goldRelations, 979);
  assert.equal(r.ceiling, 100);
  // The candidates are the corpus's <pair> elements (the reader counts them per sentence) less
  // the pairs of two mentions with the same name (sameSurface; none of them is a gold pair).
  const pairs = docs.reduce((n, d) => n + d.passages.reduce((k, p) => k + Number(p.attributes['pairs'] ?? 0), 0), 0);
  assert.equal(r.candidates, pairs - 388);
});

test('BC5CDR test: 1066 CID relations, all reachable by concept pairs', { skip }, (t) => {
  const docs = pubtator(data('bc5cdr', 'CDR.Corpus.v010516', 'CDR_TestSet.PubTator.txt'));
  assert.equal(docs.length, 500);
  assert.deepEqual(goldByType('cdr', docs), { CID: 1066 });
  const r = ceiling(t, 'cdr', docs);
  assert.equal(r.ceiling, 100);
  assert.equal(r.positives, 1066);
});

test('DrugProt development: 3765 relation rows, 3761 distinct tuples', { skip }, (t) => {
  const docs = readDrugProtDirectory(data('drugprot', 'development')).documents;
  assert.equal(docs.reduce((n, d) => n + d.relations.length, 0), 3765);
  // 4 rows repeat an earlier (PMID, type, Arg1, Arg2): the official scorer counts tuples once.
  const s = scoreTask('drugprot', docs, []);
  assert.equal(s.gold, 3761);
  const r = ceiling(t, 'drugprot', docs);
  assert.equal(r.goldRelations, 3761);
  assert.ok(r.ceiling > 99, `ceiling ${r.ceiling}`);
});

test('BioRED test: 1163 relations over the 8 types, concept-pair ceiling', { skip }, (t) => {
  const docs = pubtator(data('biored', 'Test.PubTator.txt'));
  const byType = goldByType('biored', docs);
  assert.equal(Object.values(byType).reduce((a, b) => a + b, 0), 1163);
  const r = ceiling(t, 'biored', docs);
  assert.ok(r.ceiling > 99, `ceiling ${r.ceiling}`);
});
