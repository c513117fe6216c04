/**
 * `annotate`: the full pipeline on documents, in core (the CLI and the extension's worker call
 * it): sentence split → tokens → mention tagger → normalization (lexicon, abbreviations,
 * document-local ids) → relation predictor (when one is given) → suggested relations.
 *
 * Mentions already in a document (a PubTator or BioC file that has them) are kept as given, and
 * only their missing ids are filled, unless `redetect` asks for fresh mentions. Documents are
 * processed in batches (all sentences of a batch share model calls); `signal` cancels between
 * model calls, `onProgress` reports documents done.
 */
import type { Document } from '../document/document';
import { addSuggestedRelations, type PredictionLike } from './suggestionPolicy';
import { documentAnnotations } from '../document/document';
import type { Lexicon } from '../inference/normalization/lexicon';
import { normalizeDocument } from '../inference/normalization/lexicon';
import type { NerTagger } from '../inference/mentions/nerTagger';
import { applyMentions } from '../inference/mentions/nerTagger';
import type { NerType } from '../inference/mentions/tags';

/** The part of the relation predictor annotate uses (relations/relationPredictor.ts). */
export interface RelationSuggester {
  predict(doc: Document, options?: { signal?: AbortSignal }): Promise<PredictionLike[]>;
}

export interface AnnotateOptions {
  tagger?: NerTagger;
  lexicon?: Lexicon;
  relations?: RelationSuggester;
  /** Detect mentions even in documents that already have some (their mentions are replaced). */
  redetect?: boolean;
  /** Types to detect (default: all the tagger knows). */
  types?: readonly NerType[];
  /** Documents per tagger batch (default 16). */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number }) => void;
}

/** What happened to one document. */
export interface AnnotateReport {
  detected: boolean;
  mentions: number;
  normalized: Record<string, number>;
  relations: number;
}

/**
 * Annotate documents in place; returns one report per document. Relations the predictor suggests
 * are appended by the suggestion policy (`addSuggestedRelations`): status `suggested`, the
 * evidence span in `attributes.evidence` (`start-end`), the task in `attributes.task`.
 */
export async function annotateDocuments(docs: readonly Document[], o: AnnotateOptions): Promise<AnnotateReport[]> {
  const reports: AnnotateReport[] = docs.map(() => ({ detected: false, mentions: 0, normalized: {}, relations: 0 }));
  const bs = Math.max(1, o.batchSize ?? 16);
  for (let s = 0; s < docs.length; s += bs) {
    o.signal?.throwIfAborted();
    const batch = docs.slice(s, s + bs);
    const toTag = batch.map((d, i) => ({ d, i: s + i })).filter(({ d }) => o.tagger && (o.redetect || documentAnnotations(d).length === 0));
    if (o.tagger && toTag.length) {
      const found = await o.tagger.tagDocuments(
        toTag.map((x) => x.d),
        { ...(o.types ? { types: o.types } : {}), ...(o.signal ? { signal: o.signal } : {}) },
      );
      toTag.forEach((x, k) => {
        applyMentions(x.d, found[k]!);
        reports[x.i]!.detected = true;
      });
    }
    for (let k = 0; k < batch.length; k++) {
      const d = batch[k]!;
      const r = reports[s + k]!;
      if (o.lexicon) r.normalized = normalizeDocument(d, o.lexicon);
      r.mentions = documentAnnotations(d).length;
      if (o.relations) {
        // A suggestion equal to a relation the document already has is not added again: a
        // curated file keeps its relations as they are.
        r.relations = addSuggestedRelations(d, await o.relations.predict(d, o.signal ? { signal: o.signal } : {})).added;
      }
    }
    o.onProgress?.({ done: Math.min(docs.length, s + bs), total: docs.length });
  }
  return reports;
}

/** Annotate one document in place. */
export async function annotate(doc: Document, o: AnnotateOptions): Promise<AnnotateReport> {
  return (await annotateDocuments([doc], o))[0]!;
}

/**
 * The document re-laid out as PubTator lays text out: the first passage at offset 0, each next
 * passage one space after the previous one, mention offsets moved with their passage. Plain text
 * files put the title after a PMID line (offset > 0), which PubTator cannot represent.
 */
export function pubTatorLayout(doc: Document): Document {
  let at = 0;
  const passages = doc.passages.map((p) => {
    const delta = at - p.offset;
    at += p.text.length + 1;
    return { ...p, offset: p.offset + delta, annotations: p.annotations.map((a) => ({ ...a, spans: a.spans.map((s) => ({ start: s.start + delta, end: s.end + delta })) })) };
  });
  return { ...doc, passages };
}
