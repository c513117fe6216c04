/**
 * BC5CDR chemical-induced disease candidates: chemical-disease CONCEPT pairs of a document
 * (the CID relations are document-level, between MeSH ids).
 */
import type { Annotation, Document } from '../document/document';
import { documentAnnotations } from '../document/document';
import type { Candidate, CandidateOptions, SentenceRange } from './candidatePairs';
import { SentenceIndex, candidateLabels, candidatesByDocument, conceptArg, documentSentences, groupConcepts, makeCandidate, pairEvidence } from './candidatePairs';
import { CDR_CHEMICAL, CDR_DISEASE } from './definitions';

/**
 * One candidate per (chemical concept, disease concept) of the document, head = chemical.
 * Mentions are grouped by id: mentions without an id (`-1`) are skipped, a composite mention
 * (`D1|D2`) counts for each id. A pair of the same id (a MeSH id tagged both ways) is skipped.
 * Evidence: the sentences where both co-occur, else the closest pair of sentences
 * (see `pairEvidence`). Labels: CID or `none`.
 */
export function cdrCandidates(doc: Document, options: CandidateOptions = {}): Candidate[] {
  const gold = candidateLabels('cdr', doc, options);
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

/**
 * Where each document's title ends (document offset), for documents with a separate title
 * passage (PubTator, BioC); plain text has none.
 */
export function titleEnds(docs: readonly Document[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of docs) {
    const t = d.passages[0];
    if (d.passages.length > 1 && t) out.set(d.id, t.offset + t.text.length);
  }
  return out;
}

/** Which fallback proposed a candidate: a chemical of the title, or the document's most mentioned chemical. */
export type CdrFallbackRule = 'title-chemical' | 'frequent-chemical';
export const CDR_FALLBACK_RULES: ReadonlySet<CdrFallbackRule> = new Set(['title-chemical', 'frequent-chemical']);

/**
 * The document-level fallback BC5CDR systems use (e.g. Gu et al. 2017): an abstract is in the
 * corpus because it reports chemical-induced diseases, so when the model finds no CID pair in a
 * document, its title's chemicals are paired with every disease of the document; a title without
 * a chemical hands the role to the chemical with the most mentions (the first of equals). Only
 * documents with a separate title passage (PubTator, BioC) qualify. Returns the candidates to
 * predict CID and the rule that chose each; `positive(i)` says whether the model predicted
 * candidate i positive. Chosen on BC5CDR dev (`evaluate --task bc5cdr --split dev`): title
 * chemicals 50.18 → 53.98 with the merged model shipped before; the most-mentioned chemical
 * another +0.4 and +0.2 with two models trained without dev (docs/results.md).
 */
export function cdrTitleFallback(docs: readonly Document[], candidates: readonly Candidate[], positive: (i: number) => boolean, rules: ReadonlySet<CdrFallbackRule> = CDR_FALLBACK_RULES): { index: number; rule: CdrFallbackRule }[] {
  const titleEnd = titleEnds(docs);
  const byDoc = candidatesByDocument(candidates);
  const out: { index: number; rule: CdrFallbackRule }[] = [];
  for (const [id, idx] of byDoc) {
    const end = titleEnd.get(id);
    if (end === undefined || idx.some(positive)) continue;
    const inTitle = idx.filter((i) => candidates[i]!.head.mentions.some((m) => m.spans[0]!.start < end));
    if (inTitle.length > 0) {
      if (rules.has('title-chemical')) for (const i of inTitle) out.push({ index: i, rule: 'title-chemical' });
      continue;
    }
    if (!rules.has('frequent-chemical')) continue;
    let best: string | undefined;
    let most = 0;
    for (const i of idx) {
      const c = candidates[i]!;
      if (c.head.mentions.length > most) {
        most = c.head.mentions.length;
        best = c.head.id;
      }
    }
    for (const i of idx) if (candidates[i]!.head.id === best) out.push({ index: i, rule: 'frequent-chemical' });
  }
  return out;
}
