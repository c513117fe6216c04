/**
 * The mention tagger at run time: a model folder written by `biore ner train` (model.onnx,
 * config.json, vocab.tsv) → mentions of a document's text with document offsets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Annotation, Document } from '../../document/document';
import { MODEL_FILE, TAGGER_MODEL_TYPES, readModelConfig } from '../modelFolders';
import { createSession, inferenceSessionOptions, type ModelSession } from '../../runtime/session';
import { VOCAB_FILE } from '../../wordvec/wordVectors';
import { WordVocab } from '../../wordvec/wordVocab';
import { propagateMentions } from './consistency';
import { DICTIONARY_FEATURE_SCHEME, FEATURE_SCHEME, type CharScheme } from './features';
import { loadGazetteer, type Gazetteer } from './gazetteer';
import { TRAINED_NAMES_FILE, loadTrainedNames } from './trainedNames';
import { NO_MENTION_RULES, applyMentionRules, readMentionRules, type MentionRules } from './mentionRules';
import { PROPAGATED_KEY, RULE_KEY, TAGGER_SOURCE, calibratedMentionScore, readMentionCalibration, type MentionScoreCalibration } from './mentionCalibration';
import { documentSentences, encodeSentence, type NerSentence } from './nerExamples';
import { NER_LABELS, NER_TYPES, type NerType, type PredictedMention } from './tags';

export type { PredictedMention } from './tags';
import { decodeMentions, nerEmissions } from './taggerModel';

/** A predicted mention with document offsets. */
export interface TagOptions {
  /** Types to predict (default all); the others' probability counts as O. */
  types?: readonly NerType[];
  signal?: AbortSignal;
  /** Apply document-level consistency (consistency.ts) to each document's mentions (default true). */
  consistency?: boolean;
  /** Keep the tagger's own scores even when the folder records a score calibration (to fit one). */
  rawScores?: boolean;
  /** Apply the folder's mention rules (mentionRules.ts) before consistency (default true; off to choose them). */
  mentionRules?: boolean;
}

/** A loaded tagger. */
export interface NerTagger {
  readonly modelDir: string;
  readonly types: readonly NerType[];
  /** The folder's score calibration (`biore ner calibrate`), undefined when it has none. */
  readonly calibration: MentionScoreCalibration | undefined;
  /** The folder's decode-time mention rules (`biore ner fit-rules`), all off when it records none. */
  readonly rules: MentionRules;
  /** The dictionary of the folder's features, undefined for a tagger without one. */
  readonly gazetteer: Gazetteer | undefined;
  /** Mentions of each document (same order), all documents' sentences in shared batches. */
  tagDocuments(docs: readonly Document[], options?: TagOptions): Promise<PredictedMention[][]>;
  dispose(): Promise<void>;
}

/** Load a tagger model folder; throws naming the folder when it is not one. */
export async function loadNerTagger(modelDir: string, options: { threads?: number; /** Read no mention rules (to fit new ones over an old or malformed record). */ withoutRules?: boolean } = {}): Promise<NerTagger> {
  const cfg = readModelConfig(modelDir);
  if (!TAGGER_MODEL_TYPES.has(String(cfg['model_type']))) throw new Error(`${modelDir}: not a mention tagger folder (model_type ${String(cfg['model_type'])}; train one with \`biore ner train\`)`);
  const features = cfg['features'] as { kind?: string; version?: number; buckets?: number; dictionary?: { file?: unknown; sha256?: unknown; abbreviations?: unknown } } | undefined;
  const version = features?.version;
  if (!features || features.kind !== FEATURE_SCHEME.kind || (version !== FEATURE_SCHEME.version && version !== DICTIONARY_FEATURE_SCHEME.version) || typeof features.buckets !== 'number') throw new Error(`${modelDir}: unknown feature scheme ${JSON.stringify(features)}`);
  let gazetteer: Gazetteer | undefined;
  if (version === DICTIONARY_FEATURE_SCHEME.version) {
    const d = features.dictionary;
    if (!d || typeof d.file !== 'string' || path.basename(d.file) !== d.file || typeof d.sha256 !== 'string') throw new Error(`${modelDir}/config.json: features.dictionary must name a file in the folder and its sha256`);
    gazetteer = loadGazetteer(path.join(modelDir, d.file), d.sha256).withAbbreviations(d.abbreviations === true);
  }
  const chars = taggerCharScheme(modelDir, cfg);
  const calibration = readMentionCalibration(modelDir, cfg);
  const rules = options.withoutRules ? NO_MENTION_RULES : readMentionRules(modelDir, cfg);
  const trainedNames = rules.trainedChemicalNames || rules.trainedDiseaseNames ? loadTrainedNames(path.join(modelDir, TRAINED_NAMES_FILE)) : undefined;
  const labels = Object.values((cfg['id2label'] ?? {}) as Record<string, string>);
  if (labels.join(',') !== NER_LABELS.join(',')) throw new Error(`${modelDir}: labels ${labels.join(',')} differ from ${NER_LABELS.join(',')}`);
  for (const f of [MODEL_FILE, VOCAB_FILE]) if (!fs.existsSync(path.join(modelDir, f))) throw new Error(`${modelDir}: ${f} is missing`);
  const vocab = WordVocab.load(path.join(modelDir, VOCAB_FILE));
  const session: ModelSession = await createSession(path.join(modelDir, MODEL_FILE), inferenceSessionOptions(options.threads));
  const buckets = features.buckets;
  const maxTokens = typeof cfg['max_tokens'] === 'number' ? cfg['max_tokens'] : 120;
  return {
    modelDir,
    types: NER_TYPES,
    calibration,
    rules,
    gazetteer,
    async tagDocuments(docs, o = {}) {
      const types = o.types ?? NER_TYPES;
      const sentences: { doc: number; s: NerSentence }[] = [];
      docs.forEach((d, i) => {
        for (const s of documentSentences(d, maxTokens)) if (s.tokens.length) sentences.push({ doc: i, s });
      });
      const abbreviations = docs.map((d) => gazetteer?.documentAbbreviations(d));
      const examples = sentences.map((x) => encodeSentence(x.s, { vocab, buckets, chars, gazetteer, abbreviations: abbreviations[x.doc] }));
      const { logits, crf } = await nerEmissions(session, examples, { maxChars: chars?.maxChars, ...(o.signal ? { signal: o.signal } : {}) });
      const out: PredictedMention[][] = docs.map(() => []);
      const texts = docs.map((d) => new Map(d.passages.map((p) => [p, p.text] as const)));
      sentences.forEach((x, i) => {
        const C = NER_LABELS.length;
        const l = logits[i]!;
        for (const m of decodeMentions(l, x.s.tokens.length, types, crf)) {
          const span = { start: x.s.tokens[m.first]!.start, end: x.s.tokens[m.last]!.end };
          const p = docs[x.doc]!.passages.find((q) => span.start >= q.offset && span.end <= q.offset + q.text.length);
          const text = p ? texts[x.doc]!.get(p)!.slice(span.start - p.offset, span.end - p.offset) : '';
          let score = 0;
          for (let t = m.first; t <= m.last; t++) {
            let max = -Infinity;
            for (let c = 0; c < C; c++) max = Math.max(max, l[t * C + c]!);
            let sum = 0;
            for (let c = 0; c < C; c++) sum += Math.exp(l[t * C + c]! - max);
            const k = NER_TYPES.indexOf(m.type);
            const want = t === m.first ? 1 + 2 * k : 2 + 2 * k;
            score += Math.exp(l[t * C + want]! - max) / sum;
          }
          out[x.doc]!.push({ span, type: m.type, text, score: score / (m.last - m.first + 1) });
        }
      });
      // Consistency seeds on the tagger's own scores (its threshold was chosen on them); the
      // calibration maps the final mentions' scores to probabilities.
      const ruled = o.mentionRules !== false ? out.map((ms, i) => applyMentionRules(docs[i]!, ms, rules, { gazetteer, trainedNames, types })) : out;
      const final = o.consistency !== false ? ruled.map((ms, i) => propagateMentions(docs[i]!, ms).mentions) : ruled;
      if (calibration && !o.rawScores) for (const ms of final) for (const m of ms) m.score = calibratedMentionScore(m, calibration);
      return final;
    },
    dispose: () => session.dispose(),
  };
}

/**
 * The char scheme a tagger folder records (`chars`), or undefined for a tagger that reads no
 * characters (every CNN folder): its graph then has no char_ids input, and none is fed.
 */
export function taggerCharScheme(modelDir: string, cfg: Record<string, unknown>): CharScheme | undefined {
  const c = cfg['chars'] as Partial<CharScheme> | undefined;
  if (c === undefined) return undefined;
  if (c.kind !== 'biore-ner-chars' || c.version !== 1 || c.truncation !== 'head+tail' || typeof c.alphabet !== 'string' || typeof c.maxChars !== 'number') throw new Error(`${modelDir}: unknown char scheme ${JSON.stringify(c)}`);
  return c as CharScheme;
}

/** Replace (or fill) a document's annotations with predicted mentions, ids `N1`, `N2`, ... */
export function applyMentions(doc: Document, mentions: readonly PredictedMention[]): void {
  for (const p of doc.passages) p.annotations = [];
  const sorted = [...mentions].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  sorted.forEach((m, i) => {
    const p = doc.passages.find((q) => m.span.start >= q.offset && m.span.end <= q.offset + q.text.length);
    if (!p) return;
    const a: Annotation = { id: `N${i + 1}`, type: m.type, spans: [{ ...m.span }], text: m.text, ids: [], attributes: { score: m.score.toFixed(3), source: TAGGER_SOURCE } };
    if (m.propagated) a.attributes[PROPAGATED_KEY] = 'true';
    if (m.addedByRule) a.attributes[RULE_KEY] = m.addedByRule;
    p.annotations.push(a);
  });
}
