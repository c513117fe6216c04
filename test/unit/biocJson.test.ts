import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { formatJsonPath, parseBiocJson, writeBiocJson } from '../../src/core/formats/biocJson';
import { parseBiocXml } from '../../src/core/formats/biocXml';
import { ATTR_JSON_INFONS } from '../../src/core/formats/biocMapping';
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

function expectFormatError(f: () => unknown, re: RegExp): FormatError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
    assert.match(e.message, re);
    return e;
  }
  assert.fail('expected a FormatError');
}

test('small.json: header, infons, discontinuous mentions, sentences, relations', () => {
  const c = parseBiocJson(fixture('small.json'), 'small.json');
  assert.equal(c.source, 'Hand-made');
  assert.deepEqual(c.attributes, { purpose: 'tests & fuzzing' });
  const d = doc(c, '100');
  const anns = d.passages.flatMap((p) => p.annotations);
  assert.deepEqual(anns[3]?.spans, [
    { start: 45, end: 51 },
    { start: 65, end: 73 },
  ]);
  assert.deepEqual(anns[2]?.ids, ['D014786', 'D006311']);
  // Non-string infon values (PubTator3 style) are kept as JSON text and marked.
  assert.equal(anns[4]?.attributes['valid'], 'true');
  assert.equal(anns[4]?.attributes['normalized'], '[1234]');
  assert.equal(anns[4]?.attributes[ATTR_JSON_INFONS], '["valid","normalized"]');
  assert.equal(d.relations[0]?.type, 'CID');
  assert.equal(d.relations[1]?.score, 0.75);
  assert.equal(d.relations[1]?.status, 'accepted');
  const b = doc(c, '200');
  assert.deepEqual(b.passages[0]?.attributes, {}, 'BioRED JSON passages have no infons');
  assert.equal(b.passages[1]?.text, 'It works. Yes.', 'sentences are flattened');
  assert.deepEqual(b.passages[1]?.annotations.map((a) => a.text), ['works']);
  for (const x of c.documents) assert.deepEqual(checkOffsets(x), []);
});

test('small.json and small.xml describe the same document 100', () => {
  const fromJson = doc(parseBiocJson(fixture('small.json'), 'small.json'), '100');
  const fromXml = doc(parseBiocXml(fixture('small.xml'), 'small.xml'), '100');
  const a4 = fromJson.passages[1]?.annotations[2];
  assert.ok(a4);
  for (const k of ['valid', 'normalized', ATTR_JSON_INFONS]) delete a4.attributes[k];
  assert.deepEqual(fromJson, fromXml);
});

test('small.json: JSON -> model -> JSON -> model is lossless; JSON infon values go back as JSON', () => {
  const c = parseBiocJson(fixture('small.json'), 'small.json');
  const json = writeBiocJson(c);
  assert.deepEqual(parseBiocJson(json, 'rt.json'), c);
  assert.equal(writeBiocJson(parseBiocJson(json, 'rt.json')), json, 'writing is stable');
  const out = JSON.parse(json) as {
    documents: Array<{ passages: Array<{ annotations: Array<{ infons: Record<string, unknown> }> }> }>;
  };
  assert.deepEqual(out.documents[0]?.passages[1]?.annotations[2]?.infons, {
    type: 'Chemical',
    valid: true,
    normalized: [1234],
    MESH: '-1',
  });
  assert.ok(json.startsWith('{\n "source": "Hand-made",\n "date"'), 'one-space indent');
  assert.ok(!json.includes('bioc:'));
});

test('XML fixture -> JSON -> model equals the XML model', () => {
  const c = parseBiocXml(fixture('small.xml'), 'small.xml');
  assert.deepEqual(parseBiocJson(writeBiocJson(c), 'x.json'), c);
});

test('a PubTator3 export ({"PubTator3": [documents]}) is read', () => {
  const c = parseBiocJson(fixture('small.json'), 'small.json');
  const doc100 = (JSON.parse(fixture('small.json')) as { documents: unknown[] }).documents[0];
  const c3 = parseBiocJson(JSON.stringify({ PubTator3: [doc100] }), 'pt3.json');
  assert.equal(c3.source, 'PubTator3');
  assert.deepEqual(c3.documents, [doc(c, '100')]);
  const e = expectFormatError(() => parseBiocJson(JSON.stringify({ PubTator3: [{ id: 1 }] }), 'pt3.json'), /passages/);
  assert.match(e.location.element ?? '', /^PubTator3\[0\]/);
});

test('JSON syntax errors name the file, line and column', () => {
  const broken = fixture('small.json').replace('"date": "2024-01-02",', '"date": "2024-01-02"');
  const e = expectFormatError(() => parseBiocJson(broken, 'broken.json'), /^broken\.json:4:\d+: invalid JSON/);
  assert.equal(e.location.line, 4);
  expectFormatError(() => parseBiocJson('{"documents": [', 'cut.json'), /^cut\.json:1:\d+: invalid JSON/);
  expectFormatError(() => parseBiocJson('', 'empty.json'), /^empty\.json:1:1: invalid JSON/);
});

test('schema errors name the JSON path, its line and the document', () => {
  const text = fixture('small.json').replace('"offset": 80,', '"offset": -80,');
  const line = text.split('\n').findIndex((l) => l.includes('"offset": -80')) + 1;
  const e = expectFormatError(() => parseBiocJson(text, 'neg.json'), /document 100/);
  assert.equal(e.location.element, 'documents[0].passages[1].annotations[2].locations[0].offset');
  assert.equal(e.location.line, line);
  assert.match(e.message, new RegExp(`^neg\\.json:${line}:\\d+ \\(documents\\[0\\]`));

  expectFormatError(() => parseBiocJson('[]', 'arr.json'), /arr\.json:1:1 \(\(top level\)\)/);
  expectFormatError(() => parseBiocJson('{"source": "x"}', 'nodocs.json'), /\(documents\)/);
  expectFormatError(() => parseBiocJson('{"documents": [{"id": "1", "passages": [{"offset": 1.5}]}]}', 'frac.json'), /documents\[0\]\.passages\[0\]\.offset/);
  expectFormatError(() => parseBiocJson('{"documents": [{"id": "1", "passages": [{"offset": 0, "text": 5}]}]}', 't.json'), /documents\[0\]\.passages\[0\]\.text/);
});

test('semantic errors (location outside passage, unknown refid, overlaps) carry path and line', () => {
  const outside = fixture('small.json').replace('"offset": 80,', '"offset": 800,');
  const line = outside.split('\n').findIndex((l) => l.includes('"offset": 800')) + 1;
  const e = expectFormatError(() => parseBiocJson(outside, 'out.json'), /outside its passage \[45, 101\)/);
  assert.equal(e.location.element, 'documents[0].passages[1].annotations[2].locations[0]');
  assert.equal(e.location.line, line - 1, 'the line of the location object');

  const refid = fixture('small.json').replace('"refid": "2"', '"refid": "99"');
  const r = expectFormatError(() => parseBiocJson(refid, 'ref.json'), /refid 99 names no annotation/);
  assert.equal(r.location.element, 'documents[0].relations[1].nodes[1]');
  assert.ok(r.location.line !== undefined && r.location.line > 1);

  const overlap = '{"documents": [{"id": "1", "passages": [{"offset": 0, "text": "abc"}, {"offset": 2, "text": "x"}]}]}';
  expectFormatError(() => parseBiocJson(overlap, 'ov.json'), /ov\.json:1:\d+ \(documents\[0\]\.passages\[1\]\): passage at offset 2 overlaps/);
});

test('formatJsonPath quotes keys that are not identifiers', () => {
  assert.equal(formatJsonPath(['documents', 3, 'infons', 'NCBI Gene']), 'documents[3].infons["NCBI Gene"]');
  assert.equal(formatJsonPath([]), '(top level)');
});

// ---------------------------------------------------------------------------------------------
// Fuzz

const JSON_CHARS = ['{', '}', '[', ']', ',', ':', '"', '0', '1', '-', '.', 'e', 'n', ' ', '\n', '\\', 'é', '\u0000'];

function mutations(base: string): fc.Arbitrary<string> {
  const op = fc.record({
    kind: fc.constantFrom('delete', 'insert', 'swap', 'duplicate'),
    at: fc.nat({ max: base.length }),
    len: fc.integer({ min: 1, max: 40 }),
    ch: fc.constantFrom(...JSON_CHARS),
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

test('fuzz: 2000 mutated BioC JSON inputs only ever throw FormatError', () => {
  // A compact base makes most mutations hit structure rather than whitespace.
  const base = JSON.stringify(JSON.parse(fixture('small.json')));
  let accepted = 0;
  fc.assert(
    fc.property(mutations(base), (s) => {
      try {
        parseBiocJson(s, 'fuzz.json');
        accepted++;
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`non-FormatError escaped: ${String(e)}`, { cause: e });
        if (e.detail.startsWith('unreadable')) throw new Error(`safety net caught a bug: ${e.message}`, { cause: e });
        assert.match(e.message, /^fuzz\.json/);
      }
    }),
    { numRuns: 2000, seed: 4242 },
  );
  assert.ok(accepted < 2000, 'mutations do break inputs');
});

// ---------------------------------------------------------------------------------------------
// Real corpora

const REAL_JSON = [
  { file: 'biored/Train.BioC.JSON', documents: 400, annotations: 13351, relations: 4178 },
  { file: 'biored/Dev.BioC.JSON', documents: 100, annotations: 3533, relations: 1162 },
  { file: 'biored/Test.BioC.JSON', documents: 100, annotations: 3535, relations: 1163 },
];

for (const exp of REAL_JSON) {
  const file = path.join(dataRoot(), exp.file);
  const present = hasData() && fs.existsSync(file);
  test(`real data: ${exp.file} reads, counts match, round-trips, equals the XML release`, { skip: present ? false : `corpus file ${file} not present` }, (t) => {
    const text = fs.readFileSync(file, 'utf8');
    let start = process.hrtime.bigint();
    const c = parseBiocJson(text, file);
    const parseMs = Number(process.hrtime.bigint() - start) / 1e6;
    assert.equal(c.documents.length, exp.documents);
    assert.equal(c.documents.reduce((n, d) => n + d.passages.reduce((m, p) => m + p.annotations.length, 0), 0), exp.annotations);
    assert.equal(c.documents.reduce((n, d) => n + d.relations.length, 0), exp.relations);
    const mismatches = c.documents.flatMap(checkOffsets);
    for (const m of mismatches) t.diagnostic(`offset mismatch ${m.documentId}/${m.annotationId}: "${m.expected}" vs "${m.actual}"`);
    assert.equal(mismatches.length, 0);

    start = process.hrtime.bigint();
    const json = writeBiocJson(c);
    const writeMs = Number(process.hrtime.bigint() - start) / 1e6;
    assert.deepEqual(parseBiocJson(json, 'roundtrip.json'), c);

    // The XML release holds the same data; only its passages carry a `type` infon.
    const xmlFile = file.replace(/\.JSON$/, '.XML');
    if (fs.existsSync(xmlFile)) {
      const x = parseBiocXml(fs.readFileSync(xmlFile, 'utf8'), xmlFile);
      for (const d of x.documents) for (const p of d.passages) p.attributes = {};
      assert.deepEqual(x, c);
    }
    t.diagnostic(`${exp.file}: parse ${parseMs.toFixed(0)} ms, write ${writeMs.toFixed(0)} ms`);
  });
}

test('real data: BC5CDR XML -> BioC JSON -> model equals the XML model', { skip: hasData() ? false : 'corpora not present' }, () => {
  const file = path.join(dataRoot(), 'bc5cdr/CDR.Corpus.v010516/CDR_TestSet.BioC.xml');
  if (!fs.existsSync(file)) return;
  const c = parseBiocXml(fs.readFileSync(file, 'utf8'), file);
  assert.deepEqual(parseBiocJson(writeBiocJson(c), 'cdr.json'), c);
});
