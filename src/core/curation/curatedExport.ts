/**
 * Export of a curated file: every document with the curator's mention edits, and the relations
 * the curation keeps (the file's own relations unless rejected, accepted suggestions, relations
 * added by hand). BioC carries status, confidence, model and evidence as relation infons;
 * PubTator keeps its plain four-column relation lines so PubTator tools read it unchanged.
 */
import type { Collection } from '../document/document';
import { documentWriter, type DocumentFormat } from '../formats/formatIo';
import { curateDocument } from './curatedDocument';
import type { Decision, Suggestion } from './decisions';

/** Formats an export can write (plain text holds no annotations). */
export type ExportFormat = Exclude<DocumentFormat, 'text'>;

export const EXPORT_FORMATS: readonly ExportFormat[] = ['pubtator', 'bioc', 'biocjson'];

/** Curation of a file as the export needs it. */
export interface CurationInput {
  suggestionsOf(docId: string): readonly Suggestion[];
  readonly decisions: readonly Decision[];
}

/** The curated collection (documents in file order), without writing it. */
export function curatedCollection(collection: Collection, curation: CurationInput): Collection {
  return {
    ...collection,
    documents: collection.documents.map((d) => curateDocument(d, curation.suggestionsOf(d.id), curation.decisions).document),
  };
}

/** The curated file's text in `format`. */
export function exportCurated(collection: Collection, curation: CurationInput, format: ExportFormat): string {
  const curated = curatedCollection(collection, curation);
  const w = documentWriter(format);
  let out = w.begin(curated);
  curated.documents.forEach((d) => (out += w.document(d)));
  return out + w.end();
}
