/**
 * Decode-time mention rules, each a fact of the annotation guidelines the tagger's mixed training
 * corpora disagree on or that one sentence at a time cannot see. Which rules a tagger applies is
 * recorded in its folder (`mention_rules` in config.json), chosen by `biore ner fit-rules` on the
 * held-out documents of its training run, never on a test split.
 *
 * - `chemicalPrefixes`: a chemical's stereo or isotope-label prefix is not part of its name.
 *   BC5CDR annotates `(-)-[cibenzoline]`, `[3H][spiperone]`, `L-[3H][nicotine]` (35 such mentions
 *   in train + dev, 8 with the prefix, those mostly `[3H]-name`); DrugProt keeps the prefix, and
 *   the tagger learned both. The rule drops a leading `(+)-`, `(-)-`, `(+/-)-`, `(±)-` and a
 *   leading bracketed isotope label (`[3H]`, `[24-14C]`, `L-[3H]`) not followed by a hyphen.
 * - `shortFormVeto`: a short form defined in the document (`long form (SF)`, Schwartz–Hearst)
 *   names what its long form names. When the tagger tags SF as type X but tags nothing of type X
 *   over its long form (`orthotopic liver transplantation (OLTX)`, `light-enhanced startle
 *   paradigm (LES)`), the SF mentions of type X are dropped, before consistency can spread them.
 * - `receptorLigands`: BC5CDR annotates the chemical in front of `receptor`, `agonist`,
 *   `antagonist` (`[NMDA] receptor`, `[dopamine] D2 receptors`: 101 of 105 such names in train +
 *   dev); DrugProt and BC2GM tag `NMDA receptor` as a gene, so the tagger often tags neither when
 *   asked for chemicals and diseases only. The longest of the last one to three words before the
 *   receptor word that is a chemical (a dictionary name, a short form the document defines for
 *   one, or a text tagged as a chemical elsewhere in the document) becomes a chemical mention
 *   unless a mention of any requested type overlaps it (with genes requested, `NMDA receptor`
 *   stays a gene).
 * - `trainedChemicalNames`, `trainedDiseaseNames`: a name the target corpus's training documents
 *   annotate with the type nearly every time it occurs (trainedNames.ts, the folder's
 *   `trained-names.tsv`) becomes a mention wherever it occurs untagged (`contrast media`,
 *   `NSAIDs`).
 *
 * - `minScore`: per type, the tagger's mentions below a score are dropped first (most are a wrong
 *   span of a right mention: `variant [angina]` 0.47), a threshold chosen on held-out documents.
 *
 * Mentions a rule adds are marked `propagated` (the tagger did not predict them) and name the rule
 * (`addedByRule`: the calibration gives each rule's mentions their own precision, the hover names
 * it), with the consistency seed score, so that consistency spreads them like the tagger's own.
 */
import type { Document } from '../../document/document';
import { findAbbreviations } from '../normalization/lexicon';
import { CONSISTENCY_MIN_SCORE } from './consistency';
import { nameKey, type Gazetteer } from './gazetteer';
import { NER_TYPES, type NerType, type PredictedMention } from './tags';
import { wordOccurrences } from './trainedNames';

export interface MentionRules {
  chemicalPrefixes: boolean;
  shortFormVeto: boolean;
  receptorLigands: boolean;
  trainedChemicalNames: boolean;
  trainedDiseaseNames: boolean;
  /** Per type, the tagger's own score (before calibration) below which its mentions are dropped; none when absent. */
  minScore?: Partial<Record<NerType, number>>;
}

/** What some rules read besides the document: the tagger's dictionary, the folder's trained names. */
export interface MentionRuleContext {
  gazetteer?: Gazetteer | undefined;
  trainedNames?: ReadonlyMap<string, NerType> | undefined;
  /** The types asked for: rules add no mention of another type (default all). */
  types?: readonly NerType[] | undefined;
}

export const NO_MENTION_RULES: MentionRules = { chemicalPrefixes: false, shortFormVeto: false, receptorLigands: false, trainedChemicalNames: false, trainedDiseaseNames: false };

/** The key of the rules record in a tagger folder's config.json. */
export const MENTION_RULES_KEY = 'mention_rules';

/** The rules in the order `biore ner fit-rules` tries them. */
export const MENTION_RULE_NAMES = ['chemicalPrefixes', 'shortFormVeto', 'receptorLigands', 'trainedChemicalNames', 'trainedDiseaseNames'] as const satisfies readonly (keyof MentionRules)[];

/** config.json `mention_rules`: the rules on, and how they were chosen (for the reader). */
export interface MentionRulesRecord extends MentionRules {
  fittedOn: string;
  [detail: string]: unknown;
}

/** The folder's rules (all off when it records none); throws naming the folder when the record is malformed. */
export function readMentionRules(modelDir: string, cfg: Record<string, unknown>): MentionRules {
  const r = cfg[MENTION_RULES_KEY] as Record<string, unknown> | undefined;
  if (r === undefined) return NO_MENTION_RULES;
  if (typeof r !== 'object' || r === null || !MENTION_RULE_NAMES.every((k) => typeof r[k] === 'boolean')) {
    throw new Error(`${modelDir}/config.json: ${MENTION_RULES_KEY} must hold ${MENTION_RULE_NAMES.map((k) => `"${k}": true|false`).join(', ')} (refit it with \`biore ner fit-rules --model ${modelDir}\`)`);
  }
  const minScore = r['minScore'] as Record<string, unknown> | undefined;
  if (minScore !== undefined && (typeof minScore !== 'object' || minScore === null || !Object.entries(minScore).every(([t, v]) => (NER_TYPES as readonly string[]).includes(t) && typeof v === 'number' && v >= 0 && v < 1))) {
    throw new Error(`${modelDir}/config.json: ${MENTION_RULES_KEY}.minScore must map mention types (${NER_TYPES.join(', ')}) to scores in [0, 1)`);
  }
  const rules = Object.fromEntries(MENTION_RULE_NAMES.map((k) => [k, r[k] as boolean])) as unknown as MentionRules;
  return minScore === undefined ? rules : { ...rules, minScore: minScore as Partial<Record<NerType, number>> };
}

/** Up to three words (as few as match: `dopamine D2 receptors` is `dopamine`, subtype `D2`), an optional subtype (`D2`, `type-1`, `5-HT2`), then the receptor word. */
const RECEPTOR_CONTEXT = /(?<![\w-])((?:[\w-]+\s){0,2}?[\w-]+)\s+(?:(?:type-?\d+|subtype|[A-Z]{0,3}-?\d+[A-Za-z]?)\s+)?(?:receptors?|agonists?|antagonists?)\b/gu;

/** Candidates that name the receptor itself (`bradykinin receptors antagonists`) or an adjective (`adrenergic`). */
const NOT_A_LIGAND = /\b(?:receptors?|agonists?|antagonists?)\b|ergic$/iu;

const STEREO_PREFIX = /^\((?:\+|-|\+\/-|\+\/−|±)\)-/;
const ISOTOPE_PREFIX = /^(?:[DL]-)?\[[0-9,-]*[0-9]+[A-Z][a-z]?\](?!-)/;

/** The length of a chemical name's stereo or isotope prefix (0 when it has none or nothing would remain). */
export function chemicalPrefixLength(text: string): number {
  let n = 0;
  for (;;) {
    const m = STEREO_PREFIX.exec(text.slice(n)) ?? ISOTOPE_PREFIX.exec(text.slice(n));
    if (!m) break;
    n += m[0].length;
  }
  // Keep the name when what is left is not a name (`[3H]` alone, `(+)-2`).
  return /\p{L}{2}/u.test(text.slice(n)) ? n : 0;
}

/** Apply `rules` to one document's predicted mentions (a new list; the input is not changed). */
export function applyMentionRules(doc: Document, mentions: readonly PredictedMention[], rules: MentionRules, context: MentionRuleContext = {}): PredictedMention[] {
  const names = context.gazetteer;
  const asked = (t: NerType): boolean => context.types === undefined || context.types.includes(t);
  const minScore = rules.minScore ?? {};
  let out = mentions.filter((m) => m.propagated || m.score >= (minScore[m.type] ?? 0)).map((m) => ({ ...m, span: { ...m.span } }));
  if (rules.chemicalPrefixes) {
    for (const m of out) {
      if (m.type !== 'Chemical') continue;
      const n = chemicalPrefixLength(m.text);
      if (n === 0) continue;
      m.span.start += n;
      m.text = m.text.slice(n);
    }
  }
  if (rules.shortFormVeto) {
    const vetoed = new Set<string>();
    for (const p of doc.passages) {
      for (const a of findAbbreviations(p.text, p.offset)) {
        for (const t of new Set(out.filter((m) => m.text === a.short).map((m) => m.type))) {
          // The long form's last word must be inside a mention of the type: `National Acute [Spinal
          // Cord Injury] Studies (NASCIS)` names a study, not an injury.
          const longTagged = out.some((m) => m.type === t && m.span.start < a.longSpan.end && a.longSpan.end <= m.span.end);
          if (!longTagged) vetoed.add(`${t}\u0000${a.short}`);
        }
      }
    }
    if (vetoed.size) out = out.filter((m) => !vetoed.has(`${m.type}\u0000${m.text}`));
  }
  if (rules.receptorLigands && asked('Chemical')) {
    const chemicalTexts = new Set(out.filter((m) => m.type === 'Chemical').map((m) => m.text));
    const shortForms = names?.documentAbbreviations(doc);
    const isChemical = (text: string): boolean => {
      if (chemicalTexts.has(text)) return true;
      if (!names) return false;
      const key = nameKey(text);
      const bits = (key === undefined ? undefined : names.names.get(key)) ?? shortForms?.get(text);
      return bits !== undefined && (bits & 1) === 1;
    };
    const added: PredictedMention[] = [];
    for (const p of doc.passages) {
      for (const m of p.text.matchAll(RECEPTOR_CONTEXT)) {
        const words = m[1]!;
        // The longest chemical name ending right before the receptor word: `N-methyl-D-aspartate`, `NMDA`, `dopamine`.
        const starts = [...words.matchAll(/(?:^|\s)(?=\S)/g)].map((x) => x.index + x[0].length);
        for (const s0 of starts) {
          const text = words.slice(s0);
          if (NOT_A_LIGAND.test(text) || !isChemical(text)) continue;
          const start = p.offset + m.index + s0;
          const span = { start, end: start + text.length };
          if (!out.some((o) => o.span.start < span.end && span.start < o.span.end)) added.push({ span, type: 'Chemical', text, score: CONSISTENCY_MIN_SCORE, propagated: true, addedByRule: 'receptorLigands' });
          break;
        }
      }
    }
    if (added.length) out = [...out, ...added].sort((x, y) => x.span.start - y.span.start || x.span.end - y.span.end);
  }
  const trainedTypes = new Set<NerType>([...(rules.trainedChemicalNames ? ['Chemical' as const] : []), ...(rules.trainedDiseaseNames ? ['Disease' as const] : [])]);
  if (trainedTypes.size && context.trainedNames) {
    const added: PredictedMention[] = [];
    const free = (start: number, end: number): boolean => ![...out, ...added].some((o) => o.span.start < end && start < o.span.end);
    // Longest names first, so that `contrast media` is tagged rather than a shorter name inside it.
    for (const [text, type] of [...context.trainedNames].sort((x, y) => y[0].length - x[0].length)) {
      if (!trainedTypes.has(type) || !asked(type)) continue;
      for (const p of doc.passages) {
        for (const i of wordOccurrences(text, p.text)) {
          const span = { start: p.offset + i, end: p.offset + i + text.length };
          if (free(span.start, span.end)) added.push({ span, type, text, score: CONSISTENCY_MIN_SCORE, propagated: true, addedByRule: type === 'Chemical' ? 'trainedChemicalNames' : 'trainedDiseaseNames' });
        }
      }
    }
    if (added.length) out = [...out, ...added].sort((x, y) => x.span.start - y.span.start || x.span.end - y.span.end);
  }
  return out;
}
