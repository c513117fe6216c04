/**
 * What a curator is told about where a mention came from: `biore annotate` and the extension's
 * mention detection write `source`, the calibrated `score` and, for a mention that document-level
 * consistency or a mention rule added, `propagated` (and the rule's name, `rule`) as the
 * annotation's attributes (BioC infons).
 */
import type { Attributes } from '../document/document';
import { PROPAGATED_KEY, RULE_KEY, TAGGER_SOURCE } from '../inference/mentions/mentionCalibration';

/** What the rules that add mentions (mentionRules.ts) do, in a curator's words. */
const RULE_WORDS: Readonly<Record<string, string>> = {
  receptorLigands: 'a chemical named before a receptor, agonist or antagonist',
  trainedChemicalNames: 'a chemical name the training abstracts always annotate',
  trainedDiseaseNames: 'a disease name the training abstracts always annotate',
};

/** One line for the hover, or undefined for a mention that came with the file. */
export function mentionOrigin(attributes: Readonly<Attributes>): string | undefined {
  if (attributes['source'] !== TAGGER_SOURCE) return undefined;
  const score = Number(attributes['score']);
  const confidence = attributes['score'] !== undefined && Number.isFinite(score) ? `, confidence ${score.toFixed(2)}` : '';
  const rule = attributes[RULE_KEY];
  if (rule !== undefined) return `added by the mention rule "${RULE_WORDS[rule] ?? rule}"${confidence}`;
  return attributes[PROPAGATED_KEY] === 'true' ? `found by the mention tagger elsewhere in this document and marked here too${confidence}` : `found by the mention tagger${confidence}`;
}
