import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  parseMaskedSentenceTsv,
  readMaskedSentenceFile,
  readMaskedSentenceFolds,
} from '../../src/core/formats/maskedSentenceTsv';
import { checkOffsets, documentAnnotations, documentText } from '../../src/core/document/document';
import type { Document } from '../../src/core/document/document';
import { FormatError } from '../../src/core/shared/errors';
import { dataRoot, hasData } from '../../src/core/corpora/dataRoot';

const FIX = path.resolve(__dirname, '../../../test/fixtures/maskedSentenceTsv');

test('masked sentences: test file with header, placeholders as typed mentions, label 1 as Association', () => {
  const docs = readMaskedSentenceFile(path.join(FIX, '1', 'test.tsv'), { corpus: 'GAD', fold: 1, split: 'test' });
  assert.equal(docs.length, 2);
  const [pos, neg] = docs;
  assert.ok(pos && neg);
  assert.equal(pos.id, 'GAD.f1.test.0');
  assert.deepEqual(pos.attributes, { corpus: 'GAD', fold: '1', split: 'test', label: '1', row: '0', index: '0' });
  assert.equal(documentText(pos), 'The @GENE$ variant raises @DISEASE$ risk.');
  assert.deepEqual(documentAnnotations(pos).map((a) => [a.id, a.type, a.spans[0]?.start, a.text]), [
    ['gene', 'Gene', 4, '@GENE$'],
    ['disease', 'Disease', 26, '@DISEASE$'],
  ]);
  assert.deepEqual(pos.relations.map((r) => [r.type, r.args.map((a) => `${a.role}:${a.ref.id}`).join(' ')]), [
    ['Association', 'gene:gene disease:disease'],
  ]);
  assert.deepEqual(neg.relations, []);
  // Mentions are in text order, whichever placeholder comes first.
  assert.deepEqual(documentAnnotations(neg).map((a) => a.type), ['Disease', 'Gene']);
  for (const d of docs) assert.deepEqual(checkOffsets(d), []);
});

test('masked sentences: train files have no header; folds directory reads the test folds', () => {
  const train = readMaskedSentenceFile(path.join(FIX, '1', 'train.tsv'), { corpus: 'GAD', fold: 1, split: 'train' });
  assert.equal(train.length, 1);
  assert.equal(train[0]?.attributes['index'], undefined);
  const all = readMaskedSentenceFolds(FIX, 'GAD');
  assert.deepEqual(all.documents.map((d) => d.id), ['GAD.f1.test.0', 'GAD.f1.test.1', 'GAD.f2.test.0']);
  const both = readMaskedSentenceFolds(FIX, 'GAD', ['train', 'test']);
  assert.equal(both.documents.length, 6);
});

test('masked sentences: malformed rows raise FormatError with file and line', () => {
  const cases: [string, number, RegExp][] = [
    ['index\tsentence\tlabel\n0\t@GENE$ and @DISEASE$\t2\n', 2, /label must be 0 or 1/],
    ['@GENE$ and @DISEASE$\t1\nonly @GENE$ here\t0\n', 2, /exactly one @DISEASE\$, found 0/],
    ['@GENE$ @GENE$ @DISEASE$\t1\n', 1, /exactly one @GENE\$, found 2/],
    ['@GENE$ and @DISEASE$\t1\n\nno label\n', 3, /expected 2 or 3 tab-separated columns, found 1/],
    ['a\tb\tc\td\n', 1, /found 4/],
  ];
  for (const [text, line, detail] of cases) {
    assert.throws(
      () => parseMaskedSentenceTsv(text, 'bad/test.tsv', { corpus: 'X', fold: 1, split: 'test' }),
      (e: unknown) => e instanceof FormatError && e.message.startsWith(`bad/test.tsv:${line}`) && detail.test(e.detail),
      text,
    );
  }
});

test('masked sentences fuzz: random mutations throw nothing but FormatError', () => {
  const base = 'index\tsentence\tlabel\n0\tThe @GENE$ variant raises @DISEASE$ risk.\t1\n1\t@DISEASE$ and @GENE$.\t0\n';
  fc.assert(
    fc.property(fc.nat(), fc.nat({ max: 5 }), fc.oneof(fc.constantFrom('\t', '\n', '@GENE$', '$', '1', '\r'), fc.string({ maxLength: 3 })), (at, del, ins) => {
      const i = at % (base.length + 1);
      try {
        parseMaskedSentenceTsv(base.slice(0, i) + ins + base.slice(i + del), 'fuzz.tsv', { corpus: 'X', fold: 1, split: 'test' });
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
      }
    }),
    { numRuns: 300 },
  );
});

/** A row's identity for multiset comparison: sentence and label. */
const key = (d: Document) => `${d.passages[0]?.text ?? ''}\t${d.attributes['label'] ?? ''}`;

test('GAD and EU-ADR real folds: counts, labels, offsets; train_k = other test folds', { skip: !hasData() && 'no corpora' }, (t) => {
  const expected: [string, string, number, number][] = [
    ['gad', 'GAD', 5330, 2801],
    ['euadr', 'EU-ADR', 355, 262],
  ];
  for (const [folder, corpus, rows, positives] of expected) {
    const dir = path.join(dataRoot(), folder, 'biobert_folds');
    const started = Date.now();
    const c = readMaskedSentenceFolds(dir, corpus);
    t.diagnostic(`loaded ${corpus} test folds in ${Date.now() - started} ms`);
    assert.equal(c.documents.length, rows, corpus);
    assert.equal(c.documents.filter((d) => d.relations.length === 1).length, positives, corpus);
    assert.equal(c.documents.reduce((n, d) => n + checkOffsets(d).length, 0), 0, corpus);
    // Spot-check the SOURCE.md claim on fold 1: its train file is the other nine test folds.
    const train1 = readMaskedSentenceFile(path.join(dir, '1', 'train.tsv'), { corpus, fold: 1, split: 'train' }).map(key).sort();
    const others = c.documents.filter((d) => d.attributes['fold'] !== '1').map(key).sort();
    assert.deepEqual(train1, others, corpus);
  }
});
