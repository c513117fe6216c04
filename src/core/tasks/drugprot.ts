/**
 * DrugProt candidates: every (chemical mention, gene mention) pair that shares a sentence,
 * directed chemical -> gene (Arg1 -> Arg2), as the DrugProt relations are.
 */
import type { Annotation, Document } from '../document/document';
import { documentAnnotations } from '../document/document';
import type { Candidate, CandidateOptions, SentenceRange } from './candidatePairs';
import { SentenceIndex, candidateLabels, documentSentences, makeCandidate, mentionArg, pairEvidence, sameSurface } from './candidatePairs';
import { DRUGPROT_CHEMICAL_TYPES, DRUGPROT_GENE_TYPES } from './definitions';

/**
 * Candidates of one DrugProt document, chemicals in document order, each with the genes of its
 * sentence(s) in document order. Sentences come from `options.splitter` (default
 * `splitSentences`) per passage. A pair with several gold types gets them all in `labels`. A
 * chemical and a gene mention with the same surface (one entity tagged both ways) is skipped
 * (`sameSurface`).
 */
export function drugprotCandidates(doc: Document, options: CandidateOptions = {}): Candidate[] {
  const gold = candidateLabels('drugprot', doc, options);
  const index = new SentenceIndex(documentSentences(doc, options.splitter));
  const mentions = documentAnnotations(doc);
  const placed = (types: ReadonlySet<string>): Array<{ a: Annotation; r: SentenceRange }> =>
    mentions.filter((a) => types.has(a.type)).map((a) => ({ a, r: index.rangeOf(a) }));
  const chems = placed(DRUGPROT_CHEMICAL_TYPES);
  const genes = placed(DRUGPROT_GENE_TYPES);
  const out: Candidate[] = [];
  for (const c of chems) {
    for (const g of genes) {
      const where = pairEvidence(index, [c.r], [g.r]);
      if (!where.intraSentence || sameSurface(c.a, g.a)) continue;
      out.push(makeCandidate('drugprot', doc, mentionArg(c.a), mentionArg(g.a), where, gold));
    }
  }
  return out;
}
