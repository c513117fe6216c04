/**
 * Readers for the DrugProt (BioCreative VII) and ChemProt (BioCreative VI) TSV corpora. Both use
 * the same brat-like layout of three or four files per split:
 *
 * - abstracts: `PMID<TAB>title<TAB>abstract`
 * - entities: `PMID<TAB>T1<TAB>CHEMICAL|GENE|GENE-Y|GENE-N<TAB>start<TAB>end<TAB>text`, offsets
 *   into `title + one separator + abstract` (0-based, end-exclusive)
 * - relations, DrugProt: `PMID<TAB>TYPE<TAB>Arg1:T1<TAB>Arg2:T6`
 * - relations, ChemProt: `PMID<TAB>CPR:x<TAB>Y |N <TAB>DETAIL<TAB>Arg1:T<TAB>Arg2:T`
 * - gold standard, ChemProt only: `PMID<TAB>CPR:x<TAB>Arg1:T<TAB>Arg2:T` (the evaluated groups)
 *
 * The text contains literal double quotes, so lines are split on TAB only, with no quoting.
 * The document text is `title + ' ' + abstract`, which keeps the source offsets valid.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCollection } from '../document/document';
import type { Annotation, Collection, Document, Passage, Relation } from '../document/document';
import { DEFAULT_LIMITS, FormatError } from '../shared/errors';

/** One input file's contents with the name used in error messages. */
export interface TsvInput {
  source: string;
  text: string;
}

/** The files of one corpus split; relations are absent for unannotated (test) sets. */
export interface BratTsvInputs {
  abstracts: TsvInput;
  entities: TsvInput;
  relations?: TsvInput;
  /** ChemProt's `*_gold_standard.tsv`. */
  goldStandard?: TsvInput;
}

/** Which ChemProt relations become document relations. */
export interface ChemProtOptions {
  /**
   * `gold` (default): the gold-standard file, i.e. the evaluated CPR:3,4,5,6,9 relations, with the
   * fine-grained `detail` types from the relations file attached. `all`: every row of the
   * relations file, with `evaluated` (`Y`/`N`) and `detail` attributes.
   */
  relations?: 'gold' | 'all';
}

interface Row {
  line: number;
  cols: string[];
}

/** Non-empty lines split on TAB (no quoting), with 1-based line numbers. */
function rows(input: TsvInput, columns: number): Row[] {
  const out: Row[] = [];
  const lines = input.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line === '') continue;
    const where = { source: input.source, line: i + 1 };
    if (line.length > DEFAULT_LIMITS.maxLineLength) throw new FormatError(where, 'line too long');
    const cols = line.split('\t');
    if (cols.length !== columns) {
      throw new FormatError(where, `expected ${columns} tab-separated columns, found ${cols.length}`);
    }
    out.push({ line: i + 1, cols });
  }
  return out;
}

const PMID_RE = /^\S+$/;
const INT_RE = /^\d+$/;
const ARG_RE = /^(Arg[12]):(\S+)$/;

interface DocState {
  doc: Document;
  title: Passage;
  abstract: Passage;
  entities: Map<string, Annotation>;
}

/** Documents from the abstracts file, keyed by PMID, in file order. */
function readAbstracts(input: TsvInput): Map<string, DocState> {
  const docs = new Map<string, DocState>();
  for (const { line, cols } of rows(input, 3)) {
    const [pmid, title, abstract] = cols as [string, string, string];
    const where = { source: input.source, line };
    if (!PMID_RE.test(pmid)) throw new FormatError(where, `bad PMID "${pmid}"`);
    if (docs.has(pmid)) throw new FormatError(where, `duplicate PMID ${pmid}`);
    const titleP: Passage = { offset: 0, text: title, attributes: { type: 'title' }, annotations: [] };
    const abstractP: Passage = {
      offset: title.length + 1,
      text: abstract,
      attributes: { type: 'abstract' },
      annotations: [],
    };
    const doc: Document = { id: pmid, passages: [titleP, abstractP], relations: [], attributes: { pmid } };
    docs.set(pmid, { doc, title: titleP, abstract: abstractP, entities: new Map() });
  }
  return docs;
}

function docFor(docs: Map<string, DocState>, pmid: string, where: { source: string; line: number }): DocState {
  const st = docs.get(pmid);
  if (!st) throw new FormatError(where, `PMID ${pmid} is not in the abstracts file`);
  return st;
}

function readEntities(input: TsvInput, docs: Map<string, DocState>): void {
  for (const { line, cols } of rows(input, 6)) {
    const [pmid, id, type, startS, endS, text] = cols as [string, string, string, string, string, string];
    const where = { source: input.source, line };
    const st = docFor(docs, pmid, where);
    if (id === '' || type === '') throw new FormatError(where, 'empty entity id or type');
    if (st.entities.has(id)) throw new FormatError(where, `duplicate entity id ${id} in PMID ${pmid}`);
    if (!INT_RE.test(startS) || !INT_RE.test(endS)) {
      throw new FormatError(where, `offsets must be non-negative integers, found "${startS}" "${endS}"`);
    }
    const start = Number(startS);
    const end = Number(endS);
    if (start > end) throw new FormatError(where, `entity ${id} ends (${end}) before it starts (${start})`);
    // Each mention must lie wholly in the title or wholly in the abstract.
    const passage = [st.title, st.abstract].find((p) => start >= p.offset && end <= p.offset + p.text.length);
    if (!passage) {
      throw new FormatError(where, `entity ${id} [${start}, ${end}) is outside the title and the abstract`);
    }
    // A text that disagrees with the offsets is kept, not rejected: checkOffsets reports it.
    const ann: Annotation = { id, type, spans: [{ start, end }], text, ids: [], attributes: {} };
    passage.annotations.push(ann);
    st.entities.set(id, ann);
  }
}

/** `Arg1:T3` checked against the document's entities; returns the entity id. */
function argument(value: string, role: string, st: DocState, where: { source: string; line: number }): string {
  const m = ARG_RE.exec(value);
  if (!m || m[1] !== role) throw new FormatError(where, `expected "${role}:<entity id>", found "${value}"`);
  const id = m[2] as string;
  if (!st.entities.has(id)) throw new FormatError(where, `unknown entity ${id} in PMID ${st.doc.id}`);
  return id;
}

function relation(st: DocState, type: string, a1: string, a2: string, attributes: Record<string, string>): Relation {
  return {
    id: `R${st.doc.relations.length + 1}`,
    type,
    args: [
      { role: 'Arg1', ref: { kind: 'annotation', id: a1 } },
      { role: 'Arg2', ref: { kind: 'annotation', id: a2 } },
    ],
    attributes,
    status: 'gold',
  };
}

/** Text order (by start, then end); the files list mentions in no particular order. */
function byPosition(a: Annotation, b: Annotation): number {
  const x = a.spans[0];
  const y = b.spans[0];
  return (x?.start ?? 0) - (y?.start ?? 0) || (x?.end ?? 0) - (y?.end ?? 0);
}

function finish(docs: Map<string, DocState>, source: string, corpus: string): Collection {
  const documents: Document[] = [];
  for (const st of docs.values()) {
    for (const p of st.doc.passages) {
      p.annotations.sort(byPosition);
    }
    documents.push(st.doc);
  }
  return createCollection({ source, key: corpus, attributes: { corpus }, documents });
}

/**
 * Build a DrugProt collection from the contents of its TSV files. Relation types are DrugProt's
 * (INHIBITOR, PART-OF, ...); exact duplicate rows are kept, as the file has them.
 */
export function parseDrugProt(inputs: BratTsvInputs): Collection {
  const docs = readAbstracts(inputs.abstracts);
  readEntities(inputs.entities, docs);
  if (inputs.relations) {
    for (const { line, cols } of rows(inputs.relations, 4)) {
      const [pmid, type, a1, a2] = cols as [string, string, string, string];
      const where = { source: inputs.relations.source, line };
      const st = docFor(docs, pmid, where);
      if (type === '') throw new FormatError(where, 'empty relation type');
      st.doc.relations.push(relation(st, type, argument(a1, 'Arg1', st, where), argument(a2, 'Arg2', st, where), {}));
    }
  }
  return finish(docs, inputs.abstracts.source, 'DrugProt');
}

const CPR_RE = /^CPR:\d+$/;

/**
 * Build a ChemProt collection from the contents of its TSV files. With `relations: 'gold'` (the
 * default) a gold-standard file is required.
 */
export function parseChemProt(inputs: BratTsvInputs, options: ChemProtOptions = {}): Collection {
  const mode = options.relations ?? 'gold';
  const docs = readAbstracts(inputs.abstracts);
  readEntities(inputs.entities, docs);
  // Fine-grained types of the evaluated ("Y") rows, keyed by pmid/group/arg1/arg2.
  const details = new Map<string, string[]>();
  if (inputs.relations) {
    for (const { line, cols } of rows(inputs.relations, 6)) {
      const [pmid, group, evalS, detail, a1s, a2s] = cols as [string, string, string, string, string, string];
      const where = { source: inputs.relations.source, line };
      const st = docFor(docs, pmid, where);
      if (!CPR_RE.test(group)) throw new FormatError(where, `bad CPR group "${group}"`);
      // The files write "Y " and "N " with a trailing space.
      const evaluated = evalS.trim();
      if (evaluated !== 'Y' && evaluated !== 'N') throw new FormatError(where, `expected Y or N, found "${evalS}"`);
      const a1 = argument(a1s, 'Arg1', st, where);
      const a2 = argument(a2s, 'Arg2', st, where);
      if (mode === 'all') {
        st.doc.relations.push(relation(st, group, a1, a2, { evaluated, detail }));
      } else if (evaluated === 'Y') {
        const key = `${pmid}\t${group}\t${a1}\t${a2}`;
        const list = details.get(key) ?? [];
        if (!list.includes(detail)) list.push(detail);
        details.set(key, list);
      }
    }
  }
  if (mode === 'gold') {
    if (!inputs.goldStandard) throw new FormatError({ source: inputs.abstracts.source }, 'no gold-standard file for this split');
    for (const { line, cols } of rows(inputs.goldStandard, 4)) {
      const [pmid, group, a1s, a2s] = cols as [string, string, string, string];
      const where = { source: inputs.goldStandard.source, line };
      const st = docFor(docs, pmid, where);
      if (!CPR_RE.test(group)) throw new FormatError(where, `bad CPR group "${group}"`);
      const a1 = argument(a1s, 'Arg1', st, where);
      const a2 = argument(a2s, 'Arg2', st, where);
      const detail = details.get(`${pmid}\t${group}\t${a1}\t${a2}`);
      st.doc.relations.push(relation(st, group, a1, a2, detail ? { detail: detail.join('|') } : {}));
    }
  }
  return finish(docs, inputs.abstracts.source, 'ChemProt');
}

/** The files of a split folder, found by their suffixes (`_abstracs.tsv` is DrugProt's typo). */
function findInputs(dir: string): BratTsvInputs {
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.tsv'));
  const pick = (re: RegExp): TsvInput | undefined => {
    const hits = names.filter((n) => re.test(n));
    if (hits.length > 1) throw new FormatError({ source: dir }, `several files match ${re.source}: ${hits.join(', ')}`);
    const name = hits[0];
    if (name === undefined) return undefined;
    const file = path.join(dir, name);
    return { source: file, text: fs.readFileSync(file, 'utf8') };
  };
  const abstracts = pick(/_abstract?s(_gs)?\.tsv$/);
  const entities = pick(/_entities(_gs)?\.tsv$/);
  if (!abstracts || !entities) throw new FormatError({ source: dir }, 'abstracts or entities file not found');
  const inputs: BratTsvInputs = { abstracts, entities };
  const relations = pick(/_relations(_gs)?\.tsv$/);
  if (relations) inputs.relations = relations;
  const gold = pick(/_gold_standard\.tsv$/);
  if (gold) inputs.goldStandard = gold;
  return inputs;
}

/** Read a DrugProt split folder (e.g. `drugprot/development`). */
export function readDrugProtDirectory(dir: string): Collection {
  const c = parseDrugProt(findInputs(dir));
  c.source = dir;
  return c;
}

/** Read a ChemProt split folder (e.g. `chemprot/chemprot_test_gs`). */
export function readChemProtDirectory(dir: string, options: ChemProtOptions = {}): Collection {
  const c = parseChemProt(findInputs(dir), options);
  c.source = dir;
  return c;
}
