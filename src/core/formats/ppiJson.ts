/**
 * Reader for the AIMed and HPRD50 protein-protein interaction corpora in the BNLNLP "unified"
 * JSON-lines form: one candidate pair per line,
 * `{id: "<sentence id>_<pair id>", text, relation: [{relation_type, entity_1, entity_1_idx, ...}]}`.
 *
 * Pairs are grouped into one document per sentence (id `AIMed.d193.s1641`); the abstract id
 * (`AIMed.d193`) is kept so callers can regroup. Entity offsets (`entity_k_idx`, `[[start, end]]`)
 * are sentence-relative and end-exclusive, so they carry over unchanged. Positive pairs become
 * `PPI` relations. Every candidate pair, negatives included, with its fold is kept in
 * `attributes.candidatePairs` (see `ppiCandidatePairs`), because HPRD50's folds split sentences
 * at the pair level: one sentence can have pairs in several folds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { createCollection } from '../document/document';
import type { Annotation, Collection, Document, Relation, Span } from '../document/document';
import { DEFAULT_LIMITS, FormatError } from '../shared/errors';

/** One file of pairs (one cross-validation fold). */
export interface PpiInput {
  source: string;
  text: string;
  /** Fold number (test_k.json holds fold k). */
  fold: number;
}

/** A candidate pair as stored in `attributes.candidatePairs`. */
export interface PpiCandidatePair {
  /** The source pair id (`AIMed.d193.s1641.p0`). */
  id: string;
  /** Annotation ids of the two proteins. */
  e1: string;
  e2: string;
  positive: boolean;
  fold: number;
}

const spanList = z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])).min(1);

const pairSchema = z.object({
  relation_type: z.enum(['positive', 'negative']),
  entity_1: z.string(),
  entity_1_idx: spanList,
  entity_1_type: z.string().optional(),
  entity_2: z.string(),
  entity_2_idx: spanList,
  entity_2_type: z.string().optional(),
});

const lineSchema = z.object({
  id: z.string(),
  text: z.string(),
  relation: z.array(pairSchema).min(1),
});

// The source's entity strings were cut from the marked-up text, so nested mentions can carry
// leaked markers ("EPO[/E1] mimetic peptide"); the offsets themselves are right.
const MARKER_RE = /\[\/?E(?:1|2|1-E2)\]/g;

/** Text order: by first span start, then end, so nested mentions come outer-last. */
function byPosition(a: Annotation, b: Annotation): number {
  const x = a.spans[0];
  const y = b.spans[0];
  return (x?.start ?? 0) - (y?.start ?? 0) || (x?.end ?? 0) - (y?.end ?? 0);
}

interface SentenceState {
  doc: Document;
  text: string;
  /** Annotation per span key (`s-e;s-e`), deduplicating mentions shared by several pairs. */
  entities: Map<string, Annotation>;
  pairs: PpiCandidatePair[];
  folds: Set<number>;
}

/**
 * Build one document per sentence from the given fold files. Throws only `FormatError`.
 * `corpus` names the collection (AIMed, HPRD50).
 */
export function parsePpiJsonLines(inputs: readonly PpiInput[], corpus = 'PPI'): Collection {
  const sentences = new Map<string, SentenceState>();
  const pairIds = new Set<string>();
  for (const input of inputs) {
    const lines = input.text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const raw = (lines[i] as string).trim();
      if (raw === '') continue;
      const where = { source: input.source, line: i + 1 };
      if (raw.length > DEFAULT_LIMITS.maxLineLength) throw new FormatError(where, 'line too long');
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch (e) {
        throw new FormatError(where, `invalid JSON: ${(e as Error).message}`);
      }
      const parsed = lineSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new FormatError(where, `unexpected record shape: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
      }
      addLine(parsed.data, input.fold, where, sentences, pairIds);
    }
  }
  const documents: Document[] = [];
  for (const st of sentences.values()) {
    const anns = [...st.entities.values()].sort(byPosition);
    // Ids are given after sorting so they follow text order whatever the line order was.
    const rename = new Map<string, string>();
    anns.forEach((a, k) => {
      const id = `${st.doc.id}.e${k}`;
      rename.set(a.id, id);
      a.id = id;
    });
    const passage = st.doc.passages[0];
    if (passage) passage.annotations = anns;
    for (const p of st.pairs) {
      p.e1 = rename.get(p.e1) ?? p.e1;
      p.e2 = rename.get(p.e2) ?? p.e2;
      if (!p.positive) continue;
      const rel: Relation = {
        id: p.id,
        type: 'PPI',
        args: [
          { role: 'entity1', ref: { kind: 'annotation', id: p.e1 } },
          { role: 'entity2', ref: { kind: 'annotation', id: p.e2 } },
        ],
        attributes: { fold: String(p.fold) },
        status: 'gold',
      };
      st.doc.relations.push(rel);
    }
    st.doc.attributes['fold'] = [...st.folds].sort((a, b) => a - b).join(',');
    st.doc.attributes['candidatePairs'] = JSON.stringify(st.pairs);
    documents.push(st.doc);
  }
  return createCollection({ source: inputs[0]?.source ?? '', key: corpus, attributes: { corpus }, documents });
}

function addLine(
  rec: z.infer<typeof lineSchema>,
  fold: number,
  where: { source: string; line: number },
  sentences: Map<string, SentenceState>,
  pairIds: Set<string>,
): void {
  const cut = rec.id.indexOf('_');
  if (cut <= 0 || cut === rec.id.length - 1) {
    throw new FormatError(where, `id "${rec.id}" is not "<sentence id>_<pair id>"`);
  }
  const sentenceId = rec.id.slice(0, cut);
  const pairId = rec.id.slice(cut + 1);
  if (pairIds.has(rec.id)) throw new FormatError(where, `duplicate pair id ${rec.id}`);
  pairIds.add(rec.id);
  let st = sentences.get(sentenceId);
  if (!st) {
    const abstractId = sentenceId.replace(/\.s\d+$/, '');
    const doc: Document = {
      id: sentenceId,
      passages: [{ offset: 0, text: rec.text, attributes: { type: 'sentence', id: sentenceId }, annotations: [] }],
      relations: [],
      attributes: { corpus: sentenceId.split('.')[0] ?? '', sentenceId, abstractId },
    };
    st = { doc, text: rec.text, entities: new Map(), pairs: [], folds: new Set() };
    sentences.set(sentenceId, st);
  } else if (st.text !== rec.text) {
    throw new FormatError(where, `sentence ${sentenceId} has a different text than on an earlier line`);
  }
  st.folds.add(fold);
  rec.relation.forEach((r, k) => {
    const e1 = entity(st, r.entity_1, r.entity_1_idx, r.entity_1_type, where);
    const e2 = entity(st, r.entity_2, r.entity_2_idx, r.entity_2_type, where);
    const id = rec.relation.length > 1 ? `${pairId}.${k}` : pairId;
    st.pairs.push({ id, e1, e2, positive: r.relation_type === 'positive', fold });
  });
}

/** The (deduplicated) annotation for one side of a pair; returns its provisional id. */
function entity(
  st: SentenceState,
  stated: string,
  idx: [number, number][],
  sourceType: string | undefined,
  where: { source: string; line: number },
): string {
  const spans: Span[] = idx.map(([start, end]) => ({ start, end })).sort((a, b) => a.start - b.start || a.end - b.end);
  for (const s of spans) {
    if (s.start > s.end || s.end > st.text.length) {
      throw new FormatError(where, `entity span [${s.start}, ${s.end}) is outside the sentence (length ${st.text.length})`);
    }
  }
  const key = spans.map((s) => `${s.start}-${s.end}`).join(';');
  const existing = st.entities.get(key);
  if (existing) return existing.id;
  const text = stated.replace(MARKER_RE, '');
  const attributes: Record<string, string> = {};
  if (text !== stated) attributes['sourceText'] = stated;
  if (sourceType !== undefined && sourceType !== 'protein') attributes['sourceType'] = sourceType;
  const ann: Annotation = { id: `#${st.entities.size}`, type: 'Protein', spans, text, ids: [], attributes };
  st.entities.set(key, ann);
  return ann.id;
}

const storedPairs = z.array(
  z.object({ id: z.string(), e1: z.string(), e2: z.string(), positive: z.boolean(), fold: z.number().int() }),
);

/**
 * The candidate pairs (positive and negative, with folds) the reader stored on a document.
 * The attribute may have travelled through other formats, so it is validated on the way back.
 */
export function ppiCandidatePairs(doc: Document): PpiCandidatePair[] {
  const raw = doc.attributes['candidatePairs'];
  if (raw === undefined) return [];
  const where = { source: doc.id, element: 'attributes.candidatePairs' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new FormatError(where, `invalid JSON: ${(e as Error).message}`);
  }
  const parsed = storedPairs.safeParse(json);
  if (!parsed.success) throw new FormatError(where, 'not a list of {id, e1, e2, positive, fold}');
  return parsed.data;
}

/**
 * Read `test_0.json` ... `test_9.json` of a corpus folder (e.g. `aimed/ppi_unified_10fold`); the
 * ten test folds together are the whole corpus.
 */
export function readPpiDirectory(dir: string, corpus?: string): Collection {
  const inputs: PpiInput[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const m = /^test_(\d+)\.json$/.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    inputs.push({ source: file, text: fs.readFileSync(file, 'utf8'), fold: Number(m[1]) });
  }
  inputs.sort((a, b) => a.fold - b.fold);
  if (inputs.length === 0) throw new FormatError({ source: dir }, 'no test_<k>.json files');
  const name = corpus ?? path.basename(path.dirname(path.resolve(dir)));
  const c = parsePpiJsonLines(inputs, name);
  c.source = dir;
  return c;
}
