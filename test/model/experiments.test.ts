/**
 * The classical n-gram baseline on the toy corpus, and the experiment report built from records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NgramLogReg, ngramFeatures, resolveNgramConfig } from '../../src/core/training/baselines/ngramLogReg';
import { EXPERIMENTS } from '../../src/core/training/experiments/plan';
import { BEGIN, END, writeReport } from '../../src/core/training/experiments/report';
import type { ExperimentRecord } from '../../src/core/training/experiments/runner';
import { generateAllCandidates } from '../../src/core/tasks/candidates';
import { toyDocs, toyVocab } from '../helpers/toyDdi';
import { encodeCnnCandidates } from '../../src/core/inference/relations/cnnRelationModel';
import { scoreCandidatePredictions } from '../../src/core/evaluation/candidateScores';

test('n-gram logistic regression learns the toy relation types from the words between the drugs', () => {
  const vocab = toyVocab();
  const enc = { blinding: true, maxWords: 50, maxDistance: 50 };
  const trainDocs = toyDocs(200, 3);
  const devDocs = toyDocs(60, 4);
  const train = encodeCnnCandidates(vocab, trainDocs, generateAllCandidates('ddi', trainDocs), 'ddi', enc);
  const dev = encodeCnnCandidates(vocab, devDocs, generateAllCandidates('ddi', devDocs), 'ddi', enc);
  const feats = (ex: typeof train): Int32Array[] => ex.map((e) => ngramFeatures(e, 50, 16));
  const ft = feats(train);
  const fd = feats(dev);
  assert.ok(ft.every((f) => f.every((j) => j >= 0 && j < 1 << 16)));
  const m = new NgramLogReg(16, 5);
  const before = scoreCandidatePredictions('ddi', devDocs, dev.map((e) => e.candidate), fd.map((f) => m.predict(f))).micro.f1;
  for (let epoch = 0; epoch < 5; epoch++) train.forEach((e, i) => m.update(ft[i]!, e.label, 1, 0.2, 1e-6));
  const after = scoreCandidatePredictions('ddi', devDocs, dev.map((e) => e.candidate), fd.map((f) => m.predict(f))).micro.f1;
  assert.ok(before < 30 && after > 90, `dev F1 ${before} -> ${after}`);
});

test('baseline config: overrides typed and checked', () => {
  assert.equal(resolveNgramConfig(['task=cdr', 'epochs=3']).epochs, 3);
  assert.equal(resolveNgramConfig(['task=cdr']).task, 'cdr');
  assert.throws(() => resolveNgramConfig(['epochs=x']), /needs a number/);
  assert.throws(() => resolveNgramConfig(['nope=1']), /unknown key/);
});

test('experiment plan: unique ids, dependencies exist and come first', () => {
  const ids = EXPERIMENTS.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length);
  EXPERIMENTS.forEach((e, i) => {
    for (const d of e.after) assert.ok(ids.indexOf(d) >= 0 && ids.indexOf(d) < i, `${e.id} after ${d}`);
  });
});

test('report: the generated block replaces itself, keeps hand-written text, and draws the curve', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
  const md = path.join(dir, 'results.md');
  const svg = path.join(dir, 'curve.svg');
  fs.writeFileSync(md, '# Results\n\nhand-written intro\n');
  const rec = (id: string, task: string, f1: number): ExperimentRecord => ({ id, group: 'paper', what: id, command: `cmd ${id}`, date: '', machine: 'test', wallSeconds: 100, test: { [task]: { precision: f1 + 1, recall: f1 - 1, f1, byType: { effect: { f1 } }, ece: 3.5 } } });
  const rs = new Map([rec('ddi-target', 'ddi', 63.21), rec('ddi-target-10pct', 'ddi', 40), rec('ddi-transfer-10pct', 'ddi', 45.5)].map((r) => [r.id, r]));
  writeReport(rs, md, svg);
  writeReport(rs, md, svg);
  const text = fs.readFileSync(md, 'utf8');
  assert.ok(text.startsWith('# Results\n\nhand-written intro\n'));
  assert.equal(text.split(BEGIN).length, 2, 'one generated block after two reports');
  assert.ok(text.includes(END));
  assert.ok(text.includes('**63.21** (64.2 / 62.2)'));
  assert.ok(text.includes('| 10 % | 40.00 | 45.50 |'));
  const s = fs.readFileSync(svg, 'utf8');
  assert.ok(s.startsWith('<svg') && s.trimEnd().endsWith('</svg>'));
  assert.equal((s.match(/<circle/g) ?? []).length, 3);
});
