/**
 * The models the product ships (models/): folder sizes, the metadata a curator and a rebuild
 * need, and that they load and score fixture abstracts with the expected relations and mentions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePubTator } from '../../src/core/formats/pubtator';
import { loadRelationPredictor, relationModelFolders } from '../../src/core/inference/relations/relationPredictor';
import { readModelConfig } from '../../src/core/inference/modelFolders';

const MODELS = path.resolve(__dirname, '../../../models');
const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/relations/abstracts.pubtator');
const SAMPLE = path.resolve(__dirname, '../../../samples/sample.pubtator');

function folderBytes(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? folderBytes(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);
}

test('shipped models: each folder ≤ 30 MB, all together ≤ 60 MB', () => {
  const folders = fs.readdirSync(MODELS, { withFileTypes: true }).filter((e) => e.isDirectory());
  let total = 0;
  for (const f of folders) {
    const b = folderBytes(path.join(MODELS, f.name));
    total += b;
    assert.ok(b <= 30 * 2 ** 20, `${f.name}: ${(b / 2 ** 20).toFixed(1)} MB`);
  }
  assert.ok(total <= 60 * 2 ** 20, `models/: ${(total / 2 ** 20).toFixed(1)} MB`);
});

test('shipped relation models: config says how they were made and how good they are', () => {
  const dirs = relationModelFolders(MODELS);
  assert.ok(dirs.length >= 1);
  // An ensemble says how it was built and which held-out fit chose its weights; its members say the rest.
  const folders = dirs.flatMap((d) => {
    const cfg = readModelConfig(d);
    if (cfg['model_type'] !== 'biore-relation-ensemble') return [d];
    assert.equal(typeof cfg['command'], 'string', d);
    return (cfg['members'] as string[]).map((m) => path.join(d, m));
  });
  for (const d of folders) {
    const cfg = readModelConfig(d);
    assert.equal(typeof cfg['command'], 'string', d);
    assert.equal(typeof cfg['seed'], 'number', d);
    const metrics = cfg['test_metrics'] as Record<string, { f1: number; ece: number }>;
    assert.ok(Object.keys(metrics).length >= 1, d);
    for (const [task, m] of Object.entries(metrics)) assert.ok(m.f1 > 0 && m.f1 <= 100 && m.ece >= 0, `${d} ${task}`);
  }
});

test('shipped relation models: the fixture abstracts get the relations their sentences state', async () => {
  const predictor = await loadRelationPredictor(MODELS, { threads: 1 });
  try {
    const docs = [...parsePubTator(fs.readFileSync(FIXTURES, 'utf8'), FIXTURES).documents, ...parsePubTator(fs.readFileSync(SAMPLE, 'utf8'), SAMPLE).documents];
    const found = new Set<string>();
    for (const d of docs) {
      const ids = new Map(d.passages.flatMap((p) => p.annotations).map((a) => [a.id, a.text.toLowerCase()]));
      for (const p of await predictor.predict(d)) {
        const names = p.relation.args.map((a) => (a.ref.kind === 'annotation' ? ids.get(a.ref.id) : a.ref.id));
        found.add(`${p.task}:${p.relation.type}:${names.join('~')}`);
        assert.ok(p.relation.score! > 0 && p.relation.score! <= 1);
      }
    }
    const expected = ['ddi:mechanism:ketoconazole~simvastatin', 'ddi:advise:warfarin~aspirin', 'cdr:CID:D008094~D018500'];
    for (const e of expected) assert.ok(found.has(e), `${e} not in ${[...found].join(', ')}`);
    assert.ok(![...found].some((f) => f.startsWith('ddi:') && f.includes('cimetidine')), 'no interaction between drugs given on different days');
  } finally {
    await predictor.dispose();
  }
});
