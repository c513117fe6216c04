/**
 * Split loaders: corpus name + split paths -> documents, through the matching reader.
 * Kept apart from the registry so the registry stays a readable table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document } from '../document/document';
import { parsePubTator } from '../formats/pubtator';
import { readDdiDirectory } from '../formats/ddiXml';
import { readChemProtDirectory, readDrugProtDirectory } from '../formats/drugprotTsv';
import { readPpiDirectory } from '../formats/ppiJson';
import { readMaskedSentenceFolds } from '../formats/maskedSentenceTsv';
import { readConllCollection } from '../formats/conllTsv';
import { readRawTextFile, type RawTextRecord } from '../formats/rawText';
import type { SplitInfo } from './corpusInfo';

/** Entity type of each BioBERT NER corpus (its tags are untyped B/I/O). */
const NER_TYPES: Record<string, string> = {
  bc2gm: 'Gene',
  jnlpba: 'Gene',
  'ncbi-disease': 'Disease',
  linnaeus: 'Species',
  s800: 'Species',
};

/** A raw-text record as a document: a title passage when the source separates it, then the text. */
export function rawTextDocument(r: RawTextRecord): Document {
  const attributes: Record<string, string> = {};
  if (r.pmid !== undefined) attributes['pmid'] = r.pmid;
  const passages: Document['passages'] = [];
  if (r.title !== undefined && r.text.startsWith(r.title)) {
    passages.push({ offset: 0, text: r.title, attributes: { type: 'title' }, annotations: [] });
    const rest = r.text.slice(r.title.length + 1);
    if (rest) passages.push({ offset: r.title.length + 1, text: rest, attributes: { type: 'abstract' }, annotations: [] });
  } else {
    passages.push({ offset: 0, text: r.text, attributes: { type: 'text' }, annotations: [] });
  }
  return { id: r.id, passages, relations: [], attributes };
}

/** Load the documents of one split (no leak guard here: see registry.loadSplit). */
export async function loadCorpusSplit(corpus: string, split: SplitInfo, root: string): Promise<Document[]> {
  const out: Document[] = [];
  for (const p of split.paths) out.push(...(await loadPath(corpus, path.join(root, p))));
  return out;
}

async function loadPath(corpus: string, file: string): Promise<Document[]> {
  if (/pubtator/i.test(path.basename(file))) {
    // BioREx's extra conversions relate concepts that no mention carries; keep them (counted
    // by `corpus stats` as dangling relations) rather than reject whole files.
    const lenient = file.includes('biorex-extra');
    return parsePubTator(await fs.promises.readFile(file, 'utf8'), file, { allowUnknownRelationArguments: lenient }).documents;
  }
  switch (corpus) {
    case 'ddi':
      return readDdiDirectory(file).documents;
    case 'drugprot':
      return readDrugProtDirectory(file).documents;
    case 'chemprot':
      return readChemProtDirectory(file).documents;
    case 'aimed':
    case 'hprd50':
      // The registry lists each fold file; the reader takes the folder, so read it once.
      return /test_0\.json$/.test(file) ? readPpiDirectory(path.dirname(file), corpus).documents : [];
    case 'gad':
    case 'euadr':
      return readMaskedSentenceFolds(file, corpus === 'gad' ? 'GAD' : 'EU-ADR').documents;
  }
  const nerType = NER_TYPES[corpus];
  if (nerType) return readConllCollection(file, { entityType: nerType, idPrefix: `${corpus}:${path.basename(file, '.tsv')}:` }).documents;
  if (file.endsWith('.gz')) {
    const docs: Document[] = [];
    for await (const r of readRawTextFile(file)) docs.push(rawTextDocument(r));
    return docs;
  }
  throw new Error(`no loader for corpus ${corpus} (${file})`);
}
