import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePlainText, writePlainText } from '../../src/core/formats/plainText';
import { parsePubTator, writePubTator } from '../../src/core/formats/pubtator';
import { createCollection, documentText, type Document } from '../../src/core/document/document';
import { FormatError } from '../../src/core/shared/errors';

function only(text: string, source = 'abstract.txt', opts = {}): Document {
  const c = parsePlainText(text, source, opts);
  assert.equal(c.documents.length, 1);
  return c.documents[0]!;
}

/** Each passage's text is the original text at its offset: the editor can map back. */
function assertExactOffsets(original: string, doc: Document): void {
  for (const p of doc.passages) assert.equal(original.slice(p.offset, p.offset + p.text.length), p.text);
}

test('title line and abstract become two passages at their true offsets', () => {
  const text = 'Aspirin and ulcers\n\n\nAspirin causes ulcers.\nIn rats.\n';
  const doc = only(text);
  assert.equal(doc.id, 'abstract');
  assert.deepEqual(
    doc.passages.map((p) => [p.attributes['type'], p.offset, p.text]),
    [
      ['title', 0, 'Aspirin and ulcers'],
      ['abstract', 21, 'Aspirin causes ulcers.\nIn rats.'],
    ],
  );
  assertExactOffsets(text, doc);
  // documentText fills the gap with spaces, so document offsets still index the original text.
  assert.equal(documentText(doc).slice(21, 28), 'Aspirin');
});

test('surrounding whitespace is excluded but offsets keep counting it; CRLF is not normalized', () => {
  const text = '\r\n  Title here  \r\n\r\n   Body line one.\r\nBody line two.  \r\n';
  const doc = only(text);
  assert.deepEqual(
    doc.passages.map((p) => [p.offset, p.text]),
    [
      [4, 'Title here'],
      [23, 'Body line one.\r\nBody line two.'],
    ],
  );
  assertExactOffsets(text, doc);
});

test('one line (or the option off) gives a single abstract passage', () => {
  const a = only('Aspirin causes ulcers. In rats.');
  assert.deepEqual(a.passages.map((p) => [p.attributes['type'], p.offset, p.text]), [['abstract', 0, 'Aspirin causes ulcers. In rats.']]);
  const b = only('Title\nBody.', 'x.txt', { firstLineIsTitle: false });
  assert.deepEqual(b.passages.map((p) => [p.attributes['type'], p.text]), [['abstract', 'Title\nBody.']]);
});

test('empty, blank and BOM-only files are valid empty collections', () => {
  for (const t of ['', '   \n\n\t', '\ufeff', '\ufeff\n']) {
    const c = parsePlainText(t, 'empty.txt');
    assert.equal(c.documents.length, 0);
    assert.equal(c.source, 'empty.txt');
  }
});

test('a UTF-8 BOM is stripped: offsets count from the first character after it', () => {
  const body = 'Title\nAbstract text.';
  const doc = only('\ufeff' + body);
  assert.deepEqual(doc.passages.map((p) => p.offset), [0, 6]);
  assertExactOffsets(body, doc);
  assert.equal(doc.attributes['bom'], 'true');
  assert.equal(writePlainText(parsePlainText('\ufeff' + body, 'x.txt')), '\ufeff' + body + '\n');
  assert.equal(only(body).attributes['bom'], undefined);
});

test('a NUL character is a FormatError naming the source and position', () => {
  assert.throws(
    () => parsePlainText('Title\nab\0cd', 'data/blob.bin'),
    (e: unknown) => e instanceof FormatError && e.location.source === 'data/blob.bin' && e.location.line === 2 && e.location.column === 3 && /binary/.test(e.message),
  );
});

test('document id: a PMID line (not a passage), a PMID: anywhere, else the file name', () => {
  const a = only('PMID: 12345678\nAspirin title\nAspirin abstract.');
  assert.equal(a.id, '12345678');
  assert.deepEqual(a.passages.map((p) => [p.attributes['type'], p.offset, p.text]), [
    ['title', 15, 'Aspirin title'],
    ['abstract', 29, 'Aspirin abstract.'],
  ]);
  assert.equal(only('987654\nTitle\nBody.').id, '987654');
  assert.equal(only('pmid 42\nTitle\nBody.').id, '42');
  const b = only('Title\nBody text.\nPMID: 31234567 [Indexed for MEDLINE]\n');
  assert.equal(b.id, '31234567');
  // The PMID mention inside the abstract is text and stays there.
  assert.match(b.passages[1]!.text, /PMID: 31234567/);
  assert.equal(only('Title\nBody.', '/some/dir/my.abstract.txt').id, 'my.abstract');
  assert.equal(only('Title\nBody.', '<stdin>').id, 'stdin');
  assert.equal(only('Title\nBody.', 'x.txt', { id: 'given' }).id, 'given');
  // A PMID line alone is a document without passages.
  assert.deepEqual(only('PMID: 5\n').passages, []);
});

test('writePlainText puts passages back at their offsets and round-trips', () => {
  const text = 'PMID: 12345678\nAspirin title\n\nAspirin abstract.\nSecond line.';
  const c = parsePlainText(text, 'a.txt');
  const out = writePlainText(c);
  assert.equal(out, text + '\n');
  assert.deepEqual(parsePlainText(out, 'a.txt'), c);
  // A PubTator-like document (title at 0, abstract after one space) gets the title on its own line.
  const pt = createCollection({
    documents: [
      { id: '1', relations: [], attributes: {}, passages: [
        { offset: 0, text: 'T.', attributes: { type: 'title' }, annotations: [] },
        { offset: 3, text: 'A b.', attributes: { type: 'abstract' }, annotations: [] },
      ] },
      { id: '2', relations: [], attributes: {}, passages: [{ offset: 0, text: 'Only.', attributes: {}, annotations: [] }] },
    ],
  });
  assert.equal(writePlainText(pt), 'T.\nA b.\n\nOnly.\n');
  assert.equal(writePlainText(createCollection()), '');
});

test('property: arbitrary text parses without throwing (or only FormatError), offsets exact, round trip stable', () => {
  const pieces = fc.constantFrom('Title', 'Aspirin causes ulcers.', ' ', '\n', '\r\n', '\r', '\t', 'PMID: 123', '42', '\ufeff', '\u00a0', 'é', '\ud83d\ude00');
  const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.array(pieces, { maxLength: 20 }).map((a) => a.join('')));
  fc.assert(
    fc.property(text, (t) => {
      let c;
      try {
        c = parsePlainText(t, 'p.txt');
      } catch (e) {
        assert.ok(e instanceof FormatError && t.includes('\0'));
        return;
      }
      const body = t.startsWith('\ufeff') ? t.slice(1) : t;
      assert.ok(c.documents.length <= 1);
      for (const d of c.documents) {
        assertExactOffsets(body, d);
        for (const p of d.passages) assert.equal(p.text, p.text.trim());
      }
      const again = parsePlainText(writePlainText(c), 'p.txt');
      assert.deepEqual(again.documents, c.documents);
    }),
    { numRuns: 1000 },
  );
});

test('a plain-text document after a PMID line writes as PubTator with offsets from its title', () => {
  const c = parsePlainText('PMID: 12345678\nAspirin title\n\nAspirin causes ulcers.', 'a.txt');
  const doc = c.documents[0]!;
  const text = documentText(doc);
  // Mentions at the model's offsets (the title starts after the PMID line).
  const at = (w: string, from = 0): { start: number; end: number } => ({ start: text.indexOf(w, from), end: text.indexOf(w, from) + w.length });
  const abs = doc.passages[1]!;
  abs.annotations.push({ id: 'T1', type: 'Disease', spans: [at('ulcers')], text: 'ulcers', ids: [], attributes: {} });
  doc.passages[0]!.annotations.push({ id: 'T0', type: 'Chemical', spans: [at('Aspirin')], text: 'Aspirin', ids: [], attributes: {} });
  const back = parsePubTator(writePubTator(c), 'out.pubtator').documents[0]!;
  const backText = documentText(back);
  for (const a of back.passages.flatMap((p) => p.annotations)) assert.equal(backText.slice(a.spans[0]!.start, a.spans[0]!.end), a.text);
  assert.equal(back.passages[0]!.text, 'Aspirin title');
  assert.equal(back.passages[0]!.annotations[0]!.spans[0]!.start, 0);
});
