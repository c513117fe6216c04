/**
 * BC5CDR chemical-induced disease candidates: chemical-disease CONCEPT pairs of a document
 * (the CID relations are document-level, between MeSH ids).
 */
import type { Annotation, Document } from '../model/document';
import { documentAnnotations } from '../model/document';
import type { Candidate, CandidateOptions, SentenceRange } from './candidate';
import { SentenceIndex, conceptArg, documentSentences, goldPairs, groupConcepts, makeCandidate, pairEvidence } from './candidate';
import { CDR_CHEMICAL, CDR_DISEASE } from './definitions';

/**
 * One candidate per (chemical concept, disease concept) of the document, head = chemical.
 * Mentions are grouped by id: mentions without an id (`-1`) are skipped, a composite mention
 * (`D1|D2`) counts for each id. A pair of the same id (a MeSH id tagged both ways) is skipped.
 * Evidence: the sentences where both co-occur, else the closest pair of sentences
 * (see `pairEvidence`). Labels: CID or `none`.
 */
export function cdrCandidates(doc: Document, options: CandidateOptions = {}): Candidate[] {
  const gold = goldPairs('cdr', doc);
  const index = new SentenceIndex(documentSentences(doc, options.splitter));
  const mentions = documentAnnotations(doc);
  const chems = groupConcepts(mentions.filter((a) => a.type === CDR_CHEMICAL));
  const diseases = groupConcepts(mentions.filter((a) => a.type === CDR_DISEASE));
  const ranges = new Map<string, SentenceRange>();
  const rangeOf = (a: Annotation): SentenceRange => {
    let r = ranges.get(a.id);
    if (!r) {
      r = index.rangeOf(a);
      ranges.set(a.id, r);
    }
    return r;
  };
  const out: Candidate[] = [];
  for (const c of chems) {
    const cr = c.mentions.map(rangeOf);
    for (const d of diseases) {
      if (c.id === d.id) continue;
      const where = pairEvidence(index, cr, d.mentions.map(rangeOf));
      out.push(makeCandidate('cdr', doc, conceptArg(c), conceptArg(d), where, gold));
    }
  }
  return out;
}
