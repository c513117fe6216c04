/**
 * What a BC5CDR concept pair looks like at the level of its document, beside what the sentence
 * model read: where the two concepts are mentioned (title, co-occurring sentences or not, how far
 * apart), how prominent each is (mentions, the most mentioned of its type), what the model says
 * about the document's other pairs, the MeSH hierarchy among the document's diseases, and how
 * often each concept was chemical-induced-disease related in the training documents. These are
 * the features that maximum-entropy CID systems used beside or on top of sentence models (Gu et
 * al. 2016, 2017): a document-level reader the sentence-window model lacks.
 */
import type { Document } from '../../document/document';
import { isLocalId } from '../../document/conceptIds';
import { candidatesByDocument, type Candidate, type CandidateArg } from '../../tasks/candidatePairs';
import { titleEnds } from '../../tasks/cdr';
import type { MeshHierarchy } from './meshHierarchy';

/** How often a concept took part in a CID pair in the training documents (by side: `head` = chemical, `tail` = disease). */
export interface ConceptPriors {
  /** Share of all training candidate pairs that are CID. */
  base: number;
  /** `h:<id>` / `t:<id>` → [CID pairs, candidate pairs] in the training documents. */
  counts: Record<string, [number, number]>;
}

/** Feature names in the order `pairFeatures` returns them (a stacker file lists the ones it was fitted on). */
export const PAIR_FEATURES = [
  'modelLogit',
  'intraSentence',
  'modelLogitInterSentence',
  'logSentenceDistance',
  'chemicalInTitle',
  'diseaseInTitle',
  'bothInTitle',
  'logChemicalMentions',
  'logDiseaseMentions',
  'mostMentionedChemical',
  'mostMentionedDisease',
  'logChemicalConcepts',
  'logDiseaseConcepts',
  'sameChemicalMaxLogit',
  'sameDiseaseMaxLogit',
  'otherPairsMaxLogit',
  'noOtherPositive',
  'diseaseBroaderThanAnother',
  'diseaseNarrowerThanAnother',
  'chemicalFirstPosition',
  'diseaseFirstPosition',
  'logEvidenceSentences',
  'chemicalPrior',
  'diseasePrior',
  'chemicalLocalId',
  'diseaseLocalId',
] as const;

/** Prior pseudo-counts: a concept seen in few training pairs stays near the base rate. */
const PRIOR_STRENGTH = 2;

const logit = (p: number): number => {
  const q = Math.min(Math.max(p, 1e-4), 1 - 1e-4);
  return Math.log(q / (1 - q));
};

/** Log-odds of a concept's CID rate against the base rate, smoothed towards it (0 for an unseen concept). */
function priorLogOdds(priors: ConceptPriors, key: string): number {
  const [pos, all] = priors.counts[key] ?? [0, 0];
  const b = priors.base;
  return Math.log((pos + PRIOR_STRENGTH * b) / (all - pos + PRIOR_STRENGTH * (1 - b))) - Math.log(b / (1 - b));
}

/** Counts the CID pairs of labelled candidates per concept and side: the priors for `pairFeatures`. */
export function conceptPriors(candidates: readonly Candidate[]): ConceptPriors {
  const counts: Record<string, [number, number]> = {};
  let positives = 0;
  for (const c of candidates) {
    const pos = c.label !== 'none' ? 1 : 0;
    positives += pos;
    for (const key of [`h:${c.head.id}`, `t:${c.tail.id}`]) {
      const v = (counts[key] ??= [0, 0]);
      v[0] += pos;
      v[1] += 1;
    }
  }
  return { base: candidates.length ? Math.min(Math.max(positives / candidates.length, 1e-3), 1 - 1e-3) : 0.5, counts };
}

const firstStart = (a: CandidateArg): number => a.mentions[0]?.spans[0]?.start ?? 0;

/**
 * One feature row per candidate (columns in `PAIR_FEATURES` order). `cidProbability[i]` is the
 * model's calibrated CID probability of candidate i; candidates are BC5CDR concept pairs (head a
 * chemical, tail a disease) and may span several documents. No gold is read.
 */
export function pairFeatures(docs: readonly Document[], candidates: readonly Candidate[], cidProbability: readonly number[], priors: ConceptPriors, mesh?: MeshHierarchy): number[][] {
  const titleEnd = titleEnds(docs);
  const byDoc = candidatesByDocument(candidates);
  const rows = new Array<number[]>(candidates.length);
  for (const [id, idx] of byDoc) {
    const end = titleEnd.get(id);
    const chemicals = new Map<string, CandidateArg>();
    const diseases = new Map<string, CandidateArg>();
    for (const i of idx) {
      chemicals.set(candidates[i]!.head.id, candidates[i]!.head);
      diseases.set(candidates[i]!.tail.id, candidates[i]!.tail);
    }
    const mostChemical = Math.max(...[...chemicals.values()].map((a) => a.mentions.length));
    const mostDisease = Math.max(...[...diseases.values()].map((a) => a.mentions.length));
    let lastEnd = 1;
    for (const a of [...chemicals.values(), ...diseases.values()]) for (const m of a.mentions) for (const s of m.spans) lastEnd = Math.max(lastEnd, s.end);
    const inTitle = (a: CandidateArg): number => (end !== undefined && a.mentions.some((m) => (m.spans[0]?.start ?? end) < end) ? 1 : 0);
    for (const i of idx) {
      const c = candidates[i]!;
      const p = cidProbability[i]!;
      let sameChemical = 0;
      let sameDisease = 0;
      let other = 0;
      for (const j of idx) {
        if (j === i) continue;
        const q = cidProbability[j]!;
        other = Math.max(other, q);
        if (candidates[j]!.head.id === c.head.id) sameChemical = Math.max(sameChemical, q);
        if (candidates[j]!.tail.id === c.tail.id) sameDisease = Math.max(sameDisease, q);
      }
      const intra = c.intraSentence ? 1 : 0;
      const chemTitle = inTitle(c.head);
      const disTitle = inTitle(c.tail);
      const broader = mesh ? [...diseases.keys()].some((d) => d !== c.tail.id && mesh.isAncestor(c.tail.id, d)) : false;
      const narrower = mesh ? [...diseases.keys()].some((d) => d !== c.tail.id && mesh.isAncestor(d, c.tail.id)) : false;
      rows[i] = [
        logit(p),
        intra,
        logit(p) * (1 - intra),
        Math.log1p(c.sentenceDistance),
        chemTitle,
        disTitle,
        chemTitle * disTitle,
        Math.log(c.head.mentions.length),
        Math.log(c.tail.mentions.length),
        c.head.mentions.length === mostChemical ? 1 : 0,
        c.tail.mentions.length === mostDisease ? 1 : 0,
        Math.log(chemicals.size),
        Math.log(diseases.size),
        logit(sameChemical),
        logit(sameDisease),
        logit(other),
        other < 0.5 ? 1 : 0,
        broader ? 1 : 0,
        narrower ? 1 : 0,
        firstStart(c.head) / lastEnd,
        firstStart(c.tail) / lastEnd,
        Math.log1p(c.evidence.length),
        priorLogOdds(priors, `h:${c.head.id}`),
        priorLogOdds(priors, `t:${c.tail.id}`),
        isLocalId(c.head.id) ? 1 : 0,
        isLocalId(c.tail.id) ? 1 : 0,
      ];
    }
  }
  return rows;
}
