/**
 * Reader for the DDI-2013 corpus XML (`<document><sentence><entity/><pair/></sentence></document>`).
 *
 * DDI gives sentence-relative, END-INCLUSIVE `charOffset`s (`23-31`, discontinuous `10-15;20-25`).
 * The reader joins the sentences with one space into the document text, makes one passage per
 * sentence (so gold sentence boundaries survive as passages) and converts every offset to the
 * model's document-absolute, end-exclusive convention. Only `ddi="true"` pairs become relations:
 * in the released corpus the `<pair>` elements of a sentence are exactly all unordered pairs of
 * its entities, so candidate generation can enumerate them instead of reading negatives.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import { createCollection } from '../document/document';
import type { Annotation, Attributes, Collection, Document, Passage, Relation, Span } from '../document/document';
import { FormatError } from '../shared/errors';

/** Extra information for a DDI document that the XML itself does not carry. */
export interface DdiReadOptions {
  /** PubMed id (MedLine files are named `<PMID>.xml`); stored as `attributes.pmid`. */
  pmid?: string;
  /** Further document attributes (file name, split, ...). */
  attributes?: Attributes;
}

/** A `<pair>` waiting for its sentence to close, so entity order inside the sentence is free. */
interface PendingPair {
  id: string;
  e1: string;
  e2: string;
  ddi: boolean;
  type: string | undefined;
  line: number;
}

const OFFSET_RE = /^\d+-\d+(?:;\d+-\d+)*$/;

/**
 * Parse one DDI-2013 XML document from a string. `source` names the input in error messages.
 * Throws only `FormatError`.
 */
export function parseDdiXml(xml: string, source: string, options: DdiReadOptions = {}): Document {
  const parser = new SaxesParser<{ xmlns: false; position: true }>({ xmlns: false, position: true });
  const stack: string[] = [];
  let doc: Document | undefined;
  let sentence: Passage | undefined;
  let sentenceId = '';
  let sentenceEntities = new Set<string>();
  let pending: PendingPair[] = [];
  let docEnded = false;
  // Running length of the joined document text: the next sentence starts one space after it.
  let textLength = 0;
  const seenIds = new Set<string>();

  const fail = (detail: string, element?: string): never => {
    const loc = { source, line: parser.line, column: parser.column + 1 };
    throw new FormatError(element === undefined ? loc : { ...loc, element }, detail);
  };

  const attr = (tag: SaxesTagPlain, name: string, element: string): string => {
    const v = tag.attributes[name];
    if (v === undefined) fail(`missing attribute "${name}"`, element);
    return v as string;
  };

  const claimId = (id: string, element: string): void => {
    if (id === '') fail('empty id', element);
    if (seenIds.has(id)) fail(`duplicate id "${id}"`, element);
    seenIds.add(id);
  };

  const closeSentence = (): void => {
    if (!doc || !sentence) return;
    let pairCount = 0;
    for (const p of pending) {
      pairCount++;
      for (const e of [p.e1, p.e2]) {
        if (!sentenceEntities.has(e)) {
          throw new FormatError(
            { source, line: p.line, element: `pair ${p.id}` },
            `argument "${e}" is not an entity of sentence ${sentenceId}`,
          );
        }
      }
      if (!p.ddi) continue;
      const rel: Relation = {
        id: p.id,
        // One training pair says ddi="true" without a type; DDI's own "int" class means
        // "interaction, no further information", so it is the faithful reading. Marked for audit.
        type: p.type ?? 'int',
        args: [
          { role: 'e1', ref: { kind: 'annotation', id: p.e1 } },
          { role: 'e2', ref: { kind: 'annotation', id: p.e2 } },
        ],
        attributes: p.type === undefined ? { sentence: sentenceId, typeMissing: 'true' } : { sentence: sentenceId },
        status: 'gold',
      };
      doc.relations.push(rel);
    }
    sentence.attributes['pairs'] = String(pairCount);
    sentence = undefined;
    pending = [];
    sentenceEntities = new Set();
  };

  parser.on('error', (err) => {
    // saxes prefixes its own "line:column: "; the FormatError location carries that already.
    fail(err.message.replace(/^\d+:\d+: /, ''));
  });

  parser.on('text', (t) => {
    if (t.trim() !== '') fail('unexpected text content', stack.length ? `<${stack[stack.length - 1]}>` : undefined);
  });
  parser.on('cdata', () => fail('unexpected CDATA section'));

  parser.on('opentag', (tag) => {
    const parent = stack[stack.length - 1];
    const name = tag.name;
    if (parent === undefined) {
      if (name !== 'document') fail(`root element must be <document>, found <${name}>`);
      if (docEnded) fail('more than one root element');
      const id = attr(tag, 'id', '<document>');
      const attributes: Attributes = { ...options.attributes };
      const part = /^DDI-([A-Za-z]+)\./.exec(id);
      if (part?.[1] !== undefined) attributes['collection'] = part[1];
      if (options.pmid !== undefined) attributes['pmid'] = options.pmid;
      doc = { id, passages: [], relations: [], attributes };
    } else if (parent === 'document' && name === 'sentence') {
      const id = attr(tag, 'id', '<sentence>');
      const el = `<sentence id=${id}>`;
      claimId(id, el);
      const text = attr(tag, 'text', el);
      const offset = doc && doc.passages.length > 0 ? textLength + 1 : 0;
      sentence = { offset, text, attributes: { type: 'sentence', id }, annotations: [] };
      doc?.passages.push(sentence);
      textLength = offset + text.length;
      sentenceId = id;
    } else if (parent === 'sentence' && name === 'entity') {
      const id = attr(tag, 'id', '<entity>');
      const el = `<entity id=${id}>`;
      claimId(id, el);
      const charOffset = attr(tag, 'charOffset', el);
      const type = attr(tag, 'type', el);
      const text = attr(tag, 'text', el);
      if (!sentence) return fail('entity outside a sentence', el);
      const spans = parseCharOffset(charOffset, sentence, (d) => fail(d, el));
      const ann: Annotation = {
        id,
        type,
        spans,
        text,
        ids: [],
        attributes: { sentence: sentenceId, charOffset },
      };
      sentence.annotations.push(ann);
      sentenceEntities.add(id);
    } else if (parent === 'sentence' && name === 'pair') {
      const id = attr(tag, 'id', '<pair>');
      const el = `<pair id=${id}>`;
      claimId(id, el);
      const ddi = attr(tag, 'ddi', el);
      if (ddi !== 'true' && ddi !== 'false') fail(`ddi must be "true" or "false", found "${ddi}"`, el);
      pending.push({
        id,
        e1: attr(tag, 'e1', el),
        e2: attr(tag, 'e2', el),
        ddi: ddi === 'true',
        type: tag.attributes['type'],
        line: parser.line,
      });
    } else {
      fail(`unexpected element <${name}> inside <${parent}>`);
    }
    stack.push(name);
  });

  parser.on('closetag', (tag) => {
    stack.pop();
    if (tag.name === 'sentence') closeSentence();
    if (tag.name === 'document' && stack.length === 0) docEnded = true;
  });

  // A BOM is legal at the start of an XML file but saxes treats it as text before the root.
  const body = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  parser.write(body).close();
  if (!doc) throw new FormatError({ source }, 'no <document> element');
  return doc;
}

/** `10-15;20-25` (sentence-relative, end-inclusive) to sorted document-absolute half-open spans. */
function parseCharOffset(value: string, sentence: Passage, fail: (detail: string) => never): Span[] {
  if (!OFFSET_RE.test(value)) fail(`bad charOffset "${value}"`);
  const spans: Span[] = [];
  for (const part of value.split(';')) {
    const [a, b] = part.split('-').map(Number) as [number, number];
    if (a > b) fail(`charOffset "${part}" ends before it starts`);
    if (b >= sentence.text.length) {
      fail(`charOffset "${part}" is outside the sentence (length ${sentence.text.length})`);
    }
    spans.push({ start: sentence.offset + a, end: sentence.offset + b + 1 });
  }
  return spans.sort((x, y) => x.start - y.start || x.end - y.end);
}

/**
 * Read one DDI XML file. A file named `<digits>.xml` (the MedLine part) gets that PMID in
 * `attributes.pmid`, which the leak guard matches on; DrugBank files have none.
 */
export function readDdiFile(file: string, attributes: Attributes = {}): Document {
  const base = path.basename(file);
  const pmid = /^(\d+)\.xml$/i.exec(base)?.[1];
  const options: DdiReadOptions = { attributes: { file: base, ...attributes } };
  if (pmid !== undefined) options.pmid = pmid;
  return parseDdiXml(fs.readFileSync(file, 'utf8'), file, options);
}

/**
 * Read every `*.xml` file under `dir` (recursively, in sorted path order) into one collection,
 * e.g. `Train/` or `Test/Test for DDI Extraction task/`.
 */
export function readDdiDirectory(dir: string): Collection {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.xml')) files.push(p);
    }
  };
  walk(dir);
  // Plain code-unit order, not locale order, so every machine reads the files identically.
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const documents = files.map((f) => readDdiFile(f));
  return createCollection({ source: dir, key: 'DDI-2013', attributes: { corpus: 'DDI-2013' }, documents });
}
