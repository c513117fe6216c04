/**
 * The candidate: one relation instance a model classifies, plus the building blocks the
 * per-task generators share (sentences in document offsets, mention-to-sentence placement,
 * evidence selection, gold-label lookup).
 *
 * Offsets follow the model: document-absolute, 0-based, end-exclusive.
 */
import type { Annotation, Document, Span } from '../document/document';
import { annotationExtent } from '../document/document';
import { localConceptId } from '../document/conceptIds';
import { splitSentences } from '../text/sentences';
import type { Novelty, TaskName } from './definitions';
import { NONE, TASK_RELATION_TYPES, canonicalNovelty, isUndirected, pairKey, relationKeys } from './definitions';

/** One mention of a candidate argument. */
export interface CandidateMention {
  /** Annotation id in the document. */
  id: string;
  /** The mention's spans (several for a discontinuous mention), document offsets. */
  spans: Span[];
}

/**
 * One side of a candidate.
 * Mention-level tasks (DDI, DrugProt) have `kind: 'mention'`: `id` is the annotation id and
 * `mentions` holds that one mention. Concept-level tasks (CDR, BioRED) have `kind: 'concept'`:
 * `id` is the normalized concept id and `mentions` all its mentions in document order (a
 * composite mention appears under each of its ids).
 */
export interface CandidateArg {
  kind: 'mention' | 'concept';
  /** What a relation argument refers to: annotation id or concept id. */
  id: string;
  /** Entity type (for a concept, the type most of its mentions carry; first seen on a tie). */
  type: string;
  mentions: CandidateMention[];
}

/**
 * A relation instance to classify. Its label set comes from the gold relations of the document
 * (empty when the document has none, e.g. at prediction time).
 */
export interface Candidate {
  task: TaskName;
  documentId: string;
  /** `documentId:headId->tailId`; unique per task and document. */
  id: string;
  head: CandidateArg;
  tail: CandidateArg;
  /**
   * True when head -> tail carries meaning (DrugProt chemical -> gene, CDR chemical ->
   * disease); false when the order is only canonical (DDI: mention order; BioRED: order of
   * first mention) and the relation is symmetric.
   */
  directed: boolean;
  /**
   * The single training label: the gold type, or `none`. When a pair has several gold types
   * (DrugProt multi-label pairs) it is the first of them in the task's type order; `labels`
   * has them all.
   */
  label: string;
  /** All gold types of the pair in the task's type order; empty for a negative pair. */
  labels: string[];
  /** BioRED only: the gold relation's novelty; absent for negatives and other tasks. */
  novelty?: Novelty;
  /**
   * The sentences a model reads, sorted, in document offsets: the sentence(s) holding both
   * arguments when `intraSentence`, else the sentences of the closest mention pair.
   */
  evidence: Span[];
  /** Whether some mention of the head and some mention of the tail share a sentence. */
  intraSentence: boolean;
  /** 0 when intra-sentence, else how many sentence boundaries separate the closest mentions. */
  sentenceDistance: number;
}

/** Candidate indexes grouped by document, in the order documents first appear. */
export function candidatesByDocument(candidates: readonly Candidate[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  candidates.forEach((c, i) => {
    const list = out.get(c.documentId);
    if (list) list.push(i);
    else out.set(c.documentId, [i]);
  });
  return out;
}

/** Options shared by the generators. */
export interface CandidateOptions {
  /**
   * Sentence splitter for one passage's text, returning text-relative spans (default
   * `splitSentences`). Ignored by DDI, whose passages already are the gold sentences.
   */
  splitter?: (text: string) => Span[];
  /**
   * Label candidates from the document's own relations (default true: training and scoring).
   * Prediction passes false: no gold is looked up, so a file's relations of another task's
   * vocabulary (a CDR `CID` seen by the DDI model) cannot get in the way, and every label is none.
   */
  labels?: boolean;
}

/**
 * A document's sentences in document offsets, sorted: each passage split separately (a
 * sentence never crosses a passage boundary such as title/abstract); a passage the splitter
 * returns nothing for but that has text becomes one sentence.
 */
export function documentSentences(doc: Document, splitter: (text: string) => Span[] = splitSentences): Span[] {
  const out: Span[] = [];
  for (const p of doc.passages) {
    const spans = splitter(p.text);
    if (spans.length === 0 && p.text.trim() !== '') out.push({ start: p.offset, end: p.offset + p.text.length });
    for (const s of spans) out.push({ start: p.offset + s.start, end: p.offset + s.end });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The passages as sentences (DDI: one passage per gold sentence). */
export function passageSentences(doc: Document): Span[] {
  return doc.passages.map((p) => ({ start: p.offset, end: p.offset + p.text.length }));
}

/** An inclusive range of sentence indexes. */
export interface SentenceRange {
  first: number;
  last: number;
}

/**
 * Places spans in sentences. A mention usually lies in one sentence; when a splitter error cuts
 * through it the mention covers several, and it counts as being in each (so a bad split inside
 * an entity name does not hide an intra-sentence pair).
 */
export class SentenceIndex {
  readonly sentences: readonly Span[];

  constructor(sentences: readonly Span[]) {
    this.sentences = sentences;
  }

  /** Index of the last sentence starting at or before `offset` (0 when none does). */
  private at(offset: number): number {
    let lo = 0;
    let hi = this.sentences.length - 1;
    let ans = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.sentences[mid]!.start <= offset) {
        ans = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return ans;
  }

  /** The sentences a mention's extent touches (inclusive range). */
  rangeOf(a: Annotation): SentenceRange {
    const e = annotationExtent(a);
    const first = this.at(e.start);
    // end is exclusive: the last character is at end - 1.
    const last = Math.max(first, this.at(Math.max(e.start, e.end - 1)));
    return { first, last };
  }

  /** The sentence spans of the given indexes, sorted and without duplicates. */
  spans(indexes: Iterable<number>): Span[] {
    return [...new Set(indexes)].sort((a, b) => a - b).flatMap((i) => {
      const s = this.sentences[i];
      return s ? [{ start: s.start, end: s.end }] : [];
    });
  }
}

/** Indexes `first..last` of a range. */
function indexesOf(r: SentenceRange): number[] {
  const out: number[] = [];
  for (let i = r.first; i <= r.last; i++) out.push(i);
  return out;
}

/** Where a pair of arguments is read from. */
export interface PairEvidence {
  evidence: Span[];
  intraSentence: boolean;
  sentenceDistance: number;
}

/**
 * Evidence for two arguments given the sentence ranges of their mentions.
 * Intra-sentence when some pair of mentions shares a sentence: the evidence is every sentence
 * of every co-occurring mention pair (all places the two are discussed together). Otherwise the
 * closest mention pair (fewest sentence boundaries between them; the earliest on a tie)
 * contributes its two sentence ranges, without the sentences in between.
 */
export function pairEvidence(index: SentenceIndex, a: readonly SentenceRange[], b: readonly SentenceRange[]): PairEvidence {
  const shared: number[] = [];
  let best: { ra: SentenceRange; rb: SentenceRange; gap: number; from: number } | undefined;
  for (const ra of a) {
    for (const rb of b) {
      const gap = Math.max(ra.first, rb.first) - Math.min(ra.last, rb.last);
      if (gap <= 0) {
        shared.push(...indexesOf({ first: Math.min(ra.first, rb.first), last: Math.max(ra.last, rb.last) }));
      } else {
        const from = Math.min(ra.first, rb.first);
        if (!best || gap < best.gap || (gap === best.gap && from < best.from)) best = { ra, rb, gap, from };
      }
    }
  }
  if (shared.length > 0) return { evidence: index.spans(shared), intraSentence: true, sentenceDistance: 0 };
  if (!best) return { evidence: [], intraSentence: false, sentenceDistance: 0 };
  return {
    evidence: index.spans([...indexesOf(best.ra), ...indexesOf(best.rb)]),
    intraSentence: false,
    sentenceDistance: best.gap,
  };
}

/**
 * Two mentions that name the same thing by the same word (case, spacing and a plural `s` aside):
 * "aspirin ... aspirin", "Antacids ... antacid". Such a pair is no relation candidate at the
 * mention level: a drug does not interact with itself, and a chemical tagged again as a gene is
 * one entity. In the corpora (`biore corpus stats`): DDI train 2,060 such pairs hold 6 of 3,989
 * gold pairs, test 388 pairs hold none; DrugProt train 595 pairs (recall ceiling 99.99 → 99.97 %),
 * dev 175 pairs none. The CNN cannot see the sameness (both names are blinded), so left in, these pairs
 * cost precision: 30 of the 841 DDI test suggestions of the CNN shipped before this rule.
 */
export function sameSurface(a: Annotation, b: Annotation): boolean {
  const key = (m: Annotation): string => m.text.toLowerCase().replace(/\s+/g, ' ').trim().replace(/s$/, '');
  return key(a) === key(b);
}

/** A mention-level candidate argument. */
export function mentionArg(a: Annotation): CandidateArg {
  return { kind: 'mention', id: a.id, type: a.type, mentions: [{ id: a.id, spans: a.spans.map((s) => ({ ...s })) }] };
}

/** A concept with its mentions, as the concept-level generators group them. */
export interface ConceptGroup {
  id: string;
  type: string;
  mentions: Annotation[];
}

/**
 * Group mentions by concept id (a composite mention joins the group of each of its ids; a mention
 * without an id joins its document-local concept, `localConceptId`: mentions are never paired as
 * if "no id" were one concept). Groups come in order of first mention; each group's type is the
 * type most of its mentions carry.
 */
export function groupConcepts(mentions: readonly Annotation[]): ConceptGroup[] {
  const groups = new Map<string, Annotation[]>();
  for (const m of mentions) {
    for (const id of new Set(m.ids.length ? m.ids : [localConceptId(m.type, m.text)])) {
      const g = groups.get(id);
      if (g) g.push(m);
      else groups.set(id, [m]);
    }
  }
  return [...groups].map(([id, ms]) => ({ id, type: majorityType(ms), mentions: ms }));
}

function majorityType(ms: readonly Annotation[]): string {
  const counts = new Map<string, number>();
  for (const m of ms) counts.set(m.type, (counts.get(m.type) ?? 0) + 1);
  let best = '';
  let n = 0;
  for (const [t, c] of counts) {
    if (c > n) {
      best = t;
      n = c;
    }
  }
  return best;
}

/** A concept-level candidate argument. */
export function conceptArg(g: ConceptGroup): CandidateArg {
  return {
    kind: 'concept',
    id: g.id,
    type: g.type,
    mentions: g.mentions.map((m) => ({ id: m.id, spans: m.spans.map((s) => ({ ...s })) })),
  };
}

/** Gold labels of one argument pair. */
export interface GoldPair {
  types: Set<string>;
  novelty: string;
}

/**
 * The gold relations of a document by pair key (`pairKey` of the two argument ids, as the
 * scorers build it). Throws `UnknownRelationTypeError` for a relation type the task lacks.
 */
export function goldPairs(task: TaskName, doc: Document, source = 'gold'): Map<string, GoldPair> {
  const out = new Map<string, GoldPair>();
  for (const rel of doc.relations) {
    const keys = relationKeys(task, doc, rel, { source });
    if (keys === NONE) continue;
    for (const k of keys) {
      let g = out.get(k.pair);
      if (!g) {
        g = { types: new Set(), novelty: '' };
        out.set(k.pair, g);
      }
      g.types.add(k.type);
      if (k.novelty) g.novelty = k.novelty;
    }
  }
  return out;
}

/** The pairs' labels a generator uses: the document's gold, or none at all when `labels` is false. */
export function candidateLabels(task: TaskName, doc: Document, options: Pick<CandidateOptions, 'labels'> = {}): Map<string, GoldPair> {
  return options.labels === false ? new Map() : goldPairs(task, doc);
}

/** Assemble a candidate, taking its labels from `gold`. */
export function makeCandidate(
  task: TaskName,
  doc: Document,
  head: CandidateArg,
  tail: CandidateArg,
  where: PairEvidence,
  gold: ReadonlyMap<string, GoldPair>,
): Candidate {
  const g = gold.get(pairKey(head.id, tail.id, isUndirected(task)));
  const labels = g ? TASK_RELATION_TYPES[task].filter((t) => g.types.has(t)) : [];
  const c: Candidate = {
    task,
    documentId: doc.id,
    id: `${doc.id}:${head.id}->${tail.id}`,
    head,
    tail,
    directed: !isUndirected(task),
    label: labels[0] ?? NONE,
    labels,
    evidence: where.evidence,
    intraSentence: where.intraSentence,
    sentenceDistance: where.sentenceDistance,
  };
  if (task === 'biored' && g) {
    const n = canonicalNovelty(g.novelty);
    if (n === 'Novel' || n === 'No') c.novelty = n;
  }
  return c;
}

/** The evidence window: from the first evidence span's start to the last's end. */
export function evidenceWindow(c: Candidate): Span {
  let start = Infinity;
  let end = -Infinity;
  for (const s of c.evidence) {
    start = Math.min(start, s.start);
    end = Math.max(end, s.end);
  }
  return { start, end };
}
