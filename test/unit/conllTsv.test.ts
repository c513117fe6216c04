import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import { parseConllTsv, readConllCollection, readConllTsv } from '../../src/core/formats/conllTsv';
import { checkOffsets, documentAnnotations, documentText } from '../../src/core/document/document';
import { FormatError } from '../../src/core/shared/errors';
import { dataRoot, hasData } from '../../src/core/corpora/dataRoot';

const FIX = path.resolve(__dirname, '../../../test/fixtures/conllTsv');
const SAMPLE = path.join(FIX, 'sample.tsv');

test('CoNLL: one document per sentence, tokens joined by spaces, BIO spans typed by the caller', () => {
  const { documents, stats } = readConllTsv(SAMPLE, { entityType: 'Gene', idPrefix: 's' });
  assert.deepEqual(stats, { sentences: 3, tokens: 17, mentions: 4, orphanInside: 1 });
  assert.deepEqual(documents.map((d) => d.id), ['s0', 's1', 's2']);
  const [a, b, c] = documents;
  assert.ok(a && b && c);
  assert.equal(documentText(a), 'Mutations in BRCA1 and p53 gene .');
  assert.deepEqual(documentAnnotations(a).map((x) => [x.text, x.type, x.spans[0]?.start]), [
    ['BRCA1', 'Gene', 13],
    ['p53 gene', 'Gene', 23],
  ]);
  // CRLF line ends are stripped; the I after O starts a new mention and is counted.
  assert.equal(documentText(b), 'Human growth hormone binds IL - 2');
  assert.deepEqual(documentAnnotations(b).map((x) => x.text), ['growth hormone', 'IL - 2']);
  assert.equal(b.attributes['line'], '9');
  assert.deepEqual(documentAnnotations(c), []);
  for (const d of documents) assert.deepEqual(checkOffsets(d), []);
  const col = readConllCollection(SAMPLE, { entityType: 'Gene' });
  assert.equal(col.attributes['orphanInside'], '1');
  assert.equal(col.documents[0]?.id, 'sample.tsv:0');
});

test('CoNLL: typed tags override the caller type; a type change inside a mention splits it', () => {
  const { documents, stats } = parseConllTsv('a\tB-Gene\nb\tI-Gene\nc\tI-Disease\nd\tO\n', 'x.tsv', { entityType: 'Other' });
  const d0 = documents[0];
  assert.ok(d0);
  assert.deepEqual(documentAnnotations(d0).map((x) => [x.text, x.type]), [
    ['a b', 'Gene'],
    ['c', 'Disease'],
  ]);
  assert.equal(stats.orphanInside, 1);
});

test('CoNLL: malformed lines raise FormatError with file and line', () => {
  const cases: [string, number, RegExp][] = [
    ['a\tO\nb\tX\n', 2, /tag must be B, I or O/],
    ['a\tO\n\nb\tO\textra\n', 3, /found 3 columns/],
    ['a\tO\nnotab\n', 2, /found 1 columns/],
    ['\tB\n', 1, /empty token/],
  ];
  for (const [text, line, detail] of cases) {
    assert.throws(
      () => parseConllTsv(text, 'bad.tsv', { entityType: 'Gene' }),
      (e: unknown) => e instanceof FormatError && e.message.startsWith(`bad.tsv:${line}`) && detail.test(e.detail),
      text,
    );
  }
});

test('CoNLL fuzz: random mutations throw nothing but FormatError and keep offsets consistent', () => {
  const base = 'Mutations\tO\nin\tO\nBRCA1\tB\ngene\tI\n\np53\tI\n.\tO\n';
  fc.assert(
    fc.property(fc.nat(), fc.nat({ max: 4 }), fc.oneof(fc.constantFrom('\t', '\n', '\r\n', 'B', 'I', 'O', 'B-X', ' '), fc.string({ maxLength: 3 })), (at, del, ins) => {
      const i = at % (base.length + 1);
      try {
        const { documents } = parseConllTsv(base.slice(0, i) + ins + base.slice(i + del), 'fuzz.tsv', { entityType: 'Gene' });
        for (const d of documents) assert.deepEqual(checkOffsets(d), []);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
      }
    }),
    { numRuns: 300 },
  );
});

test('BioBERT NER real files: sentence, token and mention counts; offsets', { skip: !hasData() && 'no corpora' }, (t) => {
  // corpus, type, split, sentences, tokens, mentions (B tags; no corpus has an I without a B)
  const expected: [string, string, string, number, number, number][] = [
    ['BC2GM', 'Gene', 'train', 12574, 355405, 15197],
    ['BC2GM', 'Gene', 'devel', 2519, 71042, 3061],
    ['BC2GM', 'Gene', 'test', 5038, 143465, 6325],
    ['JNLPBA', 'Gene', 'train', 14690, 443653, 32178],
    ['JNLPBA', 'Gene', 'devel', 3856, 117213, 8575],
    ['JNLPBA', 'Gene', 'test', 3856, 114709, 6241],
    ['NCBI-disease', 'Disease', 'train', 5424, 135701, 5134],
    ['NCBI-disease', 'Disease', 'devel', 923, 23969, 787],
    ['NCBI-disease', 'Disease', 'test', 940, 24497, 960],
    ['linnaeus', 'Species', 'train', 11935, 281273, 2119],
    ['linnaeus', 'Species', 'devel', 4078, 93877, 711],
    ['linnaeus', 'Species', 'test', 7142, 165095, 1433],
    ['s800', 'Species', 'train', 5733, 147291, 2557],
    ['s800', 'Species', 'devel', 830, 22217, 384],
    ['s800', 'Species', 'test', 1630, 42298, 767],
  ];
  const started = Date.now();
  for (const [corpus, type, split, sentences, tokens, mentions] of expected) {
    const { documents, stats } = readConllTsv(path.join(dataRoot(), 'biobert-ner', corpus, `${split}.tsv`), { entityType: type });
    assert.deepEqual(stats, { sentences, tokens, mentions, orphanInside: 0 }, `${corpus} ${split}`);
    // The text is rebuilt from the tokens, so the invariant holds by construction; checked on one split each.
    if (split === 'test') assert.equal(documents.reduce((n, d) => n + checkOffsets(d).length, 0), 0, corpus);
  }
  t.diagnostic(`loaded 15 BioBERT NER files in ${Date.now() - started} ms`);
});
