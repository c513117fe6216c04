import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  parseChemProt,
  parseDrugProt,
  readChemProtDirectory,
  readDrugProtDirectory,
} from '../../src/core/formats/drugprotTsv';
import type { BratTsvInputs, TsvInput } from '../../src/core/formats/drugprotTsv';
import { checkOffsets, documentAnnotations, documentText } from '../../src/core/document/document';
import type { Collection } from '../../src/core/document/document';
import { FormatError } from '../../src/core/shared/errors';
import { dataRoot, hasData } from '../../src/core/corpora/dataRoot';

const FIX = path.resolve(__dirname, '../../../test/fixtures/drugprotTsv');

function input(file: string): TsvInput {
  return { source: file, text: fs.readFileSync(file, 'utf8') };
}

function drugprotInputs(): Required<Omit<BratTsvInputs, 'goldStandard'>> {
  const d = path.join(FIX, 'drugprot');
  return {
    abstracts: input(path.join(d, 'drugprot_sample_abstracs.tsv')),
    entities: input(path.join(d, 'drugprot_sample_entities.tsv')),
    relations: input(path.join(d, 'drugprot_sample_relations.tsv')),
  };
}

/** The input with its 1-based line `n` replaced. */
function withLine(inp: TsvInput, n: number, line: string): TsvInput {
  const lines = inp.text.split('\n');
  lines[n - 1] = line;
  return { source: inp.source, text: lines.join('\n') };
}

function assertFormatError(fn: () => unknown, source: string, line: number | undefined, detail: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${String(e)}`);
    const where = line === undefined ? source : `${source}:${line}`;
    assert.ok(e.message.startsWith(where), `"${e.message}" should start with ${where}`);
    assert.match(e.detail, detail);
    return true;
  });
}

test('DrugProt: title + space + abstract, passages, sorted mentions, relations with Arg roles', () => {
  const c = readDrugProtDirectory(path.join(FIX, 'drugprot'));
  assert.equal(c.documents.length, 2);
  const d = c.documents[0];
  assert.ok(d);
  assert.equal(d.id, '100');
  assert.equal(documentText(d), 'Aspirin inhibits COX-1. We show that "aspirin" blocks COX-2 and PTGS1 in cells.');
  assert.deepEqual(d.passages.map((p) => [p.offset, p.attributes['type']]), [[0, 'title'], [24, 'abstract']]);
  assert.deepEqual(d.passages.map((p) => p.annotations.map((a) => a.id)), [['T1', 'T2'], ['T3', 'T4', 'T5']]);
  assert.deepEqual(checkOffsets(d), []);
  // The exact duplicate row of the file is kept, as DrugProt's own counts include it.
  assert.deepEqual(
    d.relations.map((r) => `${r.id} ${r.type} ${r.args.map((a) => `${a.role}:${a.ref.id}`).join(' ')}`),
    ['R1 INHIBITOR Arg1:T1 Arg2:T2', 'R2 INHIBITOR Arg1:T3 Arg2:T4', 'R3 INHIBITOR Arg1:T3 Arg2:T4'],
  );
  const empty = c.documents[1];
  assert.equal(empty?.passages[1]?.text, '');
  assert.equal(empty?.passages[0]?.annotations[0]?.text, 'relations');
});

test('ChemProt: gold-standard relations carry the fine types; "all" keeps every row with Y/N', () => {
  const dir = path.join(FIX, 'chemprot');
  const gold = readChemProtDirectory(dir);
  assert.deepEqual(
    gold.documents[0]?.relations.map((r) => [r.type, r.attributes['detail']]),
    [
      ['CPR:4', 'INHIBITOR|DOWNREGULATOR'],
      ['CPR:4', 'INHIBITOR'],
    ],
  );
  const all = readChemProtDirectory(dir, { relations: 'all' });
  assert.deepEqual(
    all.documents[0]?.relations.map((r) => [r.type, r.attributes['evaluated'], r.attributes['detail']]),
    [
      ['CPR:4', 'Y', 'INHIBITOR'],
      ['CPR:4', 'Y', 'DOWNREGULATOR'],
      ['CPR:4', 'Y', 'INHIBITOR'],
      ['CPR:1', 'N', 'PART_OF'],
    ],
  );
  const noGold = { ...drugprotInputs(), relations: input(path.join(dir, 'chemprot_sample_relations.tsv')) };
  assertFormatError(() => parseChemProt(noGold), noGold.abstracts.source, undefined, /no gold-standard file/);
});

test('DrugProt/ChemProt: malformed rows raise FormatError with file and line', () => {
  const base = drugprotInputs();
  const { abstracts, entities, relations } = base;
  assertFormatError(
    () => parseDrugProt({ ...base, relations: withLine(relations, 2, '100\tINHIBITOR\tArg1:T3\tArg2:T99') }),
    relations.source, 2, /unknown entity T99/,
  );
  assertFormatError(
    () => parseDrugProt({ ...base, relations: withLine(relations, 1, '100\tINHIBITOR\tArg2:T1\tArg1:T2') }),
    relations.source, 1, /expected "Arg1:<entity id>"/,
  );
  assertFormatError(
    () => parseDrugProt({ ...base, relations: withLine(relations, 3, '100\tINHIBITOR\tArg1:T3') }),
    relations.source, 3, /expected 4 tab-separated columns, found 3/,
  );
  assertFormatError(
    () => parseDrugProt({ ...base, relations: withLine(relations, 1, '999\tINHIBITOR\tArg1:T1\tArg2:T2') }),
    relations.source, 1, /PMID 999 is not in the abstracts file/,
  );
  assertFormatError(
    () => parseDrugProt({ ...base, entities: withLine(entities, 4, '100\tT2\tGENE-Y\t17\t900\tCOX-1') }),
    entities.source, 4, /outside the title and the abstract/,
  );
  assertFormatError(
    () => parseDrugProt({ ...base, entities: withLine(entities, 4, '100\tT2\tGENE-Y\t20\t30\tX-1. We sh') }),
    entities.source, 4, /outside the title and the abstract/,
  );
  assertFormatError(
    () => parseDrugProt({ ...base, entities: withLine(entities, 4, '100\tT2\tGENE-Y\t22\t17\tCOX-1') }),
    entities.source, 4, /ends \(17\) before it starts/,
  );
  assertFormatError(
    () => parseDrugProt({ ...base, entities: withLine(entities, 4, '100\tT2\tGENE-Y\t-1\t22\tCOX-1') }),
    entities.source, 4, /non-negative integers/,
  );
  assertFormatError(
    () => parseDrugProt({ ...base, entities: withLine(entities, 5, '100\tT1\tGENE-Y\t54\t59\tCOX-2') }),
    entities.source, 5, /duplicate entity id T1/,
  );
  assertFormatError(
    () => parseDrugProt({ ...base, abstracts: withLine(abstracts, 2, '200 No relations here.') }),
    abstracts.source, 2, /expected 3 tab-separated columns, found 1/,
  );
  assertFormatError(
    () => parseDrugProt({ ...base, abstracts: withLine(abstracts, 2, abstracts.text.split('\n')[0] ?? '') }),
    abstracts.source, 2, /duplicate PMID 100/,
  );
  const cp = path.join(FIX, 'chemprot');
  const cpInputs: BratTsvInputs = {
    abstracts: input(path.join(cp, 'chemprot_sample_abstracts.tsv')),
    entities: input(path.join(cp, 'chemprot_sample_entities.tsv')),
    relations: input(path.join(cp, 'chemprot_sample_relations.tsv')),
    goldStandard: input(path.join(cp, 'chemprot_sample_gold_standard.tsv')),
  };
  const rel = cpInputs.relations as TsvInput;
  assertFormatError(
    () => parseChemProt({ ...cpInputs, relations: withLine(rel, 3, '100\tCPR:4\tmaybe\tINHIBITOR\tArg1:T3\tArg2:T4') }),
    rel.source, 3, /expected Y or N/,
  );
  assertFormatError(
    () => parseChemProt({ ...cpInputs, relations: withLine(rel, 2, '100\tCPR-4\tY \tINHIBITOR\tArg1:T3\tArg2:T4') }),
    rel.source, 2, /bad CPR group/,
  );
  const gs = cpInputs.goldStandard as TsvInput;
  assertFormatError(
    () => parseChemProt({ ...cpInputs, goldStandard: withLine(gs, 2, '100\tCPR:4\tArg1:T3\tArg2:T42') }),
    gs.source, 2, /unknown entity T42/,
  );
});

test('DrugProt fuzz: 1000 random mutations of the fixture files throw nothing but FormatError', () => {
  const base = drugprotInputs();
  const pieces = ['\t', '\n', '\r\n', '"', 'Arg1:T99', 'Arg2:', 'T1', '-1', '999', '0', '100', 'CPR:4', ''];
  const mutation = fc.record({
    file: fc.constantFrom('abstracts', 'entities', 'relations'),
    at: fc.nat(),
    del: fc.nat({ max: 6 }),
    ins: fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 3 })),
  });
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
      const inputs = { abstracts: { ...base.abstracts }, entities: { ...base.entities }, relations: { ...base.relations } };
      for (const m of muts) {
        const inp = inputs[m.file as 'abstracts' | 'entities' | 'relations'];
        const at = m.at % (inp.text.length + 1);
        inp.text = inp.text.slice(0, at) + m.ins + inp.text.slice(at + m.del);
      }
      try {
        const c = parseDrugProt(inputs);
        for (const d of c.documents) documentText(d);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
      }
    }),
    { numRuns: 1000 },
  );
});

function relationCounts(c: Collection): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of c.documents) for (const r of d.relations) out[r.type] = (out[r.type] ?? 0) + 1;
  return out;
}
const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
const mentions = (c: Collection) => c.documents.reduce((n, d) => n + documentAnnotations(d).length, 0);
const mismatches = (c: Collection) => c.documents.reduce((n, d) => n + checkOffsets(d).length, 0);

test('DrugProt real corpus: documents, mentions, relations, offsets', { skip: !hasData() && 'no corpora' }, (t) => {
  const root = path.join(dataRoot(), 'drugprot');
  const started = Date.now();
  const train = readDrugProtDirectory(path.join(root, 'training'));
  const dev = readDrugProtDirectory(path.join(root, 'development'));
  t.diagnostic(`loaded DrugProt training+development in ${Date.now() - started} ms`);
  assert.equal(dev.documents.length, 750);
  assert.equal(mentions(dev), 18858);
  const devRels = relationCounts(dev);
  assert.equal(total(devRels), 3765);
  assert.equal(Object.keys(devRels).length, 13);
  assert.equal(devRels['INHIBITOR'], 1152);
  assert.equal(train.documents.length, 3500);
  assert.equal(mentions(train), 89529);
  assert.equal(total(relationCounts(train)), 17288);
  assert.equal(mismatches(train), 0);
  assert.equal(mismatches(dev), 0);
});

test('ChemProt real corpus: gold-standard counts, all-relations counts, offsets', { skip: !hasData() && 'no corpora' }, (t) => {
  const root = path.join(dataRoot(), 'chemprot');
  const expected: [string, number, number, number, number][] = [
    // split folder, documents, mentions, gold relations, all relation rows
    ['chemprot_training', 1020, 25752, 4157, 6437],
    ['chemprot_development', 612, 15567, 2416, 3558],
    ['chemprot_test_gs', 800, 20828, 3458, 5744],
  ];
  const started = Date.now();
  for (const [folder, docs, ments, gold, all] of expected) {
    const g = readChemProtDirectory(path.join(root, folder));
    assert.equal(g.documents.length, docs, folder);
    assert.equal(mentions(g), ments, folder);
    const counts = relationCounts(g);
    assert.equal(total(counts), gold, folder);
    assert.deepEqual(Object.keys(counts).sort(), ['CPR:3', 'CPR:4', 'CPR:5', 'CPR:6', 'CPR:9'], folder);
    // Every gold relation has its evaluated ("Y") row in the relations file.
    assert.equal(g.documents.flatMap((d) => d.relations).filter((r) => !r.attributes['detail']).length, 0, folder);
    assert.equal(mismatches(g), 0, folder);
    const a = readChemProtDirectory(path.join(root, folder), { relations: 'all' });
    assert.equal(total(relationCounts(a)), all, folder);
  }
  t.diagnostic(`loaded ChemProt training+development+test (gold and all) in ${Date.now() - started} ms`);
});
