/**
 * What a curator is told about where a mention came from: `biore annotate` and the extension's
 * mention detection write `source`, the calibrated `score` and, for a mention that document-level
 * consistency added, `propagated` as the annotation's attributes (BioC infons).
 */
import type { Attributes } from '../document/document';
import { PROPAGATED_KEY, TAGGER_SOURCE } from '../inference/mentions/mentionCalibration';

/** One line for the hover, or undefined for a mention that came with the file. */
export function mentionOrigin(attributes: Readonly<Attributes>): string | undefined {
  if (attributes['source'] !== TAGGER_SOURCE) return undefined;
  const score = Number(attributes['score']);
  const confidence = attributes['score'] !== undefined && Number.isFinite(score) ? `, confidence ${score.toFixed(2)}` : '';
  return attributes[PROPAGATED_KEY] === 'true' ? `found by the mention tagger elsewhere in this document and marked here too${confidence}` : `found by the mention tagger${confidence}`;
}
