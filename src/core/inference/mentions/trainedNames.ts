/**
 * Names the training annotations tag (nearly) every time they occur: `trained-names.tsv` in a
 * tagger folder, read by the `trainedChemicalNames` / `trainedDiseaseNames` mention rules
 * (mentionRules.ts). The tagger learns these names too, but from corpora that disagree (DrugProt
 * tags `contrast media` nowhere, BC5CDR always); the table keeps one corpus's own record: how often
 * each annotated text occurs in its training documents on word boundaries and how often it is
 * annotated there. `biore ner fit-rules` writes it from the target corpus's training documents
 * (never its held-out or test documents).
 */
import * as fs from 'node:fs';
import type { Document } from '../../document/document';
import { NER_TYPES, type NerType } from './tags';

export const TRAINED_NAMES_FILE = 'trained-names.tsv';

/** A name is kept when it occurs at least this often in the training documents … */
export const TRAINED_NAME_MIN_OCCURRENCES = 3;
/** … and is annotated with one type in at least this share of its occurrences. */
export const TRAINED_NAME_MIN_SHARE = 0.9;

export interface TrainedName {
  text: string;
  type: NerType;
  annotated: number;
  occurrences: number;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Start offsets (in `text`) of `name` on word boundaries. */
export function wordOccurrences(name: string, text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(name); i >= 0; i = text.indexOf(name, i + 1)) {
    const before = text[i - 1];
    const after = text[i + name.length];
    if ((before === undefined || !WORD_CHAR.test(before)) && (after === undefined || !WORD_CHAR.test(after))) out.push(i);
  }
  return out;
}

/** The names of `types` the documents annotate in at least the minimum share of at least the minimum occurrences. */
export function countTrainedNames(docs: readonly Document[], types: readonly NerType[], o: { minOccurrences?: number; minShare?: number } = {}): TrainedName[] {
  const minOccurrences = o.minOccurrences ?? TRAINED_NAME_MIN_OCCURRENCES;
  const minShare = o.minShare ?? TRAINED_NAME_MIN_SHARE;
  const annotated = new Map<string, Map<NerType, number>>();
  for (const d of docs) {
    for (const p of d.passages) {
      for (const a of p.annotations) {
        const t = a.type as NerType;
        if (!types.includes(t) || a.spans.length !== 1) continue;
        const s = a.spans[0]!;
        const text = p.text.slice(s.start - p.offset, s.end - p.offset);
        const byType = annotated.get(text) ?? new Map<NerType, number>();
        byType.set(t, (byType.get(t) ?? 0) + 1);
        annotated.set(text, byType);
      }
    }
  }
  const out: TrainedName[] = [];
  for (const [text, byType] of annotated) {
    const [type, n] = [...byType].sort((a, b) => b[1] - a[1])[0]!;
    if (n < minOccurrences) continue;
    let occurrences = 0;
    for (const d of docs) for (const p of d.passages) occurrences += wordOccurrences(text, p.text).length;
    if (n >= minShare * occurrences) out.push({ text, type, annotated: n, occurrences });
  }
  return out.sort((a, b) => a.type.localeCompare(b.type) || a.text.localeCompare(b.text));
}

export function writeTrainedNames(file: string, names: readonly TrainedName[], provenance: string): void {
  const lines = [`# ${provenance}`, '# text\ttype\tannotated\toccurrences', ...names.map((n) => `${n.text}\t${n.type}\t${n.annotated}\t${n.occurrences}`)];
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

/** The table of a folder's `trained-names.tsv`, text → type; throws naming the file and line on a bad row. */
export function loadTrainedNames(file: string): Map<string, NerType> {
  if (!fs.existsSync(file)) throw new Error(`${file}: missing (the tagger's trained-name rules need it; rewrite it with \`biore ner fit-rules\`)`);
  const out = new Map<string, NerType>();
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line === '' || line.startsWith('#')) return;
      const [text, type, annotated, occurrences] = line.split('\t');
      if (!text || !(NER_TYPES as readonly string[]).includes(type ?? '') || !/^\d+$/.test(annotated ?? '') || !/^\d+$/.test(occurrences ?? '')) throw new Error(`${file}:${i + 1}: expected text, type (${NER_TYPES.join('|')}), annotated count, occurrences`);
      out.set(text, type as NerType);
    });
  return out;
}
