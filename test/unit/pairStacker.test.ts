/** BC5CDR's pair stacker: the logistic regression, the document features of a concept pair, the stacker file and its decision. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLogistic, logisticProbability } from '../../src/core/evaluation/logisticRegression';
import { parsePubTator } from '../../src/core/formats/pubtator';
import { MeshHierarchy } from '../../src/core/inference/relations/meshHierarchy';
import { PAIR_FEATURES, conceptPriors, pairFeatures } from '../../src/core/inference/relations/pairFeatures';
import { applyPairStacker, parsePairStacker, type PairStacker } from '../../src/core/inference/relations/pairStacker';
import { softmaxPrediction } from '../../src/core/inference/relations/relationPrediction';
import { cdrCandidates } from '../../src/core/tasks/cdr';

/** A deterministic generator (Park-Miller), so the synthetic data is the same on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

test('logistic regression: recovers the weights that generated the labels, and its probabilities match the rates', () => {
  const next = random(42);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const row = [next() * 4 - 2, next() * 4 - 2, 3];
    const p = 1 / (1 + Math.exp(-(0.5 + 2 * row[0]! - 1 * row[1]!)));
    x.push(row);
    y.push(next() < p ? 1 : 0);
  }
  const m = fitLogistic(x, y, 0.01);
  // Back on the raw scale: weight / sd; the constant column gets sd 1 and no weight.
  assert.ok(Math.abs(m.weights[0]! / m.sd[0]! - 2) < 0.25, `w0 ${m.weights[0]! / m.sd[0]!}`);
  assert.ok(Math.abs(m.weights[1]! / m.sd[1]! + 1) < 0.2, `w1 ${m.weights[1]! / m.sd[1]!}`);
  assert.equal(m.sd[2], 1);
  assert.ok(Math.abs(m.weights[2]!) < 1e-6);
  // Calibration: among rows given 0.6-0.8, about 70 % are positive.
  const probs = x.map((r) => logisticProbability(m, r));
  const bin = probs.map((p, i) => ({ p, y: y[i]! })).filter((r) => r.p >= 0.6 && r.p < 0.8);
  const rate = bin.reduce((a, r) => a + r.y, 0) / bin.length;
  assert.ok(bin.length > 200 && Math.abs(rate - 0.7) < 0.06, `${bin.length} rows, rate ${rate}`);
  // A larger penalty shrinks the weights.
  assert.ok(Math.abs(fitLogistic(x, y, 1000).weights[0]!) < Math.abs(m.weights[0]!));
  assert.throws(() => fitLogistic([], []), /0 rows/);
});

// Title: lithium (chemical) and nephropathy; abstract: lithium with polyuria in one sentence, hypertension in the next.
const PUBTATOR = [
  '1|t|Lithium-induced nephropathy.',
  '1|a|Patients on lithium developed polyuria. Hypertension was absent in all.',
  '1\t0\t7\tLithium\tChemical\tD008094',
  '1\t16\t27\tnephropathy\tDisease\tD007674',
  '1\t41\t48\tlithium\tChemical\tD008094',
  '1\t59\t67\tpolyuria\tDisease\tD011141',
  '1\t69\t81\tHypertension\tDisease\t-1',
  '1\tCID\tD008094\tD007674',
  '',
].join('\n');

const doc = parsePubTator(PUBTATOR, 'stack.pubtator').documents[0]!;
const candidates = cdrCandidates(doc);
const col = (name: (typeof PAIR_FEATURES)[number]): number => PAIR_FEATURES.indexOf(name);

test('pair features: title, sentence co-occurrence, prominence, the other pairs, MeSH and the priors, without gold', () => {
  assert.deepEqual(candidates.map((c) => c.tail.id), ['D007674', 'D011141', 'local:Disease:hypertension']);
  const priors = conceptPriors(candidates);
  assert.deepEqual(priors.counts['h:D008094'], [1, 3]);
  assert.deepEqual(priors.counts['t:D007674'], [1, 1]);
  // Nephropathy (kidney diseases) is broader than a kidney disease mentioned elsewhere in the document.
  const mesh = MeshHierarchy.parse('D007674\tC12.777.419\nD011141\tC12.777.419.700', 'test');
  const rows = pairFeatures([doc], candidates, [0.9, 0.2, 0.05], priors, mesh);
  assert.equal(rows.length, 3);
  for (const r of rows) assert.equal(r.length, PAIR_FEATURES.length);
  const nephro = rows[0]!;
  assert.equal(nephro[col('chemicalInTitle')], 1);
  assert.equal(nephro[col('diseaseInTitle')], 1);
  assert.equal(nephro[col('intraSentence')], 1);
  assert.equal(nephro[col('diseaseBroaderThanAnother')], 1);
  assert.equal(rows[1]![col('diseaseNarrowerThanAnother')], 1);
  assert.equal(rows[1]![col('diseaseInTitle')], 0);
  // Hypertension never shares a sentence with lithium, has no vocabulary id, and no other model pair is as weak.
  const hyper = rows[2]!;
  assert.equal(hyper[col('intraSentence')], 0);
  assert.equal(hyper[col('logSentenceDistance')], Math.log1p(1));
  assert.equal(hyper[col('diseaseLocalId')], 1);
  assert.equal(hyper[col('chemicalLocalId')], 0);
  assert.ok(Math.abs(hyper[col('otherPairsMaxLogit')]! - Math.log(0.9 / 0.1)) < 1e-9);
  assert.equal(hyper[col('noOtherPositive')], 0);
  assert.equal(nephro[col('noOtherPositive')], 1);
  // The prior of a concept seen in a CID pair is above the base rate; an unseen concept gets 0.
  assert.ok(nephro[col('diseasePrior')]! > 0);
  assert.ok(hyper[col('diseasePrior')]! < 0);
  const unseen = pairFeatures([doc], candidates, [0.9, 0.2, 0.05], { base: 0.2, counts: {} });
  assert.equal(unseen[0]![col('chemicalPrior')], 0);
  // Without the hierarchy the MeSH features are 0; the model's probability enters as its logit.
  assert.equal(unseen[0]![col('diseaseBroaderThanAnother')], 0);
  assert.ok(Math.abs(unseen[0]![col('modelLogit')]! - Math.log(9)) < 1e-9);
});

/** A stacker that follows the model's logit alone (weight 1 on it, sd 1, mean 0). */
function logitOnly(threshold: number): PairStacker {
  const n = PAIR_FEATURES.length;
  const weights = new Array<number>(n).fill(0);
  weights[col('modelLogit')] = 1;
  return { task: 'cdr', features: [...PAIR_FEATURES], model: { mean: new Array<number>(n).fill(0), sd: new Array<number>(n).fill(1), weights, bias: 0 }, threshold, priors: { base: 0.2, counts: {} }, fitted: {} };
}

test('stacker decision: its probability replaces the CID probability, its threshold replaces the argmax; other tasks pass through', () => {
  const preds = [0.9, 0.4, 0.05].map((p) => softmaxPrediction([Math.log(1 - p), Math.log(p)]));
  assert.deepEqual(preds.map((p) => p.label), [1, 0, 0]);
  const out = applyPairStacker(logitOnly(0.35), 'cdr', [doc], candidates, ['none', 'CID'], preds);
  assert.deepEqual(out.map((p) => p.label), [1, 1, 0]);
  assert.ok(Math.abs(out[1]!.probs[1]! - 0.4) < 1e-6, 'the logit alone gives back the model probability');
  assert.ok(Math.abs(out[1]!.prob - 0.4) < 1e-6, 'prob is the chosen label\'s');
  assert.ok(Math.abs(out[2]!.prob - 0.95) < 1e-6);
  assert.deepEqual(applyPairStacker(logitOnly(0.35), 'biored', [doc], candidates, ['none', 'CID'], preds), preds);
  assert.throws(() => applyPairStacker(logitOnly(0.35), 'cdr', [doc], candidates, ['none', 'CID', 'x'], preds), /decides none \/ CID/);
});

test('stacker file: a file of another feature set, a threshold out of range or bad priors are refused, naming the file', () => {
  const good = JSON.parse(JSON.stringify(logitOnly(0.4)));
  assert.equal(parsePairStacker(good, 'f.json').threshold, 0.4);
  assert.throws(() => parsePairStacker({ ...good, features: good.features.slice(1) }, 'models/x/pair-stacker.json'), /models\/x\/pair-stacker\.json: features do not match/);
  assert.throws(() => parsePairStacker({ ...good, threshold: 1 }, 'f.json'), /f\.json: threshold/);
  assert.throws(() => parsePairStacker({ ...good, task: 'ddi' }, 'f.json'), /task "ddi"/);
  assert.throws(() => parsePairStacker({ ...good, model: { ...good.model, weights: [1] } }, 'f.json'), /weights/);
  assert.throws(() => parsePairStacker({ ...good, priors: { base: 0.2, counts: { 'h:X': [3, 2] } } }, 'f.json'), /priors\.counts\.h:X/);
  assert.throws(() => parsePairStacker(null, 'f.json'), /f\.json: not a JSON object/);
});
