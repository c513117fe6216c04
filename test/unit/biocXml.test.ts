import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import {
  biocXmlDocument,
  biocXmlFooter,
  biocXmlHeader,
  parseBiocXml,
  readBiocXml,
  writeBiocXml,
  type BiocCollectionHeader,
} from '../../src/core/formats/biocXml';
import { ATTR_ID_KEY, ATTR_ID_RAW, ATTR_TYPE_KEY } from '../../src/core/formats/biocMapping';
import { checkOffsets, type Collection, type Document } from '../../src/core/document/document';
import { FormatError } from '../../src/core/shared/errors';
import { dataRoot, hasData } from '../../src/core/corpora/dataRoot';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/bioc');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

function doc(c: Collection, id: string): Document {
  const d = c.documents.find((x) => x.id === id);
  assert.ok(d, `document ${id}`);
  return d;
}

/** Asserts that `f` throws a FormatError naming `file` and `line`, with `detail` in its message. */
function expectFormatError(f: () => unknown, file: string, line: number, detail: RegExp): FormatError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${file}:${line}:`), `message "${e.message}" should start with ${file}:${line}:`);
    assert.match(e.message, detail);
    return e;
  }
  assert.fail('expected a FormatError');
}

/**
 * A structural check of the BioC DTD content models (the DTD itself is not available offline):
 * every element's children must come in the order the DTD prescribes.
 */
function assertBiocDtdOrder(xml: string): void {
  const models: Record<string, RegExp> = {
    collection: /^source date key (infon )*(document )*$/,
    document: /^id (infon )*(passage )*(relation )*$/,
    passage: /^(infon )*offset (text )?(annotation )*(relation )*$/,
    annotation: /^(infon )*(location )*text $/,
    relation: /^(infon )*(node )*$/,
    location: /^$/,
    node: /^$/,
    infon: /^$/,
    source: /^$/,
    date: /^$/,
    key: /^$/,
    id: /^$/,
    offset: /^$/,
    text: /^$/,
  };
  const sax = new SaxesParser<{ xmlns: false }>({ xmlns: false });
  const stack: Array<{ name: string; children: string }> = [];
  sax.on('doctype', (d) => assert.match(d, /collection SYSTEM "BioC.dtd"/));
  sax.on('opentag', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.children += `${t.name} `;
    if (t.name === 'location') assert.ok('offset' in t.attributes && 'length' in t.attributes);
    if (t.name === 'node') assert.ok('refid' in t.attributes && 'role' in t.attributes);
    if (t.name === 'infon') assert.ok('key' in t.attributes);
    stack.push({ name: t.name, children: '' });
  });
  sax.on('closetag', () => {
    const e = stack.pop();
    assert.ok(e);
    const model = models[e.name];
    assert.ok(model, `unknown element <${e.name}>`);
    assert.match(e.children, model, `children of <${e.name}>`);
  });
  sax.write(xml).close();
}

test('small.xml: header, entities, composite and discontinuous mentions, relations', () => {
  const c = parseBiocXml(fixture('small.xml'), 'small.xml');
  assert.equal(c.source, 'Hand-made');
  assert.equal(c.date, '2024-01-02');
  assert.equal(c.key, 'BioC.key');
  assert.deepEqual(c.attributes, { purpose: 'tests & fuzzing' });
  assert.equal(c.documents.length, 2);
  const d = doc(c, '100');
  assert.deepEqual(d.attributes, { corpus: 'cdr-like' });
  assert.equal(d.passages[0]?.text, 'Naloxone reverses "clonidine" & <b> effects.');
  assert.equal(d.passages[1]?.text, 'Ocular and auditory toxicity after DFO in café patients.');
  assert.deepEqual(d.passages[1]?.attributes, { type: 'abstract' });
  const anns = d.passages.flatMap((p) => p.annotations);
  assert.deepEqual(anns[2]?.ids, ['D014786', 'D006311']);
  assert.deepEqual(anns[3]?.spans, [
    { start: 45, end: 51 },
    { start: 65, end: 73 },
  ]);
  assert.equal(anns[3]?.text, 'Ocular toxicity');
  assert.deepEqual(anns[3]?.attributes, {
    CompositeRole: 'IndividualMention',
    [ATTR_ID_KEY]: 'MESH',
    [ATTR_ID_RAW]: 'D014786',
  });
  assert.deepEqual(anns[4]?.ids, [], 'MESH -1 means unknown');
  assert.deepEqual(d.relations[0], {
    id: 'R0',
    type: 'CID',
    args: [
      { role: 'Chemical', ref: { kind: 'concept', id: 'D009270' } },
      { role: 'Disease', ref: { kind: 'concept', id: 'D014786' } },
    ],
    attributes: { [ATTR_TYPE_KEY]: 'relation' },
  });
  assert.deepEqual(d.relations[1], {
    id: 'R1',
    type: 'adverse',
    args: [
      { role: 'Arg1', ref: { kind: 'annotation', id: '0' } },
      { role: 'Arg2', ref: { kind: 'annotation', id: '2' } },
    ],
    attributes: {},
    score: 0.75,
    status: 'accepted',
  });
  const b = doc(c, '200');
  const bAnns = b.passages.flatMap((p) => p.annotations);
  assert.equal(b.passages[0]?.text, "BRCA1 c.68_69delAG and FOXP3/RORC genes in l'ovaire.");
  assert.deepEqual(bAnns[1]?.ids, ['c|DEL|68_69|AG'], 'BioRED identifiers are not split on |');
  assert.deepEqual(bAnns[2]?.ids, ['50943', '6097'], 'BioRED identifiers are split on ,');
  assert.deepEqual(b.relations[0]?.args, [
    { role: 'entity1', ref: { kind: 'concept', id: '672' } },
    { role: 'entity2', ref: { kind: 'concept', id: 'c|DEL|68_69|AG' } },
  ]);
  assert.deepEqual(b.relations[0]?.attributes, { novel: 'Novel' });
  for (const x of c.documents) assert.deepEqual(checkOffsets(x), []);
});

test('small.xml: XML -> model -> XML -> model is lossless, with the same infon keys and valid BioC', () => {
  const c = parseBiocXml(fixture('small.xml'), 'small.xml');
  const xml = writeBiocXml(c);
  assert.deepEqual(parseBiocXml(xml, 'rt.xml'), c);
  assert.equal(writeBiocXml(parseBiocXml(xml, 'rt.xml')), xml, 'writing is stable');
  assertBiocDtdOrder(xml);
  for (const line of [
    '<infon key="MESH">-1</infon>',
    '<infon key="MESH">D014786|D006311</infon>',
    '<infon key="relation">CID</infon>\n<infon key="Chemical">D009270</infon>\n<infon key="Disease">D014786</infon>',
    '<infon key="identifier">50943,6097</infon>\n<infon key="type">GeneOrGeneProduct</infon>',
    '<infon key="entity1">672</infon>\n<infon key="entity2">c|DEL|68_69|AG</infon>\n<infon key="type">Association</infon>\n<infon key="novel">Novel</infon>',
    '<infon key="score">0.75</infon>\n<infon key="status">accepted</infon>\n<node refid="0" role="Arg1"/>',
    '<location offset="45" length="6"/>\n<location offset="65" length="8"/>',
    '<text>Naloxone reverses &quot;clonidine&quot; &amp; &lt;b&gt; effects.</text>',
  ]) {
    assert.ok(xml.includes(line), `output contains ${line}`);
  }
  assert.ok(!xml.includes('bioc:'), 'bookkeeping attributes are not written');
});

test('edited ids are written joined; the raw string is reused only while it still parses to the ids', () => {
  const c = parseBiocXml(fixture('small.xml'), 'small.xml');
  const a = doc(c, '100').passages[1]?.annotations[0];
  const g = doc(c, '200').passages[0]?.annotations[2];
  assert.ok(a && g);
  a.ids = ['D000001', 'D000002', 'D000003'];
  g.ids = ['7157'];
  const xml = writeBiocXml(c);
  assert.ok(xml.includes('<infon key="MESH">D000001|D000002|D000003</infon>'));
  assert.ok(xml.includes('<infon key="identifier">7157</infon>'));
  const back = parseBiocXml(xml, 'rt.xml');
  assert.deepEqual(doc(back, '100').passages[1]?.annotations[0]?.ids, a.ids);
  assert.deepEqual(doc(back, '200').passages[0]?.annotations[2]?.ids, ['7157']);
});

test('score, status and concept arguments with any role survive a round trip from a model', () => {
  const c: Collection = {
    source: 's',
    date: 'd',
    key: 'k',
    attributes: {},
    documents: [
      {
        id: 'D1',
        attributes: {},
        passages: [
          {
            offset: 0,
            text: 'Aspirin causes ulcers.',
            attributes: { type: 'title' },
            annotations: [
              { id: 'T1', type: 'Chemical', spans: [{ start: 0, end: 7 }], text: 'Aspirin', ids: ['D001241'], attributes: {} },
              { id: 'T2', type: 'Disease', spans: [{ start: 15, end: 21 }], text: 'ulcers', ids: [], attributes: {} },
            ],
          },
        ],
        relations: [
          {
            id: 'P1',
            type: 'CID',
            args: [
              { role: 'Arg1', ref: { kind: 'concept', id: 'D001241' } },
              { role: 'Arg2', ref: { kind: 'annotation', id: 'T2' } },
            ],
            attributes: { note: 'model says so' },
            score: 0.125,
            status: 'rejected',
          },
          { id: 'P2', type: '', args: [], attributes: {}, status: 'suggested' },
        ],
      },
    ],
  };
  const back = parseBiocXml(writeBiocXml(c), 'model.xml');
  // Ids come back with the default `identifier` key recorded; everything else is unchanged.
  const t1 = back.documents[0]?.passages[0]?.annotations[0];
  assert.deepEqual(t1?.attributes, { [ATTR_ID_KEY]: 'identifier', [ATTR_ID_RAW]: 'D001241' });
  assert.deepEqual(back.documents[0]?.relations, c.documents[0]?.relations);
});

test('escaping: markup characters, quotes, CR/tab/LF and characters XML cannot carry', () => {
  const text = 'a&b <c> "d" \'e\'\r\nf\tg\u0001h\uD800i ]]> j\uD83D\uDE00';
  const c: Collection = {
    source: '<src & "quotes">',
    date: '',
    key: '',
    attributes: { 'k"ey\t<1>': 'v&\r\nal' },
    documents: [
      {
        id: 'x&y',
        attributes: {},
        passages: [
          {
            offset: 0,
            text,
            attributes: {},
            annotations: [
              { id: 'a"1', type: 'T<', spans: [{ start: 0, end: 3 }], text: 'a&b', ids: ['x,y'], attributes: { "q'": '\t' } },
            ],
          },
        ],
        relations: [{ id: "r'1", type: 't', args: [{ role: 'r"', ref: { kind: 'annotation', id: 'a"1' } }], attributes: {} }],
      },
    ],
  };
  const xml = writeBiocXml(c);
  const back = parseBiocXml(xml, 'esc.xml');
  assert.equal(back.source, c.source);
  assert.deepEqual(back.attributes, c.attributes);
  const p = back.documents[0]?.passages[0];
  // U+0001 and the lone surrogate are not XML characters: replaced one code unit for one.
  assert.equal(p?.text, text.replace('\u0001', '\uFFFD').replace('\uD800', '\uFFFD'));
  assert.equal(p?.text.length, text.length);
  assert.equal(back.documents[0]?.id, 'x&y');
  assert.equal(p?.annotations[0]?.id, 'a"1');
  assert.equal(p?.annotations[0]?.type, 'T<');
  assert.equal(p?.annotations[0]?.attributes["q'"], '\t');
  assert.deepEqual(back.documents[0]?.relations[0]?.args, c.documents[0]?.relations[0]?.args);
});

test('streaming: tiny string chunks and byte chunks split inside characters give the same documents', async () => {
  const text = fixture('small.xml');
  const whole = parseBiocXml(text, 'small.xml');
  const stringChunks = text.match(/[\s\S]{1,7}/g) ?? [];
  const bytes = Buffer.from(text, 'utf8');
  const byteChunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 5) byteChunks.push(bytes.subarray(i, i + 5));
  for (const chunks of [stringChunks, byteChunks]) {
    const headers: BiocCollectionHeader[] = [];
    const docs: Document[] = [];
    for await (const d of readBiocXml(chunks, 'small.xml', { onHeader: (h) => headers.push(h) })) {
      assert.equal(headers.length, 1, 'header arrives before the first document');
      docs.push(d);
    }
    assert.equal(headers.length, 1);
    assert.deepEqual({ ...headers[0], documents: docs }, whole);
  }
});

test('streaming writer pieces concatenate to writeBiocXml', () => {
  const c = parseBiocXml(fixture('small.xml'), 'small.xml');
  const streamed = biocXmlHeader(c) + c.documents.map(biocXmlDocument).join('') + biocXmlFooter();
  assert.equal(streamed, writeBiocXml(c));
});

test('sentences are flattened into their passage; their relations move to the document', () => {
  const c = parseBiocXml(fixture('sentences.xml'), 'sentences.xml');
  const d = doc(c, '300');
  assert.equal(d.passages[1]?.text, 'It works.  Yes, aspirin.');
  assert.deepEqual(
    d.passages[1]?.annotations.map((a) => a.id),
    ['A1', 'A2'],
  );
  assert.deepEqual(d.relations.map((r) => r.id), ['S1']);
  assert.deepEqual(checkOffsets(d), []);
  assert.deepEqual(parseBiocXml(writeBiocXml(c), 'rt.xml'), c);
});

test('missing annotation and relation ids are generated without clashing', () => {
  const xml = `<collection><source/><date/><key/><document><id>1</id><passage><offset>0</offset><text>ab</text>
<annotation><location offset="0" length="1"/><text>a</text></annotation>
<annotation id="a0"><location offset="1" length="1"/><text>b</text></annotation></passage>
<relation><node refid="a0"/></relation></document></collection>`;
  const d = parseBiocXml(xml, 'ids.xml').documents[0];
  assert.deepEqual(d?.passages[0]?.annotations.map((a) => a.id), ['a1', 'a0']);
  assert.equal(d?.relations[0]?.id, 'r0');
  assert.equal(d?.relations[0]?.args[0]?.role, '');
});

test('entity bomb (internal DTD entities) is rejected with FormatError', () => {
  const e = expectFormatError(() => parseBiocXml(fixture('entity-bomb.xml'), 'entity-bomb.xml'), 'entity-bomb.xml', 6, /entity declarations are not allowed/);
  assert.equal(e.location.line, 6);
});

test('external entity is rejected before anything could be read', () => {
  const e = expectFormatError(
    () => parseBiocXml(fixture('external-entity.xml'), 'external-entity.xml'),
    'external-entity.xml',
    4,
    /entity declarations are not allowed/,
  );
  assert.ok(!e.message.includes('root:'), 'no file content leaks into the message');
});

test('undefined entities are FormatErrors (only the 5 predefined ones and character references exist)', () => {
  expectFormatError(() => parseBiocXml(fixture('undefined-entity.xml'), 'undefined-entity.xml'), 'undefined-entity.xml', 11, /undefined entity/);
});

test('entity references are capped per document', () => {
  const body = '&amp;'.repeat(50);
  const xml = `<collection><source/><date/><key/><document><id>1</id><passage><offset>0</offset><text>${body}</text></passage></document></collection>`;
  assert.equal(parseBiocXml(xml, 'ok.xml').documents[0]?.passages[0]?.text, '&'.repeat(50));
  expectFormatError(() => parseBiocXml(xml, 'cap.xml', { limits: { maxEntityExpansions: 10 } }), 'cap.xml', 1, /more than 10 entity references/);
});

test('truncated file => FormatError at the end', () => {
  expectFormatError(() => parseBiocXml(fixture('truncated.xml'), 'truncated.xml'), 'truncated.xml', 47, /unclosed|unexpected end|tag/i);
});

test('non-integer location length => FormatError naming document, annotation and line', () => {
  const e = expectFormatError(() => parseBiocXml(fixture('bad-offset.xml'), 'bad-offset.xml'), 'bad-offset.xml', 14, /non-negative integers/);
  assert.match(e.location.element ?? '', /<document id=123> <passage offset=0> <annotation id=5> <location/);
});

test('non-integer passage offset => FormatError', () => {
  expectFormatError(() => parseBiocXml(fixture('bad-passage-offset.xml'), 'bad-passage-offset.xml'), 'bad-passage-offset.xml', 10, /<offset> "zero"/);
});

test('annotation location outside its passage => FormatError', () => {
  const e = expectFormatError(() => parseBiocXml(fixture('outside-passage.xml'), 'outside-passage.xml'), 'outside-passage.xml', 14, /outside its passage \[0, 14\)/);
  assert.match(e.message, /<annotation id=5>/);
});

test('unknown relation node refid => FormatError', () => {
  expectFormatError(() => parseBiocXml(fixture('unknown-refid.xml'), 'unknown-refid.xml'), 'unknown-refid.xml', 21, /refid T9 names no annotation/);
});

test('missing document <id> => FormatError at the document', () => {
  expectFormatError(() => parseBiocXml(fixture('missing-id.xml'), 'missing-id.xml'), 'missing-id.xml', 7, /no <id>/);
});

test('other malformed inputs are FormatErrors with positions', () => {
  const head = '<collection><source/><date/><key/>';
  const cases: Array<[string, RegExp]> = [
    ['', /no <collection>|root/i],
    ['<foo/>', /unexpected element <foo> at the top level/],
    [`${head}<document><id>1</id><bogus/></document></collection>`, /unexpected element <bogus> inside <document>/],
    [`${head}<document><id>1</id>stray</document></collection>`, /unexpected text "stray"/],
    [`${head}<document><id>1</id><passage><offset>5</offset><text>abc</text></passage><passage><offset>6</offset><text>x</text></passage></document></collection>`, /overlaps/],
    [`${head}<document><id>1</id><passage><offset>0</offset><text>ab</text><annotation id="1"><location offset="0" length="1"/><text>a</text></annotation><annotation id="1"><location offset="1" length="1"/><text>b</text></annotation></passage></document></collection>`, /duplicate annotation id 1/],
    [`${head}<document><id>1</id><passage><offset>0</offset><text>ab</text><annotation id="1"><text>a</text></annotation></passage></document></collection>`, /no location/],
    [`${head}<document><id>1</id><passage><text>ab</text></passage></document></collection>`, /no <offset>/],
    [`${head}<document><id>1</id><relation id="r"><node role="x"/></relation></document></collection>`, /no refid/],
    [`${head}<document><id>1</id></document><infon key="late">x</infon></collection>`, /before the first <document>/],
    [`${head}<document><id>1</id><passage><offset>0</offset><text>a</text></passage></document></collection><collection/>`, /root|outside/i],
    [`${head}<document><id>1</id><passage><offset>99999999999999999999</offset></passage></document></collection>`, /non-negative integer/],
  ];
  for (const [xml, detail] of cases) {
    try {
      parseBiocXml(xml, 'case.xml');
      assert.fail(`accepted: ${xml}`);
    } catch (e) {
      assert.ok(e instanceof FormatError, `${String(e)} for ${xml}`);
      assert.match(e.message, /^case\.xml:\d+:\d+/);
      assert.match(e.message, detail, xml);
    }
  }
});

test('invalid UTF-8 bytes => FormatError', async () => {
  const bytes = Buffer.concat([Buffer.from('<collection><source>'), Buffer.from([0xff, 0xfe]), Buffer.from('</source></collection>')]);
  await assert.rejects(
    async () => {
      for await (const _d of readBiocXml([bytes], 'bytes.xml')) void _d;
    },
    (e: unknown) => e instanceof FormatError && /^bytes\.xml:1:\d+.*UTF-8/.test(e.message),
  );
});

// ---------------------------------------------------------------------------------------------
// Fuzz: whatever the damage, only FormatError may come out.

const XML_CHARS = ['<', '>', '&', '"', "'", '/', '=', '#', ';', 'x', '0', '9', '-', ' ', '\n', '!', '[', ']', '?', 'é', '\u0001', '\uD800'];

/** Random deletions, insertions, swaps and duplicated slices of `base`. */
function mutations(base: string, chars: string[]): fc.Arbitrary<string> {
  const op = fc.record({
    kind: fc.constantFrom('delete', 'insert', 'swap', 'duplicate'),
    at: fc.nat({ max: base.length }),
    len: fc.integer({ min: 1, max: 40 }),
    ch: fc.constantFrom(...chars),
  });
  return fc.array(op, { minLength: 1, maxLength: 6 }).map((ops) => {
    let s = base;
    for (const o of ops) {
      const at = o.at % (s.length + 1);
      if (o.kind === 'delete') s = s.slice(0, at) + s.slice(at + o.len);
      else if (o.kind === 'insert') s = s.slice(0, at) + o.ch + s.slice(at);
      else if (o.kind === 'swap' && at + 1 < s.length) s = s.slice(0, at) + s.charAt(at + 1) + s.charAt(at) + s.slice(at + 2);
      else s = s.slice(0, at) + s.slice(at, at + o.len) + s.slice(at);
    }
    return s;
  });
}

/** Only clean FormatErrors are acceptable; the readers' safety nets would hide a real bug. */
function assertOnlyFormatError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof FormatError)) throw new Error(`non-FormatError escaped: ${String(e)}`, { cause: e });
    if (e.detail.startsWith('unreadable')) throw new Error(`safety net caught a bug: ${e.message}`, { cause: e });
  }
}

test('fuzz: 2000 mutated BioC XML inputs only ever throw FormatError', () => {
  const base = fixture('small.xml');
  fc.assert(
    fc.property(mutations(base, XML_CHARS), (s) => assertOnlyFormatError(() => parseBiocXml(s, 'fuzz.xml'))),
    { numRuns: 2000, seed: 20240102 },
  );
});

test('fuzz: 300 byte-mutated inputs through the streaming reader only throw FormatError', async () => {
  const base = Buffer.from(fixture('small.xml'), 'utf8');
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ at: fc.nat({ max: base.length - 1 }), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 1, max: 300 }),
      async (edits, chunk) => {
        const bytes = Buffer.from(base);
        for (const e of edits) bytes[e.at] = e.byte;
        const chunks: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
        try {
          for await (const _d of readBiocXml(chunks, 'fuzz.xml')) void _d;
        } catch (e) {
          if (!(e instanceof FormatError) || e.detail.startsWith('unreadable')) throw e;
        }
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});

// ---------------------------------------------------------------------------------------------
// Real corpora

interface Expected {
  file: string;
  documents: number;
  annotations: number;
  relations: number;
  relationType?: string;
  /** Offset mismatches present in the distributed corpus (documentId/annotationId). */
  knownMismatches: string[];
}

const REAL_XML: Expected[] = [
  { file: 'bc5cdr/CDR.Corpus.v010516/CDR_TrainingSet.BioC.xml', documents: 500, annotations: 9570, relations: 1038, relationType: 'CID', knownMismatches: ['20722491/6', '11587867/7', '15863244/12'] },
  { file: 'bc5cdr/CDR.Corpus.v010516/CDR_DevelopmentSet.BioC.xml', documents: 500, annotations: 9773, relations: 1012, relationType: 'CID', knownMismatches: ['6415512/8'] },
  { file: 'bc5cdr/CDR.Corpus.v010516/CDR_TestSet.BioC.xml', documents: 500, annotations: 9928, relations: 1066, relationType: 'CID', knownMismatches: [] },
  { file: 'biored/Train.BioC.XML', documents: 400, annotations: 13351, relations: 4178, knownMismatches: [] },
  { file: 'biored/Dev.BioC.XML', documents: 100, annotations: 3533, relations: 1162, knownMismatches: [] },
  { file: 'biored/Test.BioC.XML', documents: 100, annotations: 3535, relations: 1163, knownMismatches: [] },
];

for (const exp of REAL_XML) {
  const file = path.join(dataRoot(), exp.file);
  const present = hasData() && fs.existsSync(file);
  test(`real data: ${exp.file} reads, counts match, round-trips losslessly`, { skip: present ? false : `corpus file ${file} not present` }, async (t) => {
    const text = fs.readFileSync(file, 'utf8');
    let start = process.hrtime.bigint();
    const c = parseBiocXml(text, file);
    const parseMs = Number(process.hrtime.bigint() - start) / 1e6;

    // The streaming reader sees the same documents.
    start = process.hrtime.bigint();
    let header: BiocCollectionHeader | undefined;
    const streamed: Document[] = [];
    for await (const d of readBiocXml(fs.createReadStream(file), file, { onHeader: (h) => (header = h) })) streamed.push(d);
    const streamMs = Number(process.hrtime.bigint() - start) / 1e6;
    assert.deepEqual({ ...header, documents: streamed }, c);

    assert.equal(c.documents.length, exp.documents);
    const annotations = c.documents.reduce((n, d) => n + d.passages.reduce((m, p) => m + p.annotations.length, 0), 0);
    const relations = c.documents.flatMap((d) => d.relations);
    assert.equal(annotations, exp.annotations);
    assert.equal(relations.length, exp.relations);
    if (exp.relationType) assert.ok(relations.every((r) => r.type === exp.relationType));

    const mismatches = c.documents.flatMap(checkOffsets);
    for (const m of mismatches) {
      t.diagnostic(`offset mismatch ${m.documentId}/${m.annotationId}: text "${m.expected}" but offsets select "${m.actual}"`);
    }
    assert.deepEqual(mismatches.map((m) => `${m.documentId}/${m.annotationId}`).sort(), [...exp.knownMismatches].sort());

    start = process.hrtime.bigint();
    const xml = writeBiocXml(c);
    const writeMs = Number(process.hrtime.bigint() - start) / 1e6;
    assert.deepEqual(parseBiocXml(xml, 'roundtrip.xml'), c);
    t.diagnostic(`${exp.file}: parse ${parseMs.toFixed(0)} ms, stream ${streamMs.toFixed(0)} ms, write ${writeMs.toFixed(0)} ms, ${c.documents.length} docs, ${annotations} annotations, ${relations.length} relations, ${mismatches.length} offset mismatches`);
  });
}

test('real data: every BC5CDR/BioRED BioC XML file in the corpus folders is covered', { skip: hasData() ? false : 'corpora not present' }, () => {
  const listed = new Set(REAL_XML.map((e) => e.file));
  const found = [
    ...fs.readdirSync(path.join(dataRoot(), 'bc5cdr/CDR.Corpus.v010516')).filter((f) => f.endsWith('.BioC.xml')).map((f) => `bc5cdr/CDR.Corpus.v010516/${f}`),
    ...fs.readdirSync(path.join(dataRoot(), 'biored')).filter((f) => f.endsWith('.BioC.XML')).map((f) => `biored/${f}`),
  ];
  for (const f of found) assert.ok(listed.has(f), `${f} has no expectations`);
});
