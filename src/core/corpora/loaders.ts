/**
 * Split loaders: corpus name + split paths -> documents, through the matching reader.
 * Kept apart from the registry so the registry stays a readable table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document } from '../model/document';
import { parsePubTator } from '../formats/pubtator';
import type { SplitInfo } from './registry';

async function readPubTatorFile(file: string): Promise<Document[]> {
  return parsePubTator(await fs.promises.readFile(file, 'utf8'), file).documents;
}

/** Load the documents of one split (no leak guard here: see registry.loadSplit). */
export async function loadCorpusSplit(corpus: string, split: SplitInfo, root: string): Promise<Document[]> {
  const files = split.paths.map((p) => path.join(root, p));
  const out: Document[] = [];
  for (const file of files) {
    out.push(...(await loadPath(corpus, file)));
  }
  return out;
}

async function loadPath(corpus: string, file: string): Promise<Document[]> {
  if (/pubtator/i.test(file)) return readPubTatorFile(file);
  throw new Error(`no loader for corpus ${corpus} (${file})`);
}
