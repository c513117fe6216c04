import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { parsePpiJsonLines, ppiCandidatePairs, readPpiDirectory } from '../../src/core/formats/ppiJson';
import type { PpiInput } from '../../src/core/formats/ppiJson';
import { checkOffsets, documentAnnotations } from '../../src/core/document/document';
import { FormatError } from '../../src/core/shared/errors';
import { dataRoot, hasData } from '../../src/core/corpora/dataRoot';

const FIX = path.resolve(__dirname, '../../../test/fixtures/ppiJson');
const FOLD0 = path.join(FIX, 'test_0.json');

test('PPI: one document per sentence, deduplicated mentions, positive pairs as relations', () => {
  const c = readPpiDirectory(FIX, 'PPI');
  assert.equal(c.attributes['corpus'], 'PPI');
  assert.deepEqual(c.documents.map((d) => d.id), ['PPI.d1.s1', 'PPI.d2.s7']);
  const [a, b] = c.documents;
  assert.ok(a && b);
  // The sentence's pairs are spread over folds 0 and 1 (as in HPRD50).
  assert.equal(a.attributes['fold'], '0,1');
  assert.equal(a.attributes['abstractId'], 'PPI.d1');
  assert.deepEqual(documentAnnotations(a).map((x) => [x.id, x.text, x.type]), [
    ['PPI.d1.s1.e0', 'FGFR4', 'Protein'],
    ['PPI.d1.s1.e1', 'FGF-8', 'Protein'],
    ['PPI.d1.s1.e2', 'FGF-1', 'Protein'],
  ]);
  assert.equal(documentAnnotations(a)[0]?.attributes['sourceType'], 'pm0119069');
  assert.deepEqual(a.relations.map((r) => [r.id, r.type, r.args.map((x) => x.ref.id).join('~'), r.attributes['fold']]), [
    ['PPI.d1.s1.p0', 'PPI', 'PPI.d1.s1.e0~PPI.d1.s1.e1', '0'],
    ['PPI.d1.s1.p1', 'PPI', 'PPI.d1.s1.e0~PPI.d1.s1.e2', '1'],
  ]);
  assert.deepEqual(
    ppiCandidatePairs(a).map((p) => `${p.id} ${p.e1} ${p.e2} ${p.positive ? '+' : '-'} ${p.fold}`),
    ['PPI.d1.s1.p0 PPI.d1.s1.e0 PPI.d1.s1.e1 + 0', 'PPI.d1.s1.p2 PPI.d1.s1.e1 PPI.d1.s1.e2 - 0', 'PPI.d1.s1.p1 PPI.d1.s1.e0 PPI.d1.s1.e2 + 1'],
  );
  // Nested mentions: "EPO receptor" and "EPO" share a start; the leaked "[/E1]" marker is removed.
  assert.deepEqual(documentAnnotations(b).map((x) => [x.text, x.spans[0]?.start, x.spans[0]?.end]), [
    ['EPO', 4, 7],
    ['EPO receptor', 4, 16],
    ['EPO', 23, 26],
  ]);
  assert.equal(documentAnnotations(b)[1]?.attributes['sourceText'], 'EPO[/E1] receptor');
  for (const d of c.documents) assert.deepEqual(checkOffsets(d), []);
});

function expectError(text: string, line: number, detail: RegExp): void {
  const inputs: PpiInput[] = [{ source: FOLD0, text, fold: 0 }];
  assert.throws(
    () => parsePpiJsonLines(inputs),
    (e: unknown) => {
      assert.ok(e instanceof FormatError, String(e));
      assert.ok(e.message.startsWith(`${FOLD0}:${line}`), e.message);
      assert.match(e.detail, detail);
      return true;
    },
  );
}

test('PPI: malformed lines raise FormatError with file and line', () => {
  const lines = fs.readFileSync(FOLD0, 'utf8').split('\n');
  const at = (n: number, replacement: string) => lines.map((l, k) => (k === n - 1 ? replacement : l)).join('\n');
  expectError(at(2, '{"id": "x"'), 2, /invalid JSON/);
  expectError(at(2, '{"id": "x", "text": "t"}'), 2, /unexpected record shape: relation/);
  expectError(at(5, (lines[4] ?? '').replace('"PPI.d2.s7_PPI.d2.s7.p0"', '"PPI.d2.s7.p0"')), 5, /not "<sentence id>_<pair id>"/);
  expectError(at(2, (lines[1] ?? '').replace('[[22, 27]]', '[[22, 99]]')), 2, /outside the sentence/);
  expectError(at(2, (lines[1] ?? '').replace('"positive"', '"maybe"').replace('"negative"', '"maybe"')), 2, /relation_type/);
  expectError(at(2, (lines[1] ?? '').replace('FGFR4 binds', 'FGFR4 bound')), 2, /different text/);
  expectError(at(2, lines[0] ?? ''), 2, /duplicate pair id/);
});

test('PPI fuzz: random mutations throw nothing but FormatError', () => {
  const base = fs.readFileSync(FOLD0, 'utf8');
  const pieces = ['{', '}', '[', ']', '"', ',', '_', '-1', '99', 'null', '\n', '"positive"'];
  fc.assert(
    fc.property(
      fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 6 }), ins: fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 3 })) }), {
        minLength: 1,
        maxLength: 3,
      }),
      (muts) => {
        let s = base;
        for (const m of muts) {
          const at = m.at % (s.length + 1);
          s = s.slice(0, at) + m.ins + s.slice(at + m.del);
        }
        try {
          parsePpiJsonLines([{ source: 'fuzz.json', text: s, fold: 0 }]);
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('PPI real corpora: AIMed and HPRD50 counts, complete pair lists, end-exclusive offsets', { skip: !hasData() && 'no corpora' }, (t) => {
  const expected: [string, string, number, number, number, number, number, number][] = [
    // folder, corpus, sentences, abstracts, mentions, positives, candidate pairs, sentences in >1 fold
    ['aimed', 'AIMed', 1169, 220, 3801, 1000, 5834, 0],
    ['hprd50', 'HPRD50', 145, 43, 405, 163, 433, 76],
  ];
  for (const [folder, corpus, sentences, abstracts, ments, positives, pairs, multiFold] of expected) {
    const started = Date.now();
    const c = readPpiDirectory(path.join(dataRoot(), folder, 'ppi_unified_10fold'), corpus);
    t.diagnostic(`loaded ${corpus} in ${Date.now() - started} ms`);
    assert.equal(c.documents.length, sentences, corpus);
    assert.equal(new Set(c.documents.map((d) => d.attributes['abstractId'])).size, abstracts, corpus);
    assert.equal(c.documents.reduce((n, d) => n + documentAnnotations(d).length, 0), ments, corpus);
    assert.equal(c.documents.reduce((n, d) => n + d.relations.length, 0), positives, corpus);
    let pairCount = 0;
    for (const d of c.documents) {
      const ps = ppiCandidatePairs(d);
      pairCount += ps.length;
      // Every unordered mention pair of a sentence is a candidate, so a pair enumerator reproduces them.
      const n = documentAnnotations(d).length;
      assert.equal(ps.length, (n * (n - 1)) / 2, d.id);
    }
    assert.equal(pairCount, pairs, corpus);
    assert.equal(c.documents.filter((d) => (d.attributes['fold'] ?? '').includes(',')).length, multiFold, corpus);
    // The idx spans are end-exclusive: slices equal the stated strings (after marker cleanup).
    assert.equal(c.documents.reduce((n, d) => n + checkOffsets(d).length, 0), 0, corpus);
  }
});

test('PPI: a damaged candidatePairs attribute is a FormatError', () => {
  const doc = readPpiDirectory(FIX).documents[0];
  assert.ok(doc);
  doc.attributes['candidatePairs'] = '[{"id": 1}]';
  assert.throws(() => ppiCandidatePairs(doc), FormatError);
  doc.attributes['candidatePairs'] = '[{';
  assert.throws(() => ppiCandidatePairs(doc), /PPI\.d1\.s1 \(attributes\.candidatePairs\): invalid JSON/);
});
