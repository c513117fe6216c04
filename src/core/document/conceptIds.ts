/**
 * Concept-id strings as the corpora write them, and the id lists the model keeps.
 *
 * BC5CDR writes composite mentions as `D1|D2` (one id per part) and unknown concepts as `-1`.
 * BioRED uses `|` inside single ids (tmVar variants such as `c|DEL||32`; composite diseases such
 * as `D015458|D016399` appear whole in its relations) and `,` between the genes of one mention.
 * So the separator depends on the entity-type vocabulary: BioRED's types split on `,` only,
 * everything else on `|`.
 */

/** Entity types of the BioRED vocabulary (its ids keep `|`). */
export const BIORED_TYPES: ReadonlySet<string> = new Set([
  'GeneOrGeneProduct',
  'ChemicalEntity',
  'DiseaseOrPhenotypicFeature',
  'SequenceVariant',
  'OrganismTaxon',
  'CellLine',
]);

/** Split a raw id string into concept ids; `-1`, `-` and empty parts mean "no id" and are dropped. */
export function parseConceptIds(raw: string, type: string): string[] {
  const sep = BIORED_TYPES.has(type) ? ',' : '|';
  return raw
    .split(sep)
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== '-1' && s !== '-');
}

/** Inverse of `parseConceptIds` for ids without a raw original (`-1` when there is none). */
export function formatConceptIds(ids: readonly string[], type: string): string {
  if (ids.length === 0) return BIORED_TYPES.has(type) ? '' : '-1';
  return ids.join(BIORED_TYPES.has(type) ? ',' : '|');
}

/** Prefix of document-local concept ids: concepts a vocabulary does not know, named by their text. */
export const LOCAL_ID_PREFIX = 'local:';

/** True for a document-local id. */
export const isLocalId = (id: string): boolean => id.startsWith(LOCAL_ID_PREFIX);

/**
 * The document-local concept of a mention that has no id: `local:<type>:<text key>`, the same for
 * every mention of the document with that type and text (case, spacing and punctuation aside).
 */
export function localConceptId(type: string, text: string): string {
  const key = (text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? []).join(' ');
  return `${LOCAL_ID_PREFIX}${type}:${key || text}`;
}
