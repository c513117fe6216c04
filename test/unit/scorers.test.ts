import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Annotation, ArgumentRef, Document, Relation } from '../../src/core/document/document';
import { FormatError } from '../../src/core/shared/errors';
import { TypedCounter, prf } from '../../src/core/evaluation/prf';
import type { Prf } from '../../src/core/evaluation/prf';
import { formatScore, scoreBioRed, scoreCdr, scoreDdi, scoreDrugProt, scoreTask } from '../../src/core/evaluation/scorers';
import { DRUGPROT_TYPES, UnknownRelationTypeError } from '../../src/core/tasks/definitions';

// ---- fixture builders -------------------------------------------------------------------------

/** A mention; offsets do not matter to the scorers, so every mention sits at 0-1. */
function ann(id: string, type: string, ids: string[] = []): Annotation {
  return { id, type, spans: [{ start: 0, end: 1 }], text: 'x', ids, attributes: {} };
}

const m = (id: string): ArgumentRef => ({ kind: 'annotation', id });
const c = (id: string): ArgumentRef => ({ kind: 'concept', id });

let relCounter = 0;
function rel(type: string, a: ArgumentRef, b: ArgumentRef, roles: [string, string] = ['Arg1', 'Arg2'], attributes: Record<string, string> = {}): Relation {
  return { id: `R${relCounter++}`, type, args: [{ role: roles[0], ref: a }, { role: roles[1], ref: b }], attributes };
}

function doc(id: string, relations: Relation[], annotations: Annotation[] = []): Document {
  return { id, attributes: {}, relations, passages: [{ offset: 0, text: 'x', attributes: {}, annotations }] };
}

/** Compare a P/R/F1 row with hand-computed counts and percentages (to 1e-9). */
function assertPrf(actual: Prf | undefined, tp: number, fp: number, fn: number, p: number, r: number, f: number): void {
  assert.ok(actual, 'row missing');
  assert.deepEqual([actual.tp, actual.fp, actual.fn], [tp, fp, fn]);
  for (const [got, want, name] of [[actual.precision, p, 'P'], [actual.recall, r, 'R'], [actual.f1, f, 'F1']] as const) {
    assert.ok(Math.abs(got - want) < 1e-9, `${name}: got ${got}, want ${want}`);
  }
}

const F = (p: number, r: number): number => (2 * p * r) / (p + r);

// ---- prf -------------------------------------------------------------------------------------

test('prf gives percentages and 0 (not NaN) on empty denominators', () => {
  assertPrf(prf({ tp: 1, fp: 1, fn: 3 }), 1, 1, 3, 50, 25, F(50, 25));
  assertPrf(prf({ tp: 0, fp: 0, fn: 0 }), 0, 0, 0, 0, 0, 0);
  assertPrf(prf({ tp: 0, fp: 0, fn: 5 }), 0, 0, 5, 0, 0, 0);
  assertPrf(prf({ tp: 0, fp: 2, fn: 0 }), 0, 2, 0, 0, 0, 0);
});

test('TypedCounter sums rows into the micro average and lists constructor labels first', () => {
  const t = new TypedCounter(['a', 'b', 'c']);
  t.tp('a', 2);
  t.fp('b');
  t.fn('a');
  t.fn('z');
  assert.deepEqual(Object.keys(t.byType()), ['a', 'b', 'c', 'z']);
  // tp 2, fp 1, fn 2.
  assertPrf(t.micro(), 2, 1, 2, 200 / 3, 50, F(200 / 3, 50));
  // Macro over the rows that occur (a, b, z; c is all zeros): a = tp2 fp0 fn1 (P 100, R 66.7),
  // b and z have F1 0.
  assert.ok(Math.abs(t.macro().f1 - F(100, 200 / 3) / 3) < 1e-9);
});

// ---- DDI ---------------------------------------------------------------------------------------

test('DDI: unordered pairs, duplicates once, wrong type FP+FN, gold-negative FP, missing doc FN', () => {
  const gold = [
    doc('d1', [
      rel('mechanism', m('e0'), m('e1')),
      rel('effect', m('e0'), m('e2')),
      rel('advise', m('e1'), m('e3')),
    ]),
    doc('d2', [rel('int', m('f0'), m('f1'))]),
  ];
  const predicted = [
    doc('d1', [
      rel('mechanism', m('e1'), m('e0')), // reversed order: still TP mechanism
      rel('MECHANISM', m('e1'), m('e0')), // duplicate (case differs): counted once
      rel('advise', m('e0'), m('e2')), // wrong type: FP advise + FN effect
      rel('effect', m('e2'), m('e3')), // gold-negative pair: FP effect
      rel('none', m('e1'), m('e3')), // predicted negative: not a tuple -> FN advise
      rel('false', m('e0'), m('e3')), // DDI's ddi="false" spelling: also negative
    ]),
    // d2 is missing from the predictions: FN int.
    doc('d9', [rel('int', m('x'), m('y'))]), // no gold document: ignored
  ];
  const s = scoreDdi(gold, predicted);
  // mechanism tp1; effect fp1 fn1; advise fp1 fn1; int fn1 -> micro tp1 fp2 fn3.
  assertPrf(s.micro, 1, 2, 3, 100 / 3, 25, F(100 / 3, 25));
  assertPrf(s.byType['mechanism'], 1, 0, 0, 100, 100, 100);
  assertPrf(s.byType['effect'], 0, 1, 1, 0, 0, 0);
  assertPrf(s.byType['advise'], 0, 1, 1, 0, 0, 0);
  assertPrf(s.byType['int'], 0, 0, 1, 0, 0, 0);
  assert.deepEqual(Object.keys(s.byType), ['mechanism', 'effect', 'advise', 'int']);
  assert.equal(s.gold, 4);
  assert.equal(s.predicted, 3); // mechanism e0-e1, advise e0-e2, effect e2-e3
  assert.deepEqual(s.ignoredDocuments, ['d9']);
  assert.equal(s.task, 'ddi');
  assert.equal(s.level, 'official');
  assert.match(formatScore(s), /^micro\s+1\s+2\s+3\s+33\.33\s+25\.00\s+28\.57$/m);
});

test('DDI: empty predictions give P = R = F1 = 0 without NaN; empty gold too', () => {
  const gold = [doc('d1', [rel('effect', m('a'), m('b')), rel('int', m('a'), m('c'))])];
  const s = scoreDdi(gold, []);
  assertPrf(s.micro, 0, 0, 2, 0, 0, 0);
  for (const row of Object.values(s.byType)) assert.ok(!Number.isNaN(row.f1));
  const empty = scoreDdi([], []);
  assertPrf(empty.micro, 0, 0, 0, 0, 0, 0);
  assert.equal(empty.gold, 0);
});

test('DDI: negative attribute, unknown type, concept arguments and duplicate documents', () => {
  const neg = rel('effect', m('a'), m('b'), ['e1', 'e2'], { ddi: 'false' });
  assertPrf(scoreDdi([doc('d', [])], [doc('d', [neg])]).micro, 0, 0, 0, 0, 0, 0);
  assert.throws(() => scoreDdi([doc('d', [])], [doc('d', [rel('synergy', m('a'), m('b'))])]), (e: unknown) => {
    return e instanceof UnknownRelationTypeError && e.relationType === 'synergy' && /prediction/.test(e.message);
  });
  assert.throws(() => scoreDdi([doc('d', [rel('int', c('D1'), m('b'))])], []), FormatError);
  assert.throws(() => scoreDdi([doc('d', []), doc('d', [])], []), /duplicate document id/);
});

// ---- BC5CDR CID --------------------------------------------------------------------------------

test('CDR: concept and mention refs, roles decide direction, composite mentions, duplicates once', () => {
  const roles: [string, string] = ['Chemical', 'Disease'];
  const gold = [
    doc(
      'c1',
      [rel('CID', c('D1'), c('D10'), roles), rel('CID', c('D2'), c('D10'), roles)],
      [
        ann('T0', 'Chemical', ['D1']),
        ann('T1', 'Chemical', ['D1', 'D2']), // composite D1|D2
        ann('T2', 'Disease', ['D10']),
        ann('T3', 'Disease', ['D12']),
        ann('T4', 'Chemical', []), // id -1
      ],
    ),
    doc('c2', [rel('CID', c('D3'), c('D11'), roles)]),
  ];
  // Predictions carry relations only; mention refs resolve against the gold document.
  const pred = [
    {
      id: 'c1',
      attributes: {},
      passages: [],
      relations: [
        rel('CID', c('D1'), c('D10'), roles), // TP D1-D10
        rel('CID', m('T0'), m('T2'), roles), // same tuple D1-D10: counted once
        rel('CID', m('T1'), m('T3'), roles), // composite: D1-D12 and D2-D12, both FP
        rel('CID', c('D10'), c('D2'), ['Disease', 'Chemical']), // reversed order, roles say D2-D10: TP
        rel('CID', m('T4'), m('T2'), roles), // chemical without id: no tuple (unresolved)
        rel('none', c('D1'), c('D12'), roles), // negative: nothing
      ],
    } satisfies Document,
  ];
  const s = scoreCdr(gold, pred);
  // tp 2 (D1-D10, D2-D10); fp 2 (D1-D12, D2-D12); fn 1 (c2 D3-D11).
  assertPrf(s.micro, 2, 2, 1, 50, 200 / 3, F(50, 200 / 3));
  assert.deepEqual(Object.keys(s.byType), ['CID']);
  assert.equal(s.gold, 3);
  assert.equal(s.predicted, 4);
  assert.deepEqual(s.unresolved, { gold: 0, predicted: 1 });
});

test('CDR: without roles the mention types pick the chemical side', () => {
  const gold = [doc('c', [rel('CID', c('D1'), c('D10'), ['Chemical', 'Disease'])], [ann('a', 'Chemical', ['D1']), ann('b', 'Disease', ['D10'])])];
  const pred = [doc('c', [rel('CID', m('b'), m('a'))], [ann('a', 'Chemical', ['D1']), ann('b', 'Disease', ['D10'])])];
  assertPrf(scoreCdr(gold, pred).micro, 1, 0, 0, 100, 100, 100);
});

// ---- DrugProt ----------------------------------------------------------------------------------

test('DrugProt: directed tuples, duplicates once, wrong type, reversed pair, multi-label gold', () => {
  const gold = [
    doc('p1', [
      rel('INHIBITOR', m('T1'), m('T2')),
      rel('ACTIVATOR', m('T1'), m('T3')),
      rel('INHIBITOR', m('T1'), m('T3')), // same pair, second type
      rel('PART-OF', m('T4'), m('T2')),
    ]),
  ];
  const pred = [
    doc('p1', [
      rel('INHIBITOR', m('T1'), m('T2')), // TP
      rel('INHIBITOR', m('T1'), m('T2')), // duplicate: once
      rel('INHIBITOR', m('T2'), m('T1')), // reversed: FP INHIBITOR
      rel('activator', m('T1'), m('T3')), // TP (case-insensitive type)
      rel('SUBSTRATE', m('T4'), m('T2')), // wrong type: FP SUBSTRATE, FN PART-OF
      // T1-T3 INHIBITOR not predicted: FN INHIBITOR
    ]),
  ];
  const s = scoreDrugProt(gold, pred);
  // micro tp 2, fp 2, fn 2.
  assertPrf(s.micro, 2, 2, 2, 50, 50, 50);
  assertPrf(s.byType['INHIBITOR'], 1, 1, 1, 50, 50, 50);
  assertPrf(s.byType['ACTIVATOR'], 1, 0, 0, 100, 100, 100);
  assertPrf(s.byType['SUBSTRATE'], 0, 1, 0, 0, 0, 0);
  assertPrf(s.byType['PART-OF'], 0, 0, 1, 0, 0, 0);
  assert.deepEqual(Object.keys(s.byType), [...DRUGPROT_TYPES]);
  assert.equal(s.gold, 4);
  assert.equal(s.predicted, 4);
});

test('DrugProt: roles Arg1/Arg2 win over argument order', () => {
  const gold = [doc('p', [rel('AGONIST', m('T1'), m('T2'))])];
  const swapped: Relation = {
    id: 'x',
    type: 'AGONIST',
    args: [{ role: 'Arg2', ref: m('T2') }, { role: 'Arg1', ref: m('T1') }],
    attributes: {},
  };
  assertPrf(scoreDrugProt(gold, [doc('p', [swapped])]).micro, 1, 0, 0, 100, 100, 100);
});

test('DrugProt: an unknown predicted type is a typed error naming it', () => {
  const gold = [doc('p1', [rel('INHIBITOR', m('T1'), m('T2'))])];
  const pred = [doc('p1', [rel('INHIBITS', m('T1'), m('T2'))])];
  assert.throws(
    () => scoreDrugProt(gold, pred, { predictedSource: 'run1.tsv' }),
    (e: unknown) =>
      e instanceof UnknownRelationTypeError &&
      e instanceof FormatError &&
      e.relationType === 'INHIBITS' &&
      e.task === 'drugprot' &&
      e.message.startsWith('run1.tsv (document p1 relation') &&
      e.message.includes('"INHIBITS"'),
  );
});

// ---- BioRED ------------------------------------------------------------------------------------

test('BioRED: pair, pair+type, pair+novelty and pair+type+novelty levels', () => {
  const roles: [string, string] = ['entity1', 'entity2'];
  const novel = { novel: 'Novel' };
  const no = { novel: 'No' };
  const gold = [
    doc('b1', [
      rel('Association', c('D1'), c('100'), roles, novel),
      rel('Positive_Correlation', c('200'), c('100'), roles, no),
      rel('Bind', c('D1'), c('D5'), roles, novel),
    ]),
    doc('b2', [rel('Association', c('300'), c('D7'), roles, novel)]), // missing from predictions
  ];
  const pred = [
    doc('b1', [
      rel('Association', c('100'), c('D1'), roles, novel), // all levels TP (order irrelevant)
      rel('Negative_Correlation', c('100'), c('200'), roles, no), // pair TP, type wrong, novelty right
      rel('Bind', c('D1'), c('D5'), roles, no), // pair+type TP, novelty wrong
      rel('Association', c('D1'), c('D9'), roles, novel), // FP everywhere
      rel('Positive_Correlation', c('D1'), c('100'), roles, novel), // pair duplicate; extra type FP
    ]),
  ];
  const s = scoreBioRed(gold, pred);
  // pair: gold {D1-100, 100-200, D1-D5, 300-D7}; pred {D1-100, 100-200, D1-D5, D1-D9}
  //   tp 3, fp 1, fn 1.
  assertPrf(s.levels.pair.micro, 3, 1, 1, 75, 75, 75);
  assert.deepEqual(s.levels.pair.byType, {});
  // pair+type: tp 2 (D1-100 Assoc, D1-D5 Bind); fp 3 (100-200 Neg, D1-D9 Assoc, D1-100 Pos);
  //   fn 2 (100-200 Pos, 300-D7 Assoc).
  assertPrf(s.levels['pair+type'].micro, 2, 3, 2, 40, 50, F(40, 50));
  assertPrf(s.levels['pair+type'].byType['Association'], 1, 1, 1, 50, 50, 50);
  assertPrf(s.levels['pair+type'].byType['Bind'], 1, 0, 0, 100, 100, 100);
  assertPrf(s.levels['pair+type'].byType['Negative_Correlation'], 0, 1, 0, 0, 0, 0);
  assertPrf(s.levels['pair+type'].byType['Positive_Correlation'], 0, 1, 1, 0, 0, 0);
  // pair+novelty: pred {D1-100 Novel, 100-200 No, D1-D5 No, D1-D9 Novel};
  //   tp 2 (D1-100, 100-200); fp 2; fn 2 (D1-D5 Novel, 300-D7 Novel).
  assertPrf(s.levels['pair+novelty'].micro, 2, 2, 2, 50, 50, 50);
  assert.deepEqual(Object.keys(s.levels['pair+novelty'].byType), ['Novel', 'No']);
  // pair+type+novelty: tp 1 (D1-100 Assoc Novel); fp 4; fn 3.
  assertPrf(s.levels['pair+type+novelty'].micro, 1, 4, 3, 20, 25, F(20, 25));
  // The headline is pair+type, micro over the 8 types.
  assert.equal(s.level, 'pair+type');
  assert.deepEqual(s.micro, s.levels['pair+type'].micro);
  assert.equal(Object.keys(s.byType).length, 8);
  assert.equal(s.gold, 4);
  assert.equal(s.predicted, 5);
  assert.equal(s.levels.pair.predicted, 4);
});

test('BioRED: mention refs and composite mentions resolve to concept pairs', () => {
  const gold = [
    doc(
      'b',
      [rel('Association', c('D1'), c('7'), ['entity1', 'entity2'], { novel: 'No' })],
      [ann('T0', 'ChemicalEntity', ['D1']), ann('T1', 'GeneOrGeneProduct', ['7', '8'])],
    ),
  ];
  const pred = [doc('b', [rel('Association', m('T1'), m('T0'), ['entity1', 'entity2'], { novel: 'no' })])];
  const s = scoreBioRed(gold, pred);
  // Composite T1 gives 7-D1 (TP) and 8-D1 (FP).
  assertPrf(s.levels['pair+type+novelty'].micro, 1, 1, 0, 50, 100, F(50, 100));
});

test('scoreTask dispatches by task name', () => {
  const gold = [doc('d', [rel('int', m('a'), m('b'))])];
  assertPrf(scoreTask('ddi', gold, gold).micro, 1, 0, 0, 100, 100, 100);
  assert.equal(scoreTask('biored', [], []).level, 'pair+type');
});
