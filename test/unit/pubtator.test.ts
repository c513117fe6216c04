import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { parsePubTator, readPubTator, writePubTator, writePubTatorDocument } from '../../src/core/formats/pubtator';
import { checkOffsets, documentAnnotations } from '../../src/core/document/document';
import { FormatError } from '../../src/core/shared/errors';
import { dataRoot, hasData } from '../../src/core/corpora/dataRoot';

const CDR = [
  '123|t|Aspirin causes ulcers.',
  '123|a|Famotidine-induced delirium and hemorrhagic cystitis.',
  '123\t0\t7\tAspirin\tChemical\tD001241',
  '123\t15\t21\tulcers\tDisease\t-1',
  '123\t23\t33\tFamotidine\tChemical\tD015738',
  '123\t42\t50\tdelirium\tDisease\tD003693',
  '123\t55\t75\themorrhagic cystitis\tDisease\tD006470|D003556\themorrhagic|cystitis',
  '123\tCID\tD015738\tD003693',
  '',
  '',
].join('\n');

test('parses CDR PubTator: passages, mentions, composite ids, -1, relations', () => {
  const col = parsePubTator(CDR, 'x.pubtator');
  assert.equal(col.documents.length, 1);
  const d = col.documents[0]!;
  assert.equal(d.passages[1]!.offset, 23);
  const anns = documentAnnotations(d);
  assert.equal(anns.length, 5);
  assert.deepEqual(anns[1]!.ids, []);
  assert.deepEqual(anns[4]!.ids, ['D006470', 'D003556']);
  assert.deepEqual(checkOffsets(d), []);
  assert.equal(d.relations[0]!.type, 'CID');
  assert.deepEqual(d.relations[0]!.args.map((a) => a.role), ['Chemical', 'Disease']);
});

test('round trip reproduces the input byte for byte', () => {
  assert.equal(writePubTator(parsePubTator(CDR, 'x')), CDR.replace(/\n+$/, '\n\n'));
});

test('BioRED flavour: CRLF, BOM, novelty, variant ids with bars, gene lists with commas', () => {
  const text = '\ufeff9|t|BRCA1 5382insC\r\n9|a|in cancer\r\n9\t0\t5\tBRCA1\tGeneOrGeneProduct\t672,675\r\n9\t6\t14\t5382insC\tSequenceVariant\tc|INS|5382|C\r\n9\t18\t24\tcancer\tDiseaseOrPhenotypicFeature\tD009369\r\n9\tAssociation\tc|INS|5382|C\tD009369\tNovel\r\n\r\n';
  const d = parsePubTator(text, 'b').documents[0]!;
  const anns = documentAnnotations(d);
  assert.deepEqual(anns[0]!.ids, ['672', '675']);
  assert.deepEqual(anns[1]!.ids, ['c|INS|5382|C']);
  assert.equal(d.relations[0]!.attributes['novel'], 'Novel');
  assert.deepEqual(checkOffsets(d), []);
  assert.equal(writePubTator({ ...parsePubTator(text, 'b') }, '\r\n'), text.slice(1));
});

test('edited ids are written from the model, not the stale raw string', () => {
  const col = parsePubTator(CDR, 'x');
  documentAnnotations(col.documents[0]!)[4]!.ids = ['D006470'];
  assert.match(writePubTator(col), /\themorrhagic cystitis\tDisease\tD006470\themorrhagic\|cystitis\n/);
});

test('streaming reader yields the same documents as the string parser', async () => {
  const chunks = CDR.match(/[\s\S]{1,7}/g)!;
  const docs = [];
  for await (const d of readPubTator(Readable.from(chunks), 'x')) docs.push(d);
  assert.deepEqual(docs, parsePubTator(CDR, 'x').documents);
});

function expectFormatError(text: string, pattern: RegExp): void {
  assert.throws(() => parsePubTator(text, 'bad.pubtator'), (e: unknown) => {
    assert.ok(e instanceof FormatError, String(e));
    assert.match(e.message, /^bad\.pubtator:\d+/);
    assert.match(e.message, pattern);
    return true;
  });
}

test('malformed inputs give FormatError with file and line', () => {
  expectFormatError('1|t|abc\n1\t0\t9\tabcdefghi\tChemical\tD1\n', /:2: .*outside document/);
  expectFormatError('1\t0\t3\tabc\tChemical\tD1\n', /:1: .*before any/);
  expectFormatError('1|t|abc\n1|a|def\n1|a|ghi\n', /:3: .*second abstract/);
  expectFormatError('1|t|abc\n2\t0\t3\tabc\tChemical\tD1\n', /:2: .*document 2/);
  expectFormatError('1|t|abc\nnonsense\n', /:2: expected/);
  expectFormatError('1|t|abc\n1\t3\t1\tabc\tChemical\tD1\n', /:2: .*before start/);
  expectFormatError('1|t|abc\n1\t0\t3\tabc\tChemical\tD1\n1\tCID\tD1\tD9\n', /refers to concept D9/);
});

test('fuzz: mutated PubTator only ever raises FormatError', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(CDR.length), fc.nat(3), fc.string({ maxLength: 4, unit: 'binary' })), { maxLength: 6 }),
      (edits) => {
        let s = CDR;
        for (const [at, del, ins] of edits) s = s.slice(0, at) + ins + s.slice(at + del);
        try {
          const col = parsePubTator(s, 'fuzz');
          writePubTator(col);
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
        }
      },
    ),
    { numRuns: 3000 },
  );
});

const files = hasData()
  ? [
      'bc5cdr/CDR.Corpus.v010516/CDR_TrainingSet.PubTator.txt',
      'bc5cdr/CDR.Corpus.v010516/CDR_DevelopmentSet.PubTator.txt',
      'bc5cdr/CDR.Corpus.v010516/CDR_TestSet.PubTator.txt',
      'biored/Train.PubTator.txt',
      'biored/Dev.PubTator.txt',
      'biored/Test.PubTator.txt',
    ]
  : [];
for (const rel of files) {
  test(`real corpus round trip: ${rel}`, () => {
    const file = path.join(dataRoot(), rel);
    const raw = fs.readFileSync(file, 'utf8');
    const col = parsePubTator(raw, file);
    const normalized = raw.replace(/^\ufeff/, '').replace(/\r\n/g, '\n').replace(/\n*$/, '\n\n');
    assert.equal(writePubTator(col), normalized);
    const mismatches = col.documents.flatMap(checkOffsets);
    assert.equal(mismatches.length, 0, JSON.stringify(mismatches.slice(0, 3)));
  });
}

test('relation lines: an optional last score=S column reads back as a suggested relation with that score', () => {
  const text = '1|t|aspirin causes ulcers\n1\t0\t7\taspirin\tChemical\tD1\n1\t15\t21\tulcers\tDisease\tD2\n1\tCID\tD1\tD2\tscore=0.8125\n1\tCID\tD1\tD2\tNovel\tscore=1\n\n';
  const col = parsePubTator(text, 'x.pubtator');
  const [a, b] = col.documents[0]!.relations;
  assert.equal(a!.score, 0.8125);
  assert.equal(a!.status, 'suggested');
  assert.equal(b!.attributes['novel'], 'Novel');
  assert.equal(b!.score, 1);
  // Written back only when asked; without scores the lines are the plain 4/5 columns.
  assert.equal(writePubTator(col).includes('score='), false);
  const doc = col.documents[0]!;
  assert.match(writePubTatorDocument(doc, { scores: true }), /\tCID\tD1\tD2\tscore=0\.8125\n1\tCID\tD1\tD2\tNovel\tscore=1\.0000\n/);
  assert.throws(() => parsePubTator(text.replace('score=0.8125', 'score=1.7'), 'y.pubtator'), /y\.pubtator:4: .*score/);
});
