/**
 * `biore evaluate` for mention detection and normalization, recomputed every time on the corpus's
 * held-out split (never trained on: test splits are refused as training sources).
 *
 * Mentions: strict match of (document, start, end, type), micro over the task's types, the gold
 * side being every mention of those types (discontinuous mentions by their extent). The tagger
 * decodes only the task's types (NCBI-disease: diseases), as each corpus annotates only those.
 *
 * Normalization (BC5CDR; BioRED genes): concept-level P/R/F1 per document as the BC5CDR DNER task scores it,
 * on sets of (document, type, concept id); document-local ids are "no id" and are not counted
 * as predictions. Reported twice: from predicted mentions (end to end) and from the gold mentions
 * with their ids removed (normalization alone).
 */
import { loadSplit } from '../corpora/registry';
import type { Counts, Prf } from '../evaluation/prf';
import { prf } from '../evaluation/prf';
import { expectedCalibrationError } from '../evaluation/calibration';
import { scoreCdr } from '../evaluation/scorers';
import { submittedDocuments, type LocalPairs } from '../evaluation/submission';
import type { Document } from '../document/document';
import { documentAnnotations } from '../document/document';
import { annotateDocuments, type RelationSuggester } from '../curation/annotate';
import { loadLexicon } from '../inference/normalization/conceptMatcher';
import { isLocalId, type Lexicon, normalizeDocument } from '../inference/normalization/lexicon';
import { typedMentions } from '../inference/mentions/nerExamples';
import { applyMentions, loadNerTagger, type NerTagger, type PredictedMention, type TagOptions } from '../inference/mentions/nerTagger';
import { nerTypeOf, type NerType } from '../inference/mentions/tags';

/** Public task names → split and the types it scores. */
export const NER_EVAL_TASKS: Readonly<Record<string, { corpus: string; split: string; types: readonly NerType[]; normalization?: boolean }>> = {
  'ner-bc5cdr': { corpus: 'bc5cdr', split: 'test', types: ['Chemical', 'Disease'], normalization: true },
  // Genes of BioRED test: mentions, and NCBI Gene ids from them (its chemicals and diseases use a
  // later MeSH than BC5CDR's and are scored by the BC5CDR task).
  'ner-biored': { corpus: 'biored', split: 'test', types: ['Gene'], normalization: true },
  'ner-ncbi': { corpus: 'ncbi-disease', split: 'test', types: ['Disease'] },
  'ner-bc2gm': { corpus: 'bc2gm', split: 'test', types: ['Gene'] },
  'ner-drugprot': { corpus: 'drugprot', split: 'dev', types: ['Chemical', 'Gene'] },
};

type Score = Omit<Prf, 'tp' | 'fp' | 'fn'> & Counts;

const round = (x: number): number => +x.toFixed(2);
const rounded = (c: Counts): Score => {
  const p = prf(c);
  return { precision: round(p.precision), recall: round(p.recall), f1: round(p.f1), tp: c.tp, fp: c.fp, fn: c.fn };
};

/** Strict mention counts of predicted vs gold spans per type, over documents in the same order. */
export function scoreMentions(gold: readonly Document[], predicted: readonly (readonly PredictedMention[])[], types: readonly NerType[]): { micro: Score; byType: Record<string, Score> } {
  const key = (m: { span: { start: number; end: number }; type: string }): string => `${m.type}\t${m.span.start}:${m.span.end}`;
  return scoreTypedKeySets(
    types,
    gold.map((d, i) => [new Set(typedMentions(d, types).map(key)), new Set(predicted[i]!.filter((m) => types.includes(m.type)).map(key))]),
  );
}

/**
 * Per-type and micro counts of gold vs predicted key sets, one pair per document; each key starts
 * with its type and a tab.
 */
function scoreTypedKeySets(types: readonly NerType[], docs: readonly [Set<string>, Set<string>][]): { micro: Score; byType: Record<string, Score> } {
  const counts = new Map<string, Counts>(types.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  const typeOf = (k: string): Counts => counts.get(k.slice(0, k.indexOf('\t')))!;
  for (const [g, p] of docs) {
    for (const k of p) typeOf(k)[g.has(k) ? 'tp' : 'fp']++;
    for (const k of g) if (!p.has(k)) typeOf(k).fn++;
  }
  const total = { tp: 0, fp: 0, fn: 0 };
  for (const c of counts.values()) {
    total.tp += c.tp;
    total.fp += c.fp;
    total.fn += c.fn;
  }
  return { micro: rounded(total), byType: Object.fromEntries([...counts].map(([t, c]) => [t, rounded(c)])) };
}

/** Concept-level counts per document: sets of (type, id), local ids excluded. */
export function scoreConcepts(gold: readonly Document[], predicted: readonly Document[], types: readonly NerType[]): { micro: Score; byType: Record<string, Score> } {
  const concepts = (d: Document): Set<string> => {
    const s = new Set<string>();
    for (const a of documentAnnotations(d)) {
      const t = nerTypeOf(a.type);
      if (!t || !types.includes(t)) continue;
      for (const id of a.ids) if (!isLocalId(id)) s.add(`${t}\t${id}`);
    }
    return s;
  };
  return scoreTypedKeySets(types, gold.map((d, i) => [concepts(d), concepts(predicted[i]!)]));
}

/** A copy of a document without annotations and relations (what the tagger gets). */
export function bareCopy(d: Document): Document {
  return { ...d, passages: d.passages.map((p) => ({ ...p, annotations: [] })), relations: [] };
}

/**
 * The tagger's mentions of bare copies of `docs`, 64 documents per call (sentences of one call
 * share batches; the chunks bound the memory of a whole test set), with progress after each.
 */
export async function tagBareDocuments(
  tagger: NerTagger,
  docs: readonly Document[],
  options: TagOptions & { onProgress?: (done: number, total: number) => void },
): Promise<PredictedMention[][]> {
  const { onProgress, ...tag } = options;
  const out: PredictedMention[][] = [];
  const chunk = 64;
  for (let s = 0; s < docs.length; s += chunk) {
    out.push(...(await tagger.tagDocuments(docs.slice(s, s + chunk).map(bareCopy), tag)));
    onProgress?.(Math.min(docs.length, s + chunk), docs.length);
  }
  return out;
}

/** One predicted mention (ECE of mention scores; `biore ner calibrate`): its score, whether consistency added it, whether it is right. */
export interface MentionScorePoint {
  type: NerType;
  score: number;
  propagated: boolean;
  /** The mention rule that added it, if one did. */
  addedByRule?: string;
  correct: boolean;
}

/** The points of one document's predictions of `types` against its gold mentions. */
export function mentionScorePoints(gold: Document, predicted: readonly PredictedMention[], types: readonly NerType[]): MentionScorePoint[] {
  const keys = new Set(typedMentions(gold, types).map((m) => `${m.type}:${m.span.start}:${m.span.end}`));
  return predicted
    .filter((m) => types.includes(m.type))
    .map((m) => ({ type: m.type, score: m.score, propagated: m.propagated === true, ...(m.addedByRule === undefined ? {} : { addedByRule: m.addedByRule }), correct: keys.has(`${m.type}:${m.span.start}:${m.span.end}`) }));
}

/** Concept-level scores of predicted mentions normalized with `lex`, against the gold documents' concepts. */
export function scorePredictedConcepts(gold: readonly Document[], predicted: readonly (readonly PredictedMention[])[], types: readonly NerType[], lex: Lexicon): { micro: Score; byType: Record<string, Score> } {
  const normalized = gold.map((d, i) => {
    const c = bareCopy(d);
    applyMentions(c, predicted[i]!);
    normalizeDocument(c, lex);
    return c;
  });
  return scoreConcepts(gold, normalized, types);
}

/** A copy keeping the annotations but without their ids or relations. */
function idlessCopy(d: Document): Document {
  return { ...d, passages: d.passages.map((p) => ({ ...p, annotations: p.annotations.map((a) => ({ ...a, ids: [], attributes: {} })) })), relations: [] };
}

export interface NerEvaluation {
  task: string;
  corpus: string;
  split: string;
  model: string;
  precision: number;
  recall: number;
  f1: number;
  byType: Record<string, Score>;
  tp: number;
  fp: number;
  fn: number;
  documents: number;
  seconds: number;
  /**
   * How well the mention scores the tagger reports match how often a mention is right (exact
   * span and type): ECE in percent over 10 bins, and whether the folder calibrates its scores.
   */
  confidence: { ece: number; mentions: number; calibrated: boolean };
  /** BC5CDR and BioRED genes with a lexicon: concept-level scores. */
  normalization?: { predictedMentions: { precision: number; recall: number; f1: number; byType: Record<string, Score> }; goldMentions: { precision: number; recall: number; f1: number; byType: Record<string, Score> }; lexicon: string };
}

/** Evaluate a tagger folder (and, for ner-bc5cdr, a lexicon file) on a public task name. */
export async function evaluateNer(taskName: string, modelDir: string, options: { threads?: number; lexicon?: string; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<NerEvaluation> {
  const spec = NER_EVAL_TASKS[taskName];
  if (!spec) throw new Error(`unknown mention task "${taskName}" (use ${Object.keys(NER_EVAL_TASKS).join(', ')})`);
  const tagger = await loadNerTagger(modelDir, options.threads === undefined ? {} : { threads: options.threads });
  try {
    const gold = (await loadSplit(spec.corpus, spec.split)).documents;
    const t0 = performance.now();
    const predicted = await tagBareDocuments(tagger, gold, { types: spec.types, ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    const seconds = (performance.now() - t0) / 1000;
    const m = scoreMentions(gold, predicted, spec.types);
    const points = gold.flatMap((d, i) => mentionScorePoints(d, predicted[i]!, spec.types));
    const ece = expectedCalibrationError(
      points.map((p) => p.score),
      points.map((p) => p.correct),
    ).ece;
    const confidence = { ece: round(ece), mentions: points.length, calibrated: tagger.calibration !== undefined };
    const out: NerEvaluation = { task: taskName, corpus: spec.corpus, split: spec.split, model: modelDir, precision: m.micro.precision, recall: m.micro.recall, f1: m.micro.f1, byType: m.byType, tp: m.micro.tp, fp: m.micro.fp, fn: m.micro.fn, documents: gold.length, seconds: round(seconds), confidence };
    if (options.lexicon && spec.normalization) {
      const lex = loadLexicon(options.lexicon);
      const fromGold = gold.map((d) => {
        const c = idlessCopy(d);
        normalizeDocument(c, lex);
        return c;
      });
      const a = scorePredictedConcepts(gold, predicted, spec.types, lex);
      const b = scoreConcepts(gold, fromGold, spec.types);
      out.normalization = {
        predictedMentions: { precision: a.micro.precision, recall: a.micro.recall, f1: a.micro.f1, byType: a.byType },
        goldMentions: { precision: b.micro.precision, recall: b.micro.recall, f1: b.micro.f1, byType: b.byType },
        lexicon: options.lexicon,
      };
    }
    return out;
  } finally {
    await tagger.dispose();
  }
}

/** End-to-end BC5CDR CID from raw text: predicted mentions + normalization + relation model. */
export async function evaluateCdrFromText(
  tagger: Parameters<typeof annotateDocuments>[1]['tagger'],
  lexicon: Lexicon,
  relations: RelationSuggester,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ precision: number; recall: number; f1: number; tp: number; fp: number; fn: number; documents: number; predictedRelations: number; localPairs: LocalPairs; seconds: number }> {
  const gold = (await loadSplit('bc5cdr', 'test')).documents;
  const docs = gold.map(bareCopy);
  const t0 = performance.now();
  await annotateDocuments(docs, {
    ...(tagger ? { tagger } : {}),
    lexicon,
    relations,
    types: ['Chemical', 'Disease'],
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (p) => options.onProgress?.(p.done, p.total),
  });
  const seconds = (performance.now() - t0) / 1000;
  // Scored as submitted: CID pairs of MeSH ids only (evaluation/submission.ts).
  const submitted = submittedDocuments('cdr', docs);
  const s = scoreCdr(gold, submitted.documents);
  const all = scoreCdr(gold, docs).micro;
  return {
    precision: round(s.micro.precision),
    recall: round(s.micro.recall),
    f1: round(s.micro.f1),
    tp: s.micro.tp,
    fp: s.micro.fp,
    fn: s.micro.fn,
    documents: gold.length,
    predictedRelations: docs.reduce((n, d) => n + d.relations.length, 0),
    localPairs: { leftOut: submitted.leftOut, withThem: { precision: round(all.precision), recall: round(all.recall), f1: round(all.f1) } },
    seconds: round(seconds),
  };
}
