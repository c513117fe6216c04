/**
 * The vocabulary half of the normalization lexicon: every name the shipped vocabularies give for a
 * chemical, a disease or a gene, with the source of each name, built once from
 * `../shared/data/vocabularies` (`biore ner lexicon --vocabularies DIR`) and shipped, compressed,
 * inside the tagger's folder (`vocabulary.tsv.br`). Annotation reads only that file.
 *
 * Sources and the types they feed:
 * - MeSH 2024 descriptors (`mesh2024/descriptor_terms`): every term of every concept of a
 *   descriptor. A descriptor is a Disease when it has a C tree number or an F03 (mental disorders)
 *   one, a Chemical when it has a D tree number, and also whatever type the training annotations
 *   used it for (top-level descriptors such as "Neoplasms" have no tree number in this snapshot).
 *   So a chemical mention never reaches a C-tree-only descriptor.
 * - MeSH supplementary concepts, partial (`mesh_scr_partial`): preferred names only; a Chemical,
 *   unless the training annotations used the C-id for a disease.
 * - NCBI Gene, human (9606) and mouse (10090): symbol, aliases, full name, other designations
 *   (human only) of protein-coding genes; the symbol only of the other genes (microRNAs, ...);
 *   pseudogenes and "biological-region" records are left out. These cuts keep the compressed
 *   file near 2.6 MB, inside what the models folder may still grow (`shippedModels.test.ts`).
 *
 * Names that give a concept no new lookup key (the plural, the hyphenated or the permuted
 * `X, Y` spelling of a name already kept) are dropped at build time: the matcher derives those
 * variants itself (see `termKeys`).
 *
 * MeSH version drift: BC5CDR was annotated with about 2015 MeSH, so a descriptor created later
 * (its number above the highest descriptor number the training annotations use, recorded as the
 * `epoch`) may stand for what was then a supplementary concept; the matcher prefers an SCR of
 * the same name for those, and `epochPolicy` (chosen on dev) says what to do when there is none.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Document } from '../../document/document';
import { documentAnnotations } from '../../document/document';
import { spellGreek, surfaceKey } from './lexicon';
import { nerTypeOf, type NerType } from '../mentions/tags';

/** Where a name comes from (the provenance kept per entry). */
export type VocabularySource =
  | 'mesh.pref' // the descriptor's preferred term
  | 'mesh.concept' // preferred term of one of its (narrower) concepts
  | 'mesh.entry' // any other entry term
  | 'mesh.abbr' // an entry term NLM tags as an abbreviation or acronym
  | 'scr.name' // preferred name of a supplementary concept
  | 'gene.symbol'
  | 'gene.alias'
  | 'gene.name'
  | 'gene.other';

/** Preference among sources when one key names several concepts (higher wins). */
export const SOURCE_RANK: Readonly<Record<VocabularySource, number>> = {
  'mesh.pref': 6,
  'scr.name': 5,
  'mesh.concept': 4,
  'mesh.entry': 3,
  'mesh.abbr': 1,
  'gene.symbol': 6,
  'gene.name': 5,
  'gene.alias': 3,
  'gene.other': 2,
};

/** One name of one concept. */
export interface VocabularyEntry {
  type: NerType;
  /** MeSH UI (`D008094`, `C000002`) or NCBI Gene id (`7157`). */
  id: string;
  source: VocabularySource;
  /** Genes: `taxon:gene_type` (`9606:protein-coding`); MeSH: the tree letters (`CD`), may be empty. */
  note: string;
  /** The name as the source spells it (case kept). */
  term: string;
}

/** One input file of a build, for the header. */
export interface VocabularyInput {
  file: string;
  sha256: string;
  rows: number;
}

/** Numeric part of a MeSH descriptor UI (`D000069283` → 69283), NaN for anything else. */
export function descriptorNumber(id: string): number {
  return /^D\d+$/.test(id) ? Number(id.slice(1)) : NaN;
}

/**
 * Lookup keys of a name: its surface key, and for `X, Y[, Z]` (MeSH's inverted order, "Arrhythmias,
 * Cardiac") also the key of the natural order "Z Y X" ("Cardiac Arrhythmias").
 */
export function termKeys(term: string): string[] {
  const keys = [surfaceKey(term)];
  const parts = term.split(', ');
  if (parts.length > 1 && parts.length <= 3 && parts.every((p) => p.length > 0 && !/^[\d(]/.test(p))) keys.push(surfaceKey([...parts].reverse().join(' ')));
  return [...new Set(keys.filter((k) => k.length > 0))];
}

/** Case-kept key of a gene symbol or alias: Greek spelled out, separators removed, case as written. */
export function caseKey(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFKC')) {
    const g = spellGreek(ch);
    out += g.length > 1 ? g : ch;
  }
  return (out.match(/[\p{L}\p{M}]+|\p{N}+/gu) ?? []).join('');
}

// ---------------------------------------------------------------------------------- building

function readTsv(file: string, inputs: VocabularyInput[], base: string): string[][] {
  const raw = fs.readFileSync(file);
  const text = (file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8');
  const rows = text.split('\n').slice(1).filter((l) => l.length > 0).map((l) => l.split('\t'));
  inputs.push({ file: path.relative(base, file), sha256: crypto.createHash('sha256').update(raw).digest('hex'), rows: rows.length });
  return rows;
}

const MESH_ABBREVIATION_TAGS = new Set(['ABB', 'ABX', 'ACR']);
const GENE_TYPES_LEFT_OUT = new Set(['pseudo', 'biological-region']);

/** What a build produced. */
export interface VocabularyBuild {
  entries: VocabularyEntry[];
  inputs: VocabularyInput[];
  /** Highest MeSH descriptor number used by the training annotations (see the module comment). */
  epoch: number;
}

/**
 * Read the vocabularies under `dir` (the layout of `../shared/data/vocabularies`) and return
 * their names, deduplicated per concept and lookup key. `training` documents (never a test
 * split) give the type of tree-less descriptors and SCRs, and the MeSH epoch.
 */
export function buildVocabulary(dir: string, training: readonly Document[], epochDocuments: readonly Document[] = training): VocabularyBuild {
  const inputs: VocabularyInput[] = [];
  // 1. What the training annotations say: ids per type; highest descriptor number of the corpus
  // whose MeSH version matters (BC5CDR's).
  const trainedAs = new Map<string, Set<NerType>>();
  let epoch = 0;
  for (const d of epochDocuments) {
    for (const a of documentAnnotations(d)) for (const id of a.ids) if (descriptorNumber(id) > epoch) epoch = descriptorNumber(id);
  }
  for (const d of training) {
    for (const a of documentAnnotations(d)) {
      const t = nerTypeOf(a.type);
      if (!t || t === 'Gene') continue;
      for (const id of a.ids) {
        const s = trainedAs.get(id) ?? new Set<NerType>();
        s.add(t);
        trainedAs.set(id, s);
      }
    }
  }
  const entries: VocabularyEntry[] = [];
  const seen = new Set<string>();
  const add = (e: VocabularyEntry): void => {
    const keys = termKeys(e.term);
    const fresh = keys.filter((k) => !seen.has(`${e.type}\t${e.id}\t${k}`));
    // Genes keep every symbol and alias even when its key is known: their case matters.
    if (fresh.length === 0 && !(e.source === 'gene.symbol' || e.source === 'gene.alias')) return;
    for (const k of keys) seen.add(`${e.type}\t${e.id}\t${k}`);
    entries.push(e);
  };
  // 2. MeSH descriptors: types from the tree numbers (plus training use), then every term.
  const descTypes = new Map<string, { types: NerType[]; letters: string }>();
  for (const f of readTsv(path.join(dir, 'mesh2024/descriptors.tsv.gz'), inputs, dir)) {
    const [ui = '', , trees = '', letters = ''] = f;
    const types = new Set<NerType>(trainedAs.get(ui) ?? []);
    const treeList = trees.split('|');
    if (treeList.some((t) => t.startsWith('C') || t.startsWith('F03'))) types.add('Disease');
    if (treeList.some((t) => t.startsWith('D'))) types.add('Chemical');
    if (types.size) descTypes.set(ui, { types: [...types].sort(), letters });
  }
  const terms = readTsv(path.join(dir, 'mesh2024/descriptor_terms.tsv.gz'), inputs, dir);
  // Preferred terms first, permuted ones last, so the dedup keeps the canonical spelling.
  const order = (f: string[]): number => (f[5] === 'Y' ? 0 : f[4] === 'Y' ? 1 : f[6] === 'Y' ? 3 : 2);
  terms.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : order(a) - order(b)));
  for (const f of terms) {
    const [ui = '', , , term = '', conceptPref, recordPref, , tag = ''] = f;
    const dt = descTypes.get(ui);
    if (!dt || !term) continue;
    const source: VocabularySource = recordPref === 'Y' ? 'mesh.pref' : MESH_ABBREVIATION_TAGS.has(tag) ? 'mesh.abbr' : conceptPref === 'Y' ? 'mesh.concept' : 'mesh.entry';
    for (const type of dt.types) add({ type, id: ui, source, note: dt.letters, term });
  }
  // 3. Supplementary concepts (partial): preferred names.
  for (const f of readTsv(path.join(dir, 'mesh_scr_partial/scr_names.tsv.gz'), inputs, dir)) {
    const [ui = '', name = ''] = f;
    if (!ui || !name) continue;
    const types = trainedAs.get(ui)?.has('Disease') ? ['Disease' as const] : ['Chemical' as const];
    for (const type of types) add({ type, id: ui, source: 'scr.name', note: '', term: name });
  }
  // 4. NCBI Gene, human then mouse.
  for (const [file, taxon] of [
    ['ncbi_gene/human_genes.tsv.gz', '9606'],
    ['ncbi_gene/mouse_genes.tsv.gz', '10090'],
  ] as const) {
    for (const f of readTsv(path.join(dir, file), inputs, dir)) {
      const [id = '', symbol = '', fullName = '', geneType = '', aliases = '', others = ''] = f;
      if (!id || GENE_TYPES_LEFT_OUT.has(geneType)) continue;
      const note = `${taxon}:${geneType}`;
      const g = (source: VocabularySource, term: string): void => {
        if (!term || term === '-') return;
        // Size (the models folder's budget): genes that are not protein-coding keep their symbol
        // only, and mouse genes drop their other designations.
        if (geneType !== 'protein-coding' && source !== 'gene.symbol') return;
        if (taxon === '10090' && source === 'gene.other') return;
        add({ type: 'Gene', id, source, note, term });
      };
      g('gene.symbol', symbol);
      g('gene.name', fullName);
      for (const a of aliases.split('|')) g('gene.alias', a);
      for (const o of others.split('|')) g('gene.other', o);
    }
  }
  return { entries, inputs, epoch };
}

// ---------------------------------------------------------------------------------- the shipped file

/** File name of the vocabulary inside a tagger folder. */
export const VOCABULARY_FILE = 'vocabulary.tsv.br';

const FORMAT = 'biore-vocabulary 1';

/** Serialize (header lines `#key<TAB>value...`, then `type id source note term` rows). */
export function vocabularyToText(b: VocabularyBuild, command: string): string {
  const lines = [`#format\t${FORMAT}`, `#command\t${command}`, `#epoch\t${b.epoch}`, ...b.inputs.map((i) => `#input\t${i.file}\tsha256=${i.sha256}\trows=${i.rows}`), '#columns\ttype\tid\tsource\tnote\tterm'];
  for (const e of b.entries) lines.push(`${e.type}\t${e.id}\t${e.source}\t${e.note}\t${e.term.replace(/[\t\n]/g, ' ')}`);
  return lines.join('\n') + '\n';
}

/** The brotli-compressed file's bytes. */
export function vocabularyBytes(b: VocabularyBuild, command: string): Buffer {
  return zlib.brotliCompressSync(Buffer.from(vocabularyToText(b, command), 'utf8'), {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24, [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT },
  });
}

/** Write the brotli-compressed file. */
export function saveVocabulary(file: string, b: VocabularyBuild, command: string): number {
  const data = vocabularyBytes(b, command);
  fs.writeFileSync(file, data);
  return data.length;
}

/** Parsed vocabulary file: header fields and entries. */
export interface VocabularyFile {
  header: Record<string, string[]>;
  epoch: number;
  entries: VocabularyEntry[];
}

/** Parse the text form (see `vocabularyToText`). */
export function vocabularyFromText(text: string, source = 'vocabulary'): VocabularyFile {
  return vocabularyFromLines(text.split('\n'), source);
}

/** The lines of a UTF-8 buffer, each its own small string (no slice of one huge string). */
function* bufferLines(buf: Buffer): Generator<string> {
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(10, start);
    if (nl < 0) {
      if (start < buf.length) yield buf.toString('utf8', start);
      return;
    }
    yield buf.toString('utf8', start, nl);
    start = nl + 1;
  }
}

function vocabularyFromLines(lines: Iterable<string>, source: string, types?: readonly NerType[]): VocabularyFile {
  const header: Record<string, string[]> = {};
  const entries: VocabularyEntry[] = [];
  let lineNo = 0;
  for (const line of lines) {
    lineNo++;
    if (!line) continue;
    if (line.startsWith('#')) {
      const [k = '', ...v] = line.slice(1).split('\t');
      (header[k] ??= []).push(v.join('\t'));
      continue;
    }
    // Rows of other types are skipped unsplit (the gene rows are two thirds of the file).
    if (types && !types.some((t) => line.startsWith(t) && line.charCodeAt(t.length) === 9)) continue;
    const [type, id, src, note, term] = line.split('\t');
    if (!type || !id || !src || note === undefined || !term || !nerTypeOf(type)) throw new Error(`${source}:${lineNo}: expected "type<TAB>id<TAB>source<TAB>note<TAB>term"`);
    entries.push({ type: type as NerType, id, source: src as VocabularySource, note, term });
  }
  if (header['format']?.[0] !== FORMAT) throw new Error(`${source}: not a ${FORMAT} file`);
  return { header, epoch: Number(header['epoch']?.[0] ?? 0), entries };
}

/**
 * Read a (brotli-compressed) vocabulary file. Line by line from the buffer: names kept by the
 * matcher then hold only their own line, not the whole decompressed text (V8 substrings keep
 * their parent string alive). `types` keeps only the rows of those types (the tagger's dictionary
 * features need chemicals and diseases, not the gene rows).
 */
export function loadVocabularyFile(file: string, options: { types?: readonly NerType[] } = {}): VocabularyFile {
  const raw = fs.readFileSync(file);
  return vocabularyFromLines(bufferLines(file.endsWith('.br') ? zlib.brotliDecompressSync(raw) : raw), file, options.types);
}
