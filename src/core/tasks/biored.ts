/**
 * BioRED candidates: concept pairs of a document over the entity types BioRED relates, with
 * type pairs restricted to those that occur in gold relations.
 */
import type { Document } from '../document/document';
import { documentAnnotations } from '../document/document';
import type { Candidate, CandidateOptions, SentenceRange } from './candidatePairs';
import { SentenceIndex, candidateLabels, conceptArg, documentSentences, groupConcepts, makeCandidate, pairEvidence } from './candidatePairs';
import { NONE, relationKeys } from './definitions';

/** The entity types BioRED relations connect (OrganismTaxon and CellLine never take part). */
export const BIORED_RELATED_TYPES: ReadonlySet<string> = new Set([
  'GeneOrGeneProduct',
  'ChemicalEntity',
  'DiseaseOrPhenotypicFeature',
  'SequenceVariant',
]);

/** Key of an unordered entity-type pair (`A+B`, sorted). */
export function typePairKey(a: string, b: string): string {
  return a <= b ? `${a}+${b}` : `${b}+${a}`;
}

/**
 * The unordered entity-type pairs of gold BioRED relations, measured with
 * `bioredTypePairCounts` on the training set (Train.PubTator.txt, 4178 relations): the 8 pairs
 * the BioRED paper lists, each with 12 to 1045 relations, and the same 8 in Dev and Test. The
 * one GeneOrGeneProduct-SequenceVariant relation of Train (1 of 4178, none in Dev or Test) is
 * left out: admitting the pair would add every gene-variant pair of every document as a
 * negative candidate for one positive.
 */
export const BIORED_TYPE_PAIRS: ReadonlySet<string> = new Set([
  typePairKey('ChemicalEntity', 'ChemicalEntity'),
  typePairKey('ChemicalEntity', 'DiseaseOrPhenotypicFeature'),
  typePairKey('ChemicalEntity', 'GeneOrGeneProduct'),
  typePairKey('ChemicalEntity', 'SequenceVariant'),
  typePairKey('DiseaseOrPhenotypicFeature', 'GeneOrGeneProduct'),
  typePairKey('DiseaseOrPhenotypicFeature', 'SequenceVariant'),
  typePairKey('GeneOrGeneProduct', 'GeneOrGeneProduct'),
  typePairKey('SequenceVariant', 'SequenceVariant'),
]);

/** Options of the BioRED generator. */
export interface BioRedCandidateOptions extends CandidateOptions {
  /** Allowed unordered type pairs (`typePairKey`); default `BIORED_TYPE_PAIRS`. */
  typePairs?: ReadonlySet<string>;
}

/**
 * Count the unordered entity-type pairs of the gold relations of `docs` (a concept's type is
 * the majority type of its mentions in the document). Pairs whose concepts have no mention
 * are counted under `?`. Use it to derive `typePairs` from a training set.
 */
export function bioredTypePairCounts(docs: readonly Document[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const doc of docs) {
    const types = new Map(groupConcepts(documentAnnotations(doc)).map((g) => [g.id, g.type] as const));
    for (const rel of doc.relations) {
      const keys = relationKeys('biored', doc, rel, { source: 'gold' });
      if (keys === NONE) continue;
      for (const k of keys) {
        const key = typePairKey(types.get(k.args[0]) ?? '?', types.get(k.args[1]) ?? '?');
        out.set(key, (out.get(key) ?? 0) + 1);
      }
    }
  }
  return out;
}

/**
 * One candidate per unordered pair of distinct concepts (of the four related types) whose type
 * pair is allowed; head = the concept mentioned first. A relation of a concept with itself (a
 * homodimer `Bind`: 3 of 4178 training and 1 of 1162 development relations) gets no candidate
 * and shows up as unreachable in `recallCeiling`. Mentions without ids are skipped; a composite
 * mention (`g1,g2`) counts for each id. Evidence as for CDR (`pairEvidence`). Labels: the 8
 * BioRED types or `none`; `novelty` is the gold relation's.
 */
export function bioredCandidates(doc: Document, options: BioRedCandidateOptions = {}): Candidate[] {
  const allowed = options.typePairs ?? BIORED_TYPE_PAIRS;
  const gold = candidateLabels('biored', doc, options);
  const index = new SentenceIndex(documentSentences(doc, options.splitter));
  const concepts = groupConcepts(documentAnnotations(doc).filter((a) => BIORED_RELATED_TYPES.has(a.type)));
  const ranges: SentenceRange[][] = concepts.map((g) => g.mentions.map((m) => index.rangeOf(m)));
  const out: Candidate[] = [];
  for (let i = 0; i < concepts.length; i++) {
    for (let j = i + 1; j < concepts.length; j++) {
      const a = concepts[i]!;
      const b = concepts[j]!;
      if (!allowed.has(typePairKey(a.type, b.type))) continue;
      const where = pairEvidence(index, ranges[i]!, ranges[j]!);
      out.push(makeCandidate('biored', doc, conceptArg(a), conceptArg(b), where, gold));
    }
  }
  return out;
}
