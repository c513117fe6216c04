/**
 * Tagger ensembles that share one word table. The word table is most of a tagger folder (13 of
 * 16 MB as int8 rows), so two independent taggers would not fit the 30 MB folder limit. Instead a
 * second member is trained on the first one's exported table, frozen (`ner train
 * wordTable=DIR tuneEmbeddings=false centerVectors=false`), and `biore ner ensemble` writes one
 * graph in which both encoders read the same gathered rows and the CRF scores are averaged:
 * emissions and transitions alike, so Viterbi decodes the product of the members' CRFs (each
 * raised to its weight). The runtime sees an ordinary tagger folder: same inputs, same outputs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Autodiff } from '../../engine/autodiff';
import type { Value } from '../../engine/graph';
import { CRF_OUTPUTS, type CrfParams } from '../../engine/layers/crf';
import { BILSTM_TAGGER_MODEL_TYPE, CONFIG_FILE, MODEL_FILE, TAGGER_MODEL_TYPE, ModelFolderError, readModelConfig, readModelWeights, writeModelFolder } from '../../inference/modelFolders';
import { VOCAB_FILE, vectorsHash } from '../../wordvec/wordVectors';
import { WordVocab } from '../../wordvec/wordVocab';
import { nerEncoderGraph, nerInputGraph, type NerArch } from './nerModel';

/** The word table and vocabulary of a tagger folder, as its graph gathers them. */
export function taggerWordTable(dir: string): { vocab: WordVocab; table: Float32Array; wordDim: number; sha256: string } {
  const cfg = readModelConfig(dir);
  if (cfg['model_type'] !== BILSTM_TAGGER_MODEL_TYPE && cfg['model_type'] !== TAGGER_MODEL_TYPE) throw new ModelFolderError(`${dir}: not a mention tagger folder (model_type ${String(cfg['model_type'])})`);
  const arch = cfg['architecture'] as NerArch;
  const vocab = WordVocab.load(path.join(dir, VOCAB_FILE));
  const table = readModelWeights(dir).get('emb.word');
  if (!table) throw new ModelFolderError(`${dir}: no word table (emb.word) in its model`);
  if (table.length !== vocab.size * arch.wordDim) throw new ModelFolderError(`${dir}: the word table holds ${table.length} values, not ${vocab.size} words × ${arch.wordDim}`);
  return { vocab, table, wordDim: arch.wordDim, sha256: vectorsHash(table) };
}

/** What a member's run recorded, for the ensemble's config. */
interface MemberRecord {
  from: string;
  command: unknown;
  seed: unknown;
  step: unknown;
  heldOutF1: unknown;
}

/** Config fields that describe one tagger's fit and do not hold for a graph of several. */
const PER_MODEL_FIELDS = ['seed', 'command', 'config', 'trainer', 'step', 'metrics', 'repacked_from', 'word_table', 'mention_rules', 'score_calibration'] as const;

/** Fields every member must agree on: they decide how the runtime encodes a document. */
const SHARED_FIELDS = ['model_type', 'id2label', 'tokenizer', 'features', 'chars', 'max_tokens', 'inputs', 'outputs'] as const;

export interface NerEnsembleReport {
  to: string;
  members: MemberRecord[];
  weights: number[];
  modelBytes: number;
}

/**
 * Write an ensemble tagger folder from `from` (tagger folders; the first one's word table is the
 * shared one, every other member trained on it with `wordTable=`). Equal weights unless given.
 * The folder copies the first member's side files (vocabulary, lexicon, vocabulary file); its
 * mention rules and score calibration are left out: they were fitted for one member alone and are
 * refitted on the ensemble (`ner fit-rules`, `ner calibrate`).
 */
export function buildNerEnsemble(from: readonly string[], to: string, options: { weights?: readonly number[]; command?: string } = {}): NerEnsembleReport {
  if (from.length < 2) throw new Error('a tagger ensemble needs at least two member folders');
  if (options.weights && (options.weights.length !== from.length || options.weights.some((w) => !(w > 0) || !Number.isFinite(w)))) throw new Error(`--weights needs ${from.length} positive numbers`);
  if (fs.existsSync(to)) throw new Error(`${to}: already exists (choose a new folder)`);
  const configs = from.map((d) => readModelConfig(d));
  const shared = taggerWordTable(from[0]!);
  configs.forEach((c, i) => {
    const arch = c['architecture'] as NerArch & { members?: unknown };
    if (arch?.members !== undefined) throw new ModelFolderError(`${from[i]}: is itself an ensemble; list its members instead`);
    for (const f of SHARED_FIELDS) {
      if (JSON.stringify(c[f]) !== JSON.stringify(configs[0]![f])) throw new ModelFolderError(`${from[i]}: its ${f} differs from ${from[0]}'s; ensemble members must read documents the same way`);
    }
    if (JSON.stringify(heldOutRecord(c)) !== JSON.stringify(heldOutRecord(configs[0]!))) throw new ModelFolderError(`${from[i]}: held out other training documents than ${from[0]}; a held-out comparison would not be fair`);
    if (i === 0) return;
    const recorded = (c['data'] as { vectors?: { tableSha256?: unknown } } | undefined)?.vectors?.tableSha256;
    if (recorded !== shared.sha256) throw new ModelFolderError(`${from[i]}: was not trained on the word table of ${from[0]} (train it with wordTable=${from[0]} tuneEmbeddings=false centerVectors=false)`);
    if (fs.readFileSync(path.join(from[i]!, VOCAB_FILE), 'utf8') !== fs.readFileSync(path.join(from[0]!, VOCAB_FILE), 'utf8')) throw new ModelFolderError(`${from[i]}: its ${VOCAB_FILE} differs from ${from[0]}'s`);
  });
  const raw = options.weights ?? from.map(() => 1);
  const sum = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / sum);
  const archs = configs.map((c) => ({ ...(c['architecture'] as NerArch), tuneRows: 0 }));
  const crfs = archs.filter((a) => a.crf).length;
  if (crfs !== 0 && crfs !== archs.length) throw new ModelFolderError('ensemble members must all have a CRF or none');

  // Each member's weights under its own prefix; the word table is the first member's, once.
  const prefixes = from.map((_, i) => `member${i + 1}.`);
  const merged = new Map<string, Float32Array>();
  from.forEach((d, i) => {
    for (const [name, w] of readModelWeights(d)) if (name !== 'emb.word') merged.set(prefixes[i] + name, w);
  });
  const ad = new Autodiff('bilstm-ner-ensemble', { training: false, weights: merged, halfWeights: true });
  const inputs = nerInputGraph(ad, archs[0]!, { kind: 'folded', data: shared.table, storage: 'int8' });
  const outs = archs.map((a, i) => ad.scoped(prefixes[i]!, () => nerEncoderGraph(ad, a, inputs)));
  ad.g.output(weightedSum(ad, outs.map((o) => o.logits), weights), 'logits');
  if (crfs > 0) {
    for (const key of ['transitions', 'start', 'end'] as const) ad.g.output(weightedSum(ad, outs.map((o) => (o.crf as CrfParams)[key]), weights), CRF_OUTPUTS[key]);
  }
  const bytes = ad.g.toBytes();
  const members: MemberRecord[] = configs.map((c, i) => ({
    from: from[i]!,
    command: c['command'] ?? null,
    seed: c['seed'] ?? null,
    step: c['step'] ?? null,
    heldOutF1: (c['metrics'] as { f1?: unknown } | undefined)?.f1 ?? null,
  }));
  const first = { ...configs[0]! };
  for (const f of PER_MODEL_FIELDS) delete first[f];
  const side = fs.readdirSync(from[0]!).filter((f) => f !== MODEL_FILE && f !== CONFIG_FILE && !f.startsWith('.'));
  writeModelFolder(to, bytes, {
    ...first,
    tag_scheme: `${String(first['tag_scheme'])}; ${from.length} members' scores averaged`,
    architecture: { ...archs[0]!, members: archs, memberWeights: weights },
    word_table: `int8 rows + float32 scale per row, shared by the members (the word table of ${from[0]})`,
    ensemble: { members, weights },
    command: options.command ?? `biore ner ensemble --members ${from.join(',')} --to ${to}`,
  });
  for (const f of side) fs.copyFileSync(path.join(from[0]!, f), path.join(to, f));
  return { to, members, weights, modelBytes: bytes.length };
}

/** The training sources and held-out share a tagger's config records (which documents it held out). */
function heldOutRecord(cfg: Record<string, unknown>): unknown {
  const data = cfg['data'] as { sources?: { corpus?: unknown; split?: unknown }[]; heldOutShare?: unknown } | undefined;
  return { share: data?.heldOutShare ?? null, sources: (data?.sources ?? []).map((s) => `${String(s.corpus)}:${String(s.split)}`) };
}

/** Σ wᵢ·xᵢ over same-shaped values. */
function weightedSum(ad: Autodiff, xs: readonly Value[], weights: readonly number[]): Value {
  const g = ad.g;
  const terms = xs.map((x, i) => g.op('Mul', [x, g.constF(weights[i]!)], {}, x.shape));
  return terms.slice(1).reduce((acc, t) => g.op('Add', [acc, t], {}, acc.shape), terms[0]!);
}
