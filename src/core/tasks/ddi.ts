/**
 * DDI-2013 candidates: every unordered pair of annotated drug mentions of one sentence.
 *
 * A DDI document's passages are its gold sentences (the reader makes one passage per
 * `<sentence>`), so no splitter runs: the pairs are exactly the corpus's `<pair>` elements.
 */
import type { Document } from '../document/document';
import type { Candidate, CandidateOptions } from './candidatePairs';
import { SentenceIndex, candidateLabels, makeCandidate, mentionArg, passageSentences, sameSurface } from './candidatePairs';
import { DDI_FILTER_RULES, ddiPairFilter, type DdiFilterRule } from './ddiFilters';

/**
 * One candidate per pair (i, j), i < j in the passage's mention order (the corpus's entity order
 * e0, e1, ..., which is textual order), head = mention i. Evidence is the passage (sentence);
 * always intra-sentence. Labels: mechanism, effect, advise, int, or `none`. A pair of two
 * mentions of the same drug name is skipped (`sameSurface`); the scorer still counts a gold
 * relation between them as missed.
 */
export function ddiCandidates(doc: Document, options: DdiCandidateOptions = {}): Candidate[] {
  return ddiPairs(doc, options)
    .filter((p) => !p.filteredBy)
    .map((p) => p.candidate);
}

/** Options of the DDI generator: labels (see CandidateOptions) and the negative-pair filters. */
export interface DdiCandidateOptions extends Pick<CandidateOptions, 'labels'> {
  /** Apply the negative-pair filters of ddiFilters.ts (default DDI_FILTERS_DEFAULT). */
  negativeFilters?: boolean;
}

/**
 * Whether DDI candidates are filtered by default: measured with the shipped model on its held-out
 * training documents (`biore evaluate --task ddi --split heldout`, docs/results.md).
 */
export const DDI_FILTERS_DEFAULT = false;

/** Every pair the generator considers, with the filter rule that removes it (if one does). */
export function ddiPairs(doc: Document, options: DdiCandidateOptions = {}): { candidate: Candidate; filteredBy?: DdiFilterRule }[] {
  const gold = candidateLabels('ddi', doc, options);
  const filters = options.negativeFilters ?? DDI_FILTERS_DEFAULT;
  const index = new SentenceIndex(passageSentences(doc));
  const out: { candidate: Candidate; filteredBy?: DdiFilterRule }[] = [];
  doc.passages.forEach((p, pi) => {
    const where = { evidence: index.spans([pi]), intraSentence: true, sentenceDistance: 0 };
    const ms = p.annotations;
    const rule = filters ? ddiPairFilter(p, ms) : undefined;
    for (let i = 0; i < ms.length; i++) {
      for (let j = i + 1; j < ms.length; j++) {
        if (sameSurface(ms[i]!, ms[j]!)) continue;
        const candidate = makeCandidate('ddi', doc, mentionArg(ms[i]!), mentionArg(ms[j]!), where, gold);
        const filteredBy = rule?.(i, j);
        out.push(filteredBy ? { candidate, filteredBy } : { candidate });
      }
    }
  });
  return out;
}

/** Per filter rule: pairs removed and gold positive pairs among them (labelled documents). */
export function ddiFilterStats(docs: readonly Document[]): Record<DdiFilterRule | 'kept', { pairs: number; positives: number }> {
  const out = Object.fromEntries([...DDI_FILTER_RULES, 'kept'].map((r) => [r, { pairs: 0, positives: 0 }])) as Record<DdiFilterRule | 'kept', { pairs: number; positives: number }>;
  for (const d of docs) {
    for (const p of ddiPairs(d, { negativeFilters: true })) {
      const row = out[p.filteredBy ?? 'kept'];
      row.pairs++;
      if (p.candidate.label !== 'none') row.positives++;
    }
  }
  return out;
}
