/**
 * The three highlight colours a curator sees, from the many entity-type names the corpora use.
 */

/** Highlight category of a mention. */
export type EntityCategory = 'chemical' | 'gene' | 'disease' | 'other';

const CATEGORIES: Record<string, EntityCategory> = {
  chemical: 'chemical', chemicalentity: 'chemical', drug: 'chemical', drug_n: 'chemical', brand: 'chemical', group: 'chemical',
  gene: 'gene', 'gene-y': 'gene', 'gene-n': 'gene', geneorgeneproduct: 'gene', protein: 'gene', 'gene/protein': 'gene',
  disease: 'disease', diseaseorphenotypicfeature: 'disease',
};

/** Category of an entity type name (case-insensitive); `other` when unknown. */
export function entityCategory(type: string): EntityCategory {
  return CATEGORIES[type.toLowerCase()] ?? 'other';
}

/** Types offered when the curator adds a mention. */
export const MENTION_TYPES: readonly string[] = ['Chemical', 'Gene', 'Disease'];
