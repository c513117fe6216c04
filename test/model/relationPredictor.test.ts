/**
 * The relation runtime: calibration maths, the task views of curators' documents, and the
 * predictor on a real (tiny, trained-here) model folder, including bad model folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expectedCalibrationError, fitTemperature, temperatureNll } from '../../src/core/evaluation/calibration';
import type { Annotation, Document } from '../../src/core/document/document';
import { ModelFolderError, loadRelationPredictor } from '../../src/core/inference/relations/relationPredictor';
import { taskView } from '../../src/core/inference/relations/taskView';
import { toyDocs, toyFloats, trainToyDdiModel } from '../helpers/toyDdi';
import { fineTuneOnDecisions } from '../../src/core/training/cnnRelation/fineTuneOnDecisions';
import { parsePubTator } from '../../src/core/formats/pubtator';
import { PAIR_FEATURES } from '../../src/core/inference/relations/pairFeatures';
import { PAIR_STACKER_FILE } from '../../src/core/inference/relations/pairStacker';
import { fitPairStacker } from '../../src/core/modelEvaluation/fitPairStacker';

test('temperature fit recovers the temperature that generated the labels', () => {
  const u = toyFloats(3 * 6000, 5, 3);
  const logits: number[][] = [];
  const labels: number[] = [];
  const r = toyFloats(6000, 9, 0.5);
  for (let i = 0; i < 6000; i++) {
    const row = [u[3 * i]!, u[3 * i + 1]!, u[3 * i + 2]!];
    logits.push(row);
    // Sample the label from softmax(row / 2).
    const e = row.map((v) => Math.exp(v / 2));
    const sum = e.reduce((a, b) => a + b, 0);
    let x = (r[i]! + 0.5) * sum;
    let k = 0;
    while (k < 2 && x > e[k]!) x -= e[k++]!;
    labels.push(k);
  }
  const t = fitTemperature(logits, labels);
  assert.ok(Math.abs(t - 2) < 0.3, `fitted ${t}`);
  assert.ok(temperatureNll(logits, labels, t) <= temperatureNll(logits, labels, 1));
  assert.equal(fitTemperature([], []), 1);
});

test('ECE: zero when confidence equals accuracy per bin, large when over-confident', () => {
  const conf = [0.95, 0.95, 0.95, 0.95, 0.55, 0.55];
  const good = expectedCalibrationError([0.75, 0.75, 0.75, 0.75], [true, true, true, false]);
  assert.ok(good.ece < 1e-9);
  const bad = expectedCalibrationError(conf, [false, false, true, false, true, false]);
  assert.ok(bad.ece > 40, String(bad.ece));
  assert.equal(bad.bins.reduce((n, b) => n + b.count, 0), 6);
  assert.throws(() => expectedCalibrationError([0.5], []), RangeError);
});

/** A PubTator-shaped abstract: title + abstract passages, PubTator type names. */
function abstractDoc(): Document {
  const title = 'Interactions of aspirin.';
  const abs = 'Warfarin increases the plasma levels of digoxin . Avoid the use of heparin with lithium during therapy . BRCA1 causes cancer .';
  const off = title.length + 1;
  const ann = (id: string, type: string, word: string, ids: string[] = []): Annotation => {
    const at = abs.indexOf(word);
    return { id, type, spans: [{ start: off + at, end: off + at + word.length }], text: word, ids, attributes: {} };
  };
  const t0: Annotation = { id: 't0', type: 'Chemical', spans: [{ start: 16, end: 23 }], text: 'aspirin', ids: ['D001241'], attributes: {} };
  return {
    id: '123',
    attributes: {},
    relations: [],
    passages: [
      { offset: 0, text: title, attributes: { type: 'title' }, annotations: [t0] },
      {
        offset: off,
        text: abs,
        attributes: { type: 'abstract' },
        annotations: [ann('a1', 'Chemical', 'Warfarin'), ann('a2', 'Chemical', 'digoxin'), ann('a3', 'Chemical', 'heparin'), ann('a4', 'Chemical', 'lithium'), ann('a5', 'Gene', 'BRCA1'), ann('a6', 'Disease', 'cancer', ['D009369'])],
      },
    ],
  };
}

test('task views: DDI cuts free text into sentences and keeps only chemicals as drugs; offsets and ids unchanged', () => {
  const doc = abstractDoc();
  const ddi = taskView(doc, 'ddi');
  assert.ok(ddi.passages.length >= 4, `sentences: ${ddi.passages.map((p) => p.text).join(' | ')}`);
  const all = ddi.passages.flatMap((p) => p.annotations);
  assert.deepEqual(all.map((a) => a.id), ['t0', 'a1', 'a2', 'a3', 'a4']);
  assert.ok(all.every((a) => a.type === 'drug'));
  for (const p of ddi.passages) for (const a of p.annotations) assert.ok(a.spans[0]!.start >= p.offset && a.spans[0]!.end <= p.offset + p.text.length);
  const cdr = taskView(doc, 'cdr');
  assert.deepEqual(cdr.passages.flatMap((p) => p.annotations).map((a) => `${a.id}:${a.type}`), ['t0:Chemical', 'a1:Chemical', 'a2:Chemical', 'a3:Chemical', 'a4:Chemical', 'a6:Disease']);
  const dp = taskView(doc, 'drugprot');
  assert.equal(dp.passages.flatMap((p) => p.annotations).find((a) => a.id === 'a5')!.type, 'GENE');
  // The original is untouched.
  assert.equal(doc.passages[1]!.annotations[0]!.type, 'Chemical');
});

test('predictor: a trained model folder suggests the templates\' relation types with evidence and scores', async () => {
  const dir = await trainToyDdiModel(fs.mkdtempSync(path.join(os.tmpdir(), 'pred-')));
  const predictor = await loadRelationPredictor(dir, { threads: 1 });
  try {
    assert.deepEqual(predictor.tasks, ['ddi']);
    const doc = abstractDoc();
    // A relation of another task in the file (a curator's CDR gold) must not disturb DDI.
    doc.relations.push({ id: 'R0', type: 'CID', args: [{ role: 'Chemical', ref: { kind: 'concept', id: 'D001241' } }, { role: 'Disease', ref: { kind: 'concept', id: 'D009369' } }], attributes: {} });
    const out = await predictor.predict(doc);
    const byPair = new Map(out.map((p) => [p.relation.args.map((a) => a.ref.id).join('-'), p]));
    const mech = byPair.get('a1-a2');
    const advise = byPair.get('a3-a4');
    assert.equal(mech?.relation.type, 'mechanism', JSON.stringify(out.map((p) => p.relation)));
    assert.equal(advise?.relation.type, 'advise');
    for (const p of out) {
      assert.equal(p.task, 'ddi');
      assert.equal(p.relation.status, 'suggested');
      assert.ok(p.relation.score! > 0 && p.relation.score! <= 1);
      assert.equal(p.model, dir);
    }
    const text = doc.passages[1]!;
    assert.equal(text.text.slice(mech!.evidence.start - text.offset, mech!.evidence.end - text.offset), 'Warfarin increases the plasma levels of digoxin .');
    // No pair crosses sentences, and the title's lone drug pairs with nothing.
    assert.ok(!out.some((p) => p.relation.args.some((a) => a.ref.id === 't0')));
    assert.ok(!byPair.has('a2-a3'));
    assert.deepEqual(await predictor.predict(doc, { task: 'ddi', signal: AbortSignal.abort() }).catch((e: Error) => e.name), 'AbortError');
  } finally {
    await predictor.dispose();
  }
});

test('predictor: missing, foreign or corrupt model folders give one error naming the path', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'badmodel-'));
  await assert.rejects(loadRelationPredictor(path.join(tmp, 'nope')), (e: Error) => e instanceof ModelFolderError && e.message.includes('nope'));
  await assert.rejects(loadRelationPredictor(tmp), (e: Error) => e instanceof ModelFolderError && e.message.includes('no relation model'));
  const foreign = path.join(tmp, 'enc');
  fs.mkdirSync(foreign);
  fs.writeFileSync(path.join(foreign, 'config.json'), JSON.stringify({ model_type: 'biore-encoder' }));
  await assert.rejects(loadRelationPredictor(foreign), (e: Error) => e instanceof ModelFolderError && e.message.includes('biore-encoder'));
  const corrupt = path.join(tmp, 'corrupt');
  fs.mkdirSync(corrupt);
  fs.writeFileSync(path.join(corrupt, 'config.json'), JSON.stringify({ model_type: 'biore-cnn-relation', task: 'ddi', id2label: { 0: 'none', 1: 'int' }, blinding: null }));
  fs.writeFileSync(path.join(corrupt, 'vocab.tsv'), '<pad>\t0\n<unk>\t0\nDRUG1\t0\nDRUG2\t0\nDRUG0\t0\n');
  fs.writeFileSync(path.join(corrupt, 'model.onnx'), 'not a model');
  await assert.rejects(loadRelationPredictor(corrupt), (e: Error) => e instanceof ModelFolderError && e.message.includes(path.join(corrupt, 'model.onnx')));
});

test('multi-task model: per-task label slices with their own none, task prompt input, loaded by the predictor', async () => {
  const dir = await trainToyDdiModel(fs.mkdtempSync(path.join(os.tmpdir(), 'multi-')), ['cdr', 'ddi']);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { tasks: Record<string, { offset: number; task_id: number; labels: string[] }>; inputs: string[] };
  assert.deepEqual(cfg.tasks['ddi'], { task_id: 1, offset: 2, labels: ['none', 'mechanism', 'effect', 'advise', 'int'] });
  assert.ok(cfg.inputs.includes('task_id'));
  const predictor = await loadRelationPredictor(dir, { threads: 1 });
  try {
    assert.deepEqual([...predictor.tasks].sort(), ['cdr', 'ddi']);
    const out = await predictor.predict(abstractDoc(), { task: 'ddi' });
    const types = new Map(out.map((p) => [p.relation.args.map((a) => a.ref.id).join('-'), p.relation.type]));
    assert.equal(types.get('a1-a2'), 'mechanism');
    assert.equal(types.get('a3-a4'), 'advise');
  } finally {
    await predictor.dispose();
  }
});

test('fine-tune on decisions: the curator\'s relabelling is learned, held-out agreement rises, the new folder loads', async () => {
  const base = await trainToyDdiModel(fs.mkdtempSync(path.join(os.tmpdir(), 'ftbase-')));
  // The curator says every "effect" sentence is really "advise", and rejects a suggestion in
  // every sentence without an interaction.
  const docs = toyDocs(160, 7).map((d) => {
    const anns = d.passages[0]!.annotations;
    const rel = d.relations[0];
    if (rel) return { ...d, relations: [{ ...rel, type: rel.type === 'effect' ? 'advise' : rel.type, status: 'accepted' as const }] };
    return { ...d, relations: [{ id: 'r', type: 'mechanism', args: [{ role: 'e1', ref: { kind: 'annotation' as const, id: anns[0]!.id } }, { role: 'e2', ref: { kind: 'annotation' as const, id: anns[1]!.id } }], attributes: {}, status: 'rejected' as const }] };
  });
  // The folder's decision files (MeSH tree, pair stacker) come along into the new version.
  fs.writeFileSync(path.join(base, 'mesh-tree.tsv'), 'D007674\tC12.777.419\n');
  const n = PAIR_FEATURES.length;
  fs.writeFileSync(path.join(base, PAIR_STACKER_FILE), JSON.stringify({ task: 'cdr', features: PAIR_FEATURES, model: { mean: new Array(n).fill(0), sd: new Array(n).fill(1), weights: new Array(n).fill(0), bias: 0 }, threshold: 0.5, priors: { base: 0.2, counts: {} }, fitted: {} }));
  const outDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ftout-')), 'v2');
  const progress: number[] = [];
  const r = await fineTuneOnDecisions({ modelDir: base, documents: docs, outDir, steps: 60, learningRate: 0.003, threads: 1, onProgress: (p) => progress.push(p.step) });
  assert.ok(r.examples.heldOut > 10 && r.examples.train > 80, JSON.stringify(r.examples));
  assert.ok(r.after.accuracy > r.before.accuracy + 10, `before ${JSON.stringify(r.before)} after ${JSON.stringify(r.after)}`);
  assert.equal(progress[progress.length - 1], 60);
  const cfg = JSON.parse(fs.readFileSync(path.join(outDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg['fine_tuned_from'], path.resolve(base));
  for (const f of ['mesh-tree.tsv', PAIR_STACKER_FILE]) assert.equal(fs.readFileSync(path.join(outDir, f), 'utf8'), fs.readFileSync(path.join(base, f), 'utf8'), f);
  const predictor = await loadRelationPredictor(outDir);
  await predictor.dispose();
  await assert.rejects(fineTuneOnDecisions({ modelDir: base, documents: toyDocs(3, 1), outDir }), /no decided pairs/);
});

test('an ensemble folder answers like its members: the mean of their probabilities, its own biases', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ens-'));
  const a = await trainToyDdiModel(path.join(root, 'a'));
  const ens = path.join(root, 'ens');
  fs.mkdirSync(ens);
  fs.cpSync(a, path.join(ens, 'm1'), { recursive: true });
  fs.cpSync(a, path.join(ens, 'm2'), { recursive: true });
  const labels = ['none', 'mechanism', 'effect', 'advise', 'int'];
  const cfg = { model_type: 'biore-relation-ensemble', task: 'ddi', id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])), members: ['m1', 'm2'], weights: [0.5, 0.5] };
  fs.writeFileSync(path.join(ens, 'config.json'), JSON.stringify(cfg));
  const single = await loadRelationPredictor(a, { threads: 1 });
  const both = await loadRelationPredictor(ens, { threads: 1 });
  try {
    assert.deepEqual(both.tasks, ['ddi']);
    const doc = abstractDoc();
    // Two copies of one model average to that model.
    const one = await single.predict(doc, { task: 'ddi' });
    const two = await both.predict(doc, { task: 'ddi' });
    assert.deepEqual(two.map((p) => [p.relation.type, p.relation.score!.toFixed(6)]), one.map((p) => [p.relation.type, p.relation.score!.toFixed(6)]));
    assert.ok(two.every((p) => p.model === ens));
  } finally {
    await single.dispose();
    await both.dispose();
  }
  // A member that is itself an ensemble, or is missing, is a clear folder error.
  fs.writeFileSync(path.join(ens, 'config.json'), JSON.stringify({ ...cfg, members: ['m1', 'gone'] }));
  await assert.rejects(loadRelationPredictor(ens), /member gone has no config\.json/);
});

test('pair stacker in a folder: its probability and threshold decide BC5CDR pairs; a bad file is refused by name; fit-stacker checks its task', async () => {
  const dir = await trainToyDdiModel(fs.mkdtempSync(path.join(os.tmpdir(), 'stack-')), ['cdr', 'ddi']);
  const doc = parsePubTator(
    ['7|t|Lithium and the kidney.', '7|a|Lithium caused polyuria and nephropathy in rats.', '7\t0\t7\tLithium\tChemical\tD008094', '7\t24\t31\tLithium\tChemical\tD008094', '7\t39\t47\tpolyuria\tDisease\tD011141', '7\t52\t63\tnephropathy\tDisease\tD007674', ''].join('\n'),
    'stack.pubtator',
  ).documents[0]!;
  const n = PAIR_FEATURES.length;
  const stackerWith = (bias: number): string => JSON.stringify({ task: 'cdr', features: PAIR_FEATURES, model: { mean: new Array(n).fill(0), sd: new Array(n).fill(1), weights: new Array(n).fill(0), bias }, threshold: 0.5, priors: { base: 0.2, counts: {} }, fitted: {} });
  const cidOf = async (): Promise<number[]> => {
    const predictor = await loadRelationPredictor(dir, { threads: 1 });
    try {
      return (await predictor.predict(doc, { task: 'cdr' })).map((p) => p.relation.score!);
    } finally {
      await predictor.dispose();
    }
  };
  fs.writeFileSync(path.join(dir, PAIR_STACKER_FILE), stackerWith(5));
  const all = await cidOf();
  assert.equal(all.length, 2);
  for (const s of all) assert.ok(Math.abs(s - 1 / (1 + Math.exp(-5))) < 1e-9, `score ${s}`);
  fs.writeFileSync(path.join(dir, PAIR_STACKER_FILE), stackerWith(-5));
  assert.deepEqual(await cidOf(), []);
  fs.writeFileSync(path.join(dir, PAIR_STACKER_FILE), '{"task": "cdr"');
  await assert.rejects(loadRelationPredictor(dir), (e: Error) => e instanceof ModelFolderError && e.message.includes(path.join(dir, PAIR_STACKER_FILE)));
  await assert.rejects(fitPairStacker('nope', dir, dir), /unknown relation task "nope"/);
  await assert.rejects(fitPairStacker('ddi', dir, dir), /ddi has no pair stacker/);
  await assert.rejects(fitPairStacker('bc5cdr', dir, dir), /must be another model/);
});
