/**
 * Mention detection inside the engine worker: the tagger and its lexicon (a `biore ner train`
 * folder with `lexicon.tsv`), loaded once per folder and kept. Returns the mentions the model
 * finds in a document's text, normalized, without touching the document itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Annotation, Document } from '../core/document/document';
import { LEXICON_FILE } from '../core/inference/modelFolders';
import { loadLexicon } from '../core/inference/normalization/conceptMatcher';
import { type Lexicon, normalizeDocument } from '../core/inference/normalization/lexicon';
import { applyMentions, loadNerTagger, type NerTagger } from '../core/inference/mentions/nerTagger';

const loaded = new Map<string, Promise<{ tagger: NerTagger; lexicon?: Lexicon }>>();

function taggerFor(modelDir: string, threads: number): Promise<{ tagger: NerTagger; lexicon?: Lexicon }> {
  const key = `${threads}\n${modelDir}`;
  let p = loaded.get(key);
  if (!p) {
    p = (async () => {
      const tagger = await loadNerTagger(modelDir, { threads });
      const lexFile = path.join(modelDir, LEXICON_FILE);
      return fs.existsSync(lexFile) ? { tagger, lexicon: loadLexicon(lexFile) } : { tagger };
    })();
    p.catch(() => loaded.delete(key));
    loaded.set(key, p);
  }
  return p;
}

/** Mentions the tagger finds in `doc` (ids `N1`…, concept ids from the lexicon, `score` attribute). */
export async function detectMentions(modelDir: string, doc: Document, options: { threads: number; signal: AbortSignal }): Promise<Annotation[]> {
  const { tagger, lexicon } = await taggerFor(modelDir, options.threads);
  const [found] = await tagger.tagDocuments([doc], { signal: options.signal });
  const copy: Document = { ...doc, relations: [], passages: doc.passages.map((p) => ({ ...p, annotations: [] })) };
  applyMentions(copy, found ?? []);
  if (lexicon) normalizeDocument(copy, lexicon);
  return copy.passages.flatMap((p) => p.annotations);
}

/** Releases every loaded tagger. */
export async function disposeTaggers(): Promise<void> {
  const all = [...loaded.values()];
  loaded.clear();
  for (const p of all) await (await p.catch(() => undefined))?.tagger.dispose();
}
