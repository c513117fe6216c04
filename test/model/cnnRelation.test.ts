/**
 * The CNN relation baseline: the convolution-as-matmul composite against finite differences,
 * padding never winning the max-pool (and predictions not depending on batch padding), candidate
 * encoding with entity blinding and positions, and a toy DDI task learned end to end through the
 * trainer loop, the official scorer and the exported model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Autodiff } from '../../src/core/engine/autodiff';
import { quantizeRows } from '../../src/core/engine/graph';
import { initialize } from '../../src/core/engine/initialize';
import type { Document } from '../../src/core/document/document';
import { MODEL_FILE, readModelConfig } from '../../src/core/inference/modelFolders';
import { createSession, type HostTensor } from '../../src/core/runtime/session';
import { generateAllCandidates } from '../../src/core/tasks/candidates';
import { BEST_DIR, train } from '../../src/core/training/trainer';
import { BLIND_HEAD, BLIND_OTHER, BLIND_TAIL, UNK_ID, WordVocab } from '../../src/core/wordvec/wordVocab';
import { toyDocs, toyVocab } from '../helpers/toyDdi';
import { gradCheck, rand } from '../helpers/gradCheck';
import { buildCnnGraph, cnnWordTable, type CnnArch } from '../../src/core/training/cnnRelation/cnnGraph';
import { cnnTrainFeeds, createCnnBackend } from '../../src/core/training/cnnRelation/cnnBackend';
import { convolve, shiftTime } from '../../src/core/engine/layers/convolution';
import { maskedMaxPool } from '../../src/core/engine/layers/pooling';
import { cnnInputFeeds, encodeCnnCandidates, predictCnn, type CnnExample } from '../../src/core/inference/relations/cnnRelationModel';
import { pruneCnnRelationFolder } from '../../src/core/training/cnnRelation/cnnPrune';
import { resolveCnnConfig } from '../../src/core/training/cnnRelation/cnnConfig';
import { scoreCandidatePredictions } from '../../src/core/evaluation/candidateScores';

const B = 2;
const T = 5;
const D = 3;
const F = 4;
/** Row 0 has 5 real positions, row 1 has 3 and 2 padded. */
const MASK = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);

test('shiftTime: x[b, t + o], zeros outside the sequence, any offset', async () => {
  const ad = new Autodiff('shift', { training: false });
  const x = ad.input('x', 'float32', ['batch', 'seq', D]);
  ad.g.output(shiftTime(ad, x, -2), 'm2');
  ad.g.output(shiftTime(ad, x, 1), 'p1');
  const s = await createSession(ad.g.toBytes());
  const xs = rand(B * T * D, 3);
  const r = await s.run({ x: { data: xs, dims: [B, T, D] } });
  for (const [name, o] of [['m2', -2], ['p1', 1]] as const) {
    const y = r[name]!.data as Float32Array;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        for (let k = 0; k < D; k++) {
          const src = t + o;
          const want = src >= 0 && src < T ? xs[(b * T + src) * D + k]! : 0;
          // Zero-filled positions may come out as -0 (0 · negative): compare by value.
          assert.ok(y[(b * T + t) * D + k] === want, `${name}[${b},${t},${k}]: ${y[(b * T + t) * D + k]} vs ${want}`);
        }
      }
    }
  }
});

test('conv as shifted-copies + concat + matmul + ReLU: gradients match finite differences (widths 3 and 4)', async () => {
  // A positive bias keeps pre-activations away from ReLU's kink, where central differences
  // straddle two slopes (ReLU's own rule is checked in autodiff.test.ts); the composite's
  // gathers, masks, concat and matmul are what is under test here.
  const bias = new Float32Array(F).fill(3);
  for (const k of [3, 4]) {
    await gradCheck(`conv${k}`, {
      params: { x: [B, T, D], w: [k * D, F], b: [F] },
      build: (ad, p) => convolve(ad, p['x']!, k, { w: p['w']!, b: p['b']! }),
      init: { b: bias },
      // x: elements at both sequence ends (where shifted copies clamp and zero) and inside.
      picks: (n) => [...new Set([0, 1, 2, Math.floor(n / 2), n - 4, n - 2, n - 1])].filter((i) => i >= 0 && i < n),
    });
  }
  await gradCheck('conv3+maskedMaxPool', {
    params: { x: [B, T, D], w: [3 * D, F], b: [F] },
    data: { mask: { data: MASK, dims: [B, T], dtype: 'float32' } },
    build: (ad, p, d) => maskedMaxPool(ad, convolve(ad, p['x']!, 3, { w: p['w']!, b: p['b']! }), d['mask']!),
    init: { b: bias },
    picks: (n) => Array.from({ length: n }, (_, i) => i),
  });
});

test('masked max-pool: padded positions never win, even when their activations are the largest', async () => {
  const ad = new Autodiff('pool', { training: false });
  const x = ad.input('x', 'float32', [B, T, D]);
  const mask = ad.input('mask', 'float32', [B, T]);
  const w = ad.input('w', 'float32', [3 * D, F]);
  const bias = ad.input('b', 'float32', [F]);
  const h = convolve(ad, x, 3, { w, b: bias });
  ad.g.output(h, 'h');
  ad.g.output(maskedMaxPool(ad, h, mask), 'pooled');
  const s = await createSession(ad.g.toBytes());
  // Huge inputs at row 1's padded positions 3, 4: unmasked, they would give the largest activations.
  const xs = rand(B * T * D, 5);
  for (let t = 3; t < T; t++) for (let k = 0; k < D; k++) xs[(T + t) * D + k] = 50;
  const ws = rand(3 * D * F, 6).map((v) => Math.abs(v));
  const r = await s.run({ x: { data: xs, dims: [B, T, D] }, mask: { data: MASK, dims: [B, T] }, w: { data: ws, dims: [3 * D, F] }, b: { data: new Float32Array(F).fill(0.1), dims: [F] } });
  const hv = r['h']!.data as Float32Array;
  const pooled = r['pooled']!.data as Float32Array;
  let paddingWouldWin = 0;
  for (let b = 0; b < B; b++) {
    const len = b === 0 ? 5 : 3;
    for (let f = 0; f < F; f++) {
      let real = -Infinity;
      let all = -Infinity;
      for (let t = 0; t < T; t++) {
        const v = hv[(b * T + t) * F + f]!;
        all = Math.max(all, v);
        if (t < len) real = Math.max(real, v);
      }
      if (all > real) paddingWouldWin++;
      assert.equal(pooled[b * F + f], real, `pooled[${b},${f}] must be the max over real positions`);
    }
  }
  assert.ok(paddingWouldWin > 0, 'the setup must make some padded position the unmasked maximum');
});

test('encoding: blinding to DRUG1/DRUG2/DRUG0, relative positions, and the unblinded variant', () => {
  const vocab = toyVocab();
  const text = 'Patients received aspirin , then warfarin , and heparin later .';
  const at = (w: string): { start: number; end: number } => ({ start: text.indexOf(w), end: text.indexOf(w) + w.length });
  const doc: Document = {
    id: 'x',
    attributes: {},
    passages: [{ offset: 0, text, attributes: {}, annotations: ['aspirin', 'warfarin', 'heparin'].map((w, i) => ({ id: `e${i}`, type: 'drug', spans: [at(w)], text: w, ids: [], attributes: {} })) }],
    relations: [],
  };
  const cands = generateAllCandidates('ddi', [doc]);
  const first = cands.find((c) => c.head.id === 'e0' && c.tail.id === 'e2')!;
  const M = 10;
  const [blind] = encodeCnnCandidates(vocab, [doc], [first], 'ddi', { blinding: true, maxWords: 50, maxDistance: M });
  const words = [...blind!.words].map((i) => vocab.words[i]);
  assert.deepEqual(words, ['patients', 'received', BLIND_HEAD, ',', 'then', BLIND_OTHER, ',', 'and', BLIND_TAIL, 'later', '.']);
  assert.deepEqual([...blind!.pos1].map((p) => p - M), [-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...blind!.pos2].map((p) => p - M), [-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2]);
  // Piecewise pooling cuts at the two arguments.
  assert.deepEqual(blind!.cuts, [2, 8]);
  const [plain] = encodeCnnCandidates(vocab, [doc], [first], 'ddi', { blinding: false, maxWords: 50, maxDistance: 3 });
  assert.deepEqual([...plain!.words].map((i) => vocab.words[i]).slice(2, 6), ['aspirin', ',', 'then', 'warfarin']);
  // Clipped at ±3.
  assert.deepEqual([...plain!.pos2].map((p) => p - 3), [-3, -3, -3, -3, -3, -3, -2, -1, 0, 1, 2]);
  // A short window keeps both arguments.
  const [short] = encodeCnnCandidates(vocab, [doc], [first], 'ddi', { blinding: true, maxWords: 8, maxDistance: M });
  const sw = [...short!.words].map((i) => vocab.words[i]);
  assert.equal(sw.length, 8);
  assert.ok(sw.includes(BLIND_HEAD) && sw.includes(BLIND_TAIL), sw.join(' '));
  // The cuts follow the window: they still point at DRUG1 / DRUG2.
  assert.deepEqual(short!.cuts.map((i) => sw[i]), [BLIND_HEAD, BLIND_TAIL]);
  // The tail before the head: cuts stay in order.
  const back = cands.find((c) => c.head.id === 'e1' && c.tail.id === 'e2')!;
  const [b] = encodeCnnCandidates(vocab, [doc], [back], 'ddi', { blinding: true, maxWords: 50, maxDistance: M });
  assert.deepEqual(b!.cuts, [5, 8]);
});

const ARCH: Omit<CnnArch, 'vocabSize' | 'tuneRows'> = { wordDim: 8, posDim: 3, maxDistance: 10, windows: [3, 4], filters: 6, dropout: 0, classes: 5, taskClasses: [], taskPrompt: false };

for (const piecewise of [false, true]) {test(`predictions do not depend on the padding a batch adds (${piecewise ? 'piecewise' : 'max'} pooling)`, async () => {
  const vocab = toyVocab();
  const docs = toyDocs(6, 11);
  const ex = encodeCnnCandidates(vocab, docs, generateAllCandidates('ddi', docs), 'ddi', { blinding: true, maxWords: 50, maxDistance: 10 });
  const arch: CnnArch = { ...ARCH, vocabSize: vocab.size, tuneRows: 0, piecewise };
  const ad = new Autodiff('pad', { training: false });
  ad.g.output(buildCnnGraph(ad, arch, { kind: 'frozen', data: rand(vocab.size * ARCH.wordDim, 4, 0.5) }).logits, 'logits');
  const s = await createSession(ad.g.toBytes());
  const w = initialize(ad.params, 3);
  const withW = (f: Record<string, HostTensor>): void => {
    for (const p of ad.params) f[p.name] = { data: w.get(p.name)!, dims: p.shape as number[] };
  };
  const sorted = [...ex].sort((a, b) => a.words.length - b.words.length);
  const shortest = sorted[0]!;
  const longest = sorted[sorted.length - 1]!;
  assert.ok(longest.words.length > shortest.words.length + 2);
  const alone = await predictCnn(s, [shortest], { extraFeeds: withW });
  const padded = await predictCnn(s, [longest, shortest], { extraFeeds: withW, batchSize: 2 });
  alone[0]!.probs.forEach((p, i) => assert.ok(Math.abs(p - padded[1]!.probs[i]!) < 1e-6, `class ${i}: ${p} alone vs ${padded[1]!.probs[i]} padded`));
});}

test('config: CNN keys and loop keys in one key=value list', () => {
  const { train: c, cnn } = resolveCnnConfig(['windows=3', 'filters=20', 'blinding=false', 'max-steps=7', 'task=ddi']);
  assert.equal(cnn.windows, '3');
  assert.equal(cnn.filters, 20);
  assert.equal(cnn.blinding, false);
  assert.equal(c.maxSteps, 7);
  assert.equal(c.batchSize, 50);
  assert.throws(() => resolveCnnConfig(['windows=3,x']), /windows/);
  assert.throws(() => resolveCnnConfig(['filters=abc']), /needs a number/);
  assert.throws(() => resolveCnnConfig(['colour=red']), /unknown config key/);
});

for (const pooling of ['max', 'piecewise'] as const) {test(`a toy DDI task (${pooling} pooling): loss halves within seconds; dev F1 by the official scorer; the export reproduces eval`, async () => {
  const t0 = Date.now();
  const vocab = toyVocab();
  const trainDocs = toyDocs(240, 1);
  const devDocs = toyDocs(40, 2);
  const enc = { blinding: true, maxWords: 50, maxDistance: 10 };
  const trainEx = encodeCnnCandidates(vocab, trainDocs, generateAllCandidates('ddi', trainDocs), 'ddi', enc);
  const devEx = encodeCnnCandidates(vocab, devDocs, generateAllCandidates('ddi', devDocs), 'ddi', enc);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-'));
  const { train: config, cnn } = resolveCnnConfig([
    `outDir=${outDir}`,
    'batchSize=16',
    'maxSteps=120',
    'warmupSteps=5',
    'evalEvery=60',
    'checkpointEvery=1000',
    'logEvery=1000',
    'learningRate=0.005',
    'threads=1',
    'dropout=0.1',
    'windows=3,4',
    'filters=16',
    'posDim=4',
    'maxDistance=10',
    `pooling=${pooling}`,
  ]);
  const wordDim = 12;
  const vectors = { vocab, dim: wordDim, vectors: rand(vocab.size * wordDim, 21, 0.3), meta: {} };
  const backend = await createCnnBackend({ config, cnn, vectors, tasks: ['ddi'], train: trainEx, dev: devEx, devDocs: new Map([['ddi', devDocs]]) });
  const losses: number[] = [];
  const real = backend.step.bind(backend);
  backend.step = async (lr) => {
    const r = await real(lr);
    losses.push(r.loss);
    return r;
  };
  const summary = await train(backend, { config, meta: {}, select: { metric: 'f1', mode: 'max' }, resume: false });
  await backend.session.dispose();
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(losses.slice(0, 10));
  const last = mean(losses.slice(-10));
  assert.ok(last < 0.5 * first, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  assert.ok(summary.best && summary.best['f1']! > 80, `dev F1 ${JSON.stringify(summary.best)}`);

  // The exported folder: plain word ids in (no tune_ids), same predictions as the eval graph.
  const best = path.join(outDir, BEST_DIR);
  const cfg = readModelConfig(best);
  assert.equal(cfg['model_type'], 'biore-cnn-relation');
  assert.ok(fs.existsSync(path.join(best, 'vocab.tsv')));
  const exported = await createSession(path.join(best, MODEL_FILE));
  assert.deepEqual([...exported.inputNames].sort(), ['mask', 'pos1', 'pos2', ...(pooling === 'piecewise' ? ['segments'] : []), 'word_ids']);
  const fromExport = await predictCnn(exported, devEx);
  await exported.dispose();
  const s = scoreCandidatePredictions('ddi', devDocs, devEx.map((e) => e.candidate), fromExport);
  // The best step's dev F1 again, from the exported file (fp16 word table: allow tiny drift).
  assert.ok(Math.abs(s.micro.f1 - summary.best['f1']!) < 1.5, `export F1 ${s.micro.f1} vs eval ${summary.best['f1']}`);
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(seconds < 20, `took ${seconds} s`);
});}

test('feeds: padding, mask, tune rows and none weighting', () => {
  const ex: CnnExample[] = [
    { candidate: undefined as never, words: Int32Array.from([5, 6, 7]), pos1: Int32Array.from([1, 2, 3]), pos2: Int32Array.from([0, 1, 2]), label: 0, cuts: [1, 1] },
    { candidate: undefined as never, words: Int32Array.from([8]), pos1: Int32Array.from([4]), pos2: Int32Array.from([4]), label: 2, cuts: [0, 0] },
  ];
  const tune = new Int32Array(10);
  tune[6] = 1;
  tune[8] = 2;
  const f = cnnTrainFeeds(ex, tune, 0.25, [], false);
  assert.deepEqual(f['word_ids']!.dims, [2, 3]);
  assert.deepEqual([...(f['mask']!.data as Float32Array)], [1, 1, 1, 1, 0, 0]);
  assert.deepEqual([...(f['tune_ids']!.data as BigInt64Array)], [0n, 1n, 0n, 2n, 0n, 0n]);
  assert.deepEqual([...(f['weights']!.data as Float32Array)], [0.25, 1]);
  assert.equal(cnnInputFeeds(ex)['tune_ids'], undefined);
  assert.equal(cnnInputFeeds(ex)['segments'], undefined);
  assert.equal(cnnInputFeeds(ex)['labels'], undefined);
  // Pieces: [left | middle | right] per example, the cut tokens in both pieces they close, padding in none.
  const seg = cnnInputFeeds(ex, { piecewise: true })['segments']!;
  assert.deepEqual(seg.dims, [2, 3, 3]);
  assert.deepEqual([...(seg.data as Float32Array)], [1, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
});

test('vector centering: trained rows lose their mean, reserved and unknown rows stay', () => {
  const vocab = WordVocab.fromCounts(new Map([['x', 3], ['y', 2], ['z', 1]]), 2);
  const dim = 2;
  const vectors = Float32Array.from({ length: vocab.size * dim }, (_, i) => i);
  const wv = { vocab, dim, vectors };
  const c = cnnWordTable(wv, true);
  const x = vocab.id('x');
  const y = vocab.id('y');
  // Mean of rows x and y, per component, removed from both.
  for (let k = 0; k < dim; k++) {
    const mean = (vectors[x * dim + k]! + vectors[y * dim + k]!) / 2;
    assert.equal(c[x * dim + k], vectors[x * dim + k]! - mean);
    assert.equal(c[y * dim + k], vectors[y * dim + k]! - mean);
  }
  assert.deepEqual(c.subarray(0, 5 * dim), vectors.subarray(0, 5 * dim));
  assert.deepEqual(cnnWordTable(wv, false), vectors);
});

test('int8 row quantization: codes × scale within half a step of each value; zero rows stay zero', () => {
  const rows = 5;
  const cols = 7;
  const data = rand(rows * cols, 3, 2);
  data.fill(0, 2 * cols, 3 * cols);
  const { codes, scales } = quantizeRows(data, rows, cols);
  assert.equal(scales[2], 0);
  for (let i = 0; i < data.length; i++) {
    const r = Math.floor(i / cols);
    assert.ok(Math.abs(codes[i]! * scales[r]! - data[i]!) <= scales[r]! / 2 + 1e-7, `element ${i}`);
    assert.ok(Math.abs(codes[i]!) <= 127);
  }
});

test('pruning a relation folder to its most frequent words: same logits for kept words, the rest unknown', async () => {
  const vocab = toyVocab();
  const docs = toyDocs(30, 5);
  const enc = { blinding: true, maxWords: 50, maxDistance: 10 };
  const ex = encodeCnnCandidates(vocab, docs, generateAllCandidates('ddi', docs), 'ddi', enc);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-prune-'));
  const { train: config, cnn } = resolveCnnConfig([`outDir=${dir}`, 'threads=1', 'windows=3', 'filters=8', 'posDim=3', 'maxDistance=10', 'pooling=piecewise']);
  const wordDim = 6;
  const backend = await createCnnBackend({ config, cnn, vectors: { vocab, dim: wordDim, vectors: rand(vocab.size * wordDim, 8, 0.5), meta: {} }, tasks: ['ddi'], train: ex, dev: ex, devDocs: new Map([['ddi', docs]]) });
  const full = path.join(dir, 'full');
  await backend.exportModel(full, {});
  await backend.session.dispose();
  const keep = vocab.size - 4;
  const small = path.join(dir, 'small');
  const r = pruneCnnRelationFolder(full, small, keep);
  assert.equal(r.words, keep);
  assert.equal((readModelConfig(small)['architecture'] as CnnArch).vocabSize, keep);
  const prunedVocab = WordVocab.load(path.join(small, 'vocab.tsv'));
  assert.equal(prunedVocab.size, keep);
  // The dropped words now read as unknown.
  assert.equal(prunedVocab.id(vocab.words[vocab.size - 1]!), UNK_ID);
  // Examples encoded with the pruned vocabulary only use kept ids: both files score them alike.
  const ex2 = encodeCnnCandidates(prunedVocab, docs, generateAllCandidates('ddi', docs), 'ddi', enc);
  const a = await createSession(path.join(full, MODEL_FILE));
  const b = await createSession(path.join(small, MODEL_FILE));
  const pa = await predictCnn(a, ex2);
  const pb = await predictCnn(b, ex2);
  pa.forEach((p, i) => p.logits.forEach((v, k) => assert.ok(Math.abs(v - pb[i]!.logits[k]!) < 1e-5, `example ${i} class ${k}`)));
  // Float16 matrices: close to the float32 logits, and a smaller file.
  const half = path.join(dir, 'half');
  const h = pruneCnnRelationFolder(full, half, keep, 'half', undefined, true);
  assert.ok(h.bytes < r.bytes, `${h.bytes} < ${r.bytes}`);
  assert.equal((readModelConfig(half)['pruned'] as { weights?: string }).weights, 'float16');
  const c = await createSession(path.join(half, MODEL_FILE));
  const pc = await predictCnn(c, ex2);
  pa.forEach((p, i) => p.logits.forEach((v, k) => assert.ok(Math.abs(v - pc[i]!.logits[k]!) < 2e-2, `half: example ${i} class ${k}`)));
  await a.dispose();
  await b.dispose();
  await c.dispose();
  assert.throws(() => pruneCnnRelationFolder(full, small, 3), /at least/);
});
