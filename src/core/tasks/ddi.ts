/**
 * DDI-2013 candidates: every unordered pair of annotated drug mentions of one sentence.
 *
 * A DDI document's passages are its gold sentences (the reader makes one passage per
 * `<sentence>`), so no splitter runs: the pairs are exactly the corpus's `<pair>` elements.
 */
import type { Document } from '../document/document';
import type { Candidate, CandidateOptions } from './candidatePairs';
import { SentenceIndex, candidateLabels, makeCandidate, mentionArg, passageSentences, sameSurface } from './candidatePairs';

/**
 * One candidate per pair (i, j), i < j in the passage's mention order (the corpus's entity order
 * e0, e1, ..., which is textual order), head = mention i. Evidence is the passage (sentence);
 * always intra-sentence. Labels: mechanism, effect, advise, int, or `none`. A pair of two
 * mentions of the same drug name is skipped (`sameSurface`); the scorer still counts a gold
 * relation between them as missed.
 */
export function ddiCandidates(doc: Document, options: Pick<CandidateOptions, 'labels'> = {}): Candidate[] {
  const gold = candidateLabels('ddi', doc, options);
  const index = new SentenceIndex(passageSentences(doc));
  const out: Candidate[] = [];
  doc.passages.forEach((p, pi) => {
    const where = { evidence: index.spans([pi]), intraSentence: true, sentenceDistance: 0 };
    const ms = p.annotations;
    for (let i = 0; i < ms.length; i++) {
      for (let j = i + 1; j < ms.length; j++) {
        if (sameSurface(ms[i]!, ms[j]!)) continue;
        out.push(makeCandidate('ddi', doc, mentionArg(ms[i]!), mentionArg(ms[j]!), where, gold));
      }
    }
  });
  return out;
}
