import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Annotation, ArgumentRef, Document, Passage, Relation, Span } from '../../src/core/document/document';
import { checkOffsets, documentText } from '../../src/core/document/document';
import type { Candidate } from '../../src/core/tasks/candidates';
import { candidateToRelation, generateAllCandidates, generateCandidates, recallCeiling } from '../../src/core/tasks/candidates';
import { SentenceIndex, documentSentences, pairEvidence } from '../../src/core/tasks/candidatePairs';
import { cdrTitleFallback } from '../../src/core/tasks/cdr';
import { localConceptId, parseConceptIds } from '../../src/core/document/conceptIds';
import { bioredTypePairCounts, typePairKey, BIORED_TYPE_PAIRS } from '../../src/core/tasks/biored';
import { scoreDdi, scoreDrugProt, scoreBioRed, scoreCdr } from '../../src/core/evaluation/scorers';
import { applyDocumentRules } from '../../src/core/inference/relations/documentRules';

// ---- builders ----------------------------------------------------------------------------------

/** Splits after ". " only, so these tests do not depend on the real sentence splitter. */
function dotSplitter(text: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  for (let i = text.indexOf('. '); i >= 0; i = text.indexOf('. ', i + 1)) {
    out.push({ start, end: i + 1 });
    start = i + 2;
  }
  if (start < text.length) out.push({ start, end: text.length });
  return out;
}

interface MentionSpec {
  id: string;
  /** The surface text; its first occurrence at or after `from` in the passage is the mention. */
  text: string;
  type: string;
  ids?: string[];
  from?: number;
}

/** A passage at `offset` with mentions located by their text (offsets computed, not typed). */
function passage(offset: number, text: string, mentions: MentionSpec[]): Passage {
  const annotations: Annotation[] = mentions.map((m) => {
    const at = text.indexOf(m.text, m.from ?? 0);
    if (at < 0) throw new Error(`"${m.text}" not in "${text}"`);
    return { id: m.id, type: m.type, spans: [{ start: offset + at, end: offset + at + m.text.length }], text: m.text, ids: m.ids ?? [], attributes: {} };
  });
  return { offset, text, attributes: {}, annotations };
}

let rid = 0;
function rel(type: string, a: ArgumentRef, b: ArgumentRef, roles: [string, string], attributes: Record<string, string> = {}): Relation {
  return { id: `R${rid++}`, type, args: [{ role: roles[0], ref: a }, { role: roles[1], ref: b }], attributes, status: 'gold' };
}
const m = (id: string): ArgumentRef => ({ kind: 'annotation', id });
const c = (id: string): ArgumentRef => ({ kind: 'concept', id });

function makeDoc(id: string, passages: Passage[], relations: Relation[]): Document {
  const d: Document = { id, passages, relations, attributes: {} };
  assert.deepEqual(checkOffsets(d), [], 'fixture offsets');
  return d;
}

const slice = (d: Document, spans: Span[]): string[] => spans.map((s) => documentText(d).slice(s.start, s.end));
const byIds = (cs: Candidate[]): Map<string, Candidate> => new Map(cs.map((x) => [`${x.head.id}~${x.tail.id}`, x]));

// ---- DDI ---------------------------------------------------------------------------------------

function ddiDoc(): Document {
  const s0 = 'Aspirin increases warfarin and heparin levels.';
  const s1 = 'Avoid ketoconazole with cisapride.';
  return makeDoc(
    'DDI-DrugBank.d1',
    [
      passage(0, s0, [
        { id: 'e0', text: 'Aspirin', type: 'drug' },
        { id: 'e1', text: 'warfarin', type: 'drug' },
        { id: 'e2', text: 'heparin', type: 'drug' },
      ]),
      passage(s0.length + 1, s1, [
        { id: 'e3', text: 'ketoconazole', type: 'drug' },
        { id: 'e4', text: 'cisapride', type: 'drug' },
      ]),
    ],
    [
      rel('effect', m('e2'), m('e0'), ['e1', 'e2']), // reversed argument order
      rel('advise', m('e3'), m('e4'), ['e1', 'e2']),
      rel('mechanism', m('e1'), m('e3'), ['e1', 'e2']), // across sentences: no candidate can hold it
    ],
  );
}

test('DDI: all pairs of one sentence, i < j in mention order, labels from gold', () => {
  const d = ddiDoc();
  const cs = generateCandidates('ddi', d);
  // Sentence 0: (e0,e1) (e0,e2) (e1,e2); sentence 1: (e3,e4).
  assert.deepEqual(cs.map((x) => [x.head.id, x.tail.id, x.label]), [
    ['e0', 'e1', 'none'],
    ['e0', 'e2', 'effect'],
    ['e1', 'e2', 'none'],
    ['e3', 'e4', 'advise'],
  ]);
  const c0 = cs[0]!;
  assert.equal(c0.id, 'DDI-DrugBank.d1:e0->e1');
  assert.equal(c0.directed, false);
  assert.equal(c0.intraSentence, true);
  assert.deepEqual(slice(d, c0.evidence), ['Aspirin increases warfarin and heparin levels.']);
  assert.deepEqual(slice(d, cs[3]!.evidence), ['Avoid ketoconazole with cisapride.']);
  assert.deepEqual(c0.head, { kind: 'mention', id: 'e0', type: 'drug', mentions: [{ id: 'e0', spans: [{ start: 0, end: 7 }] }] });
  assert.deepEqual(cs[1]!.labels, ['effect']);
  assert.deepEqual(cs[0]!.labels, []);
});

test('DDI and DrugProt: a pair of mentions with the same name is no candidate (case, spacing, plural s aside)', () => {
  const s0 = 'Antacids reduce antacid  uptake; ANTACID and Digoxin differ.';
  const d = makeDoc('DDI-x', [passage(0, s0, [
    { id: 'e0', text: 'Antacids', type: 'drug' },
    { id: 'e1', text: 'antacid', type: 'drug' },
    { id: 'e2', text: 'ANTACID', type: 'drug' },
    { id: 'e3', text: 'Digoxin', type: 'drug' },
  ])], [rel('int', m('e0'), m('e1'), ['e1', 'e2'])]);
  const cs = generateCandidates('ddi', d);
  assert.deepEqual(cs.map((x) => `${x.head.id}-${x.tail.id}`), ['e0-e3', 'e1-e3', 'e2-e3']);
  // The skipped gold pair still counts against recall.
  assert.equal(recallCeiling([d], cs).reachable, 0);
  const p = 'Insulin raises insulin receptor and INSR levels.';
  const dp = makeDoc('1', [passage(0, p, [
    { id: 'T1', text: 'Insulin', type: 'CHEMICAL' },
    { id: 'T2', text: 'insulin', type: 'GENE-Y' },
    { id: 'T3', text: 'INSR', type: 'GENE-Y' },
  ])], []);
  assert.deepEqual(generateCandidates('drugprot', dp).map((x) => `${x.head.id}-${x.tail.id}`), ['T1-T3']);
});

test('DDI: recall ceiling counts the cross-sentence gold pair as unreachable', () => {
  const d = ddiDoc();
  const r = recallCeiling([d], generateCandidates('ddi', d));
  // Gold tuples 3, reachable 2 (e0-e2 effect, e3-e4 advise).
  assert.equal(r.goldRelations, 3);
  assert.equal(r.reachable, 2);
  assert.ok(Math.abs(r.ceiling - 200 / 3) < 1e-9);
  assert.deepEqual(r.unreachable.map((u) => [u.type, u.args]), [['mechanism', ['e1', 'e3']]]);
  assert.equal(r.candidates, 4);
  assert.equal(r.positives, 2);
  assert.equal(r.positiveRatio, 50);
  assert.deepEqual(r.labelCounts, { mechanism: 0, effect: 1, advise: 1, int: 0, none: 2 });
});

test('DDI: positive candidates turned into relations score exactly the ceiling', () => {
  const d = ddiDoc();
  const relations = generateCandidates('ddi', d).flatMap((x) => {
    const r = candidateToRelation(x, x.label, { score: 0.9 });
    return r ? [r] : [];
  });
  assert.equal(relations.length, 2);
  assert.equal(relations[0]!.status, 'suggested');
  assert.equal(relations[0]!.score, 0.9);
  const s = scoreDdi([d], [{ ...d, relations }]);
  // tp 2, fp 0, fn 1 (the cross-sentence pair).
  assert.deepEqual([s.micro.tp, s.micro.fp, s.micro.fn], [2, 0, 1]);
  assert.throws(() => candidateToRelation(generateCandidates('ddi', d)[0]!, 'synergy'), TypeError);
});

// ---- BC5CDR ------------------------------------------------------------------------------------

function cdrDoc(): Document {
  const title = 'Cisplatin nephrotoxicity.';
  const abs = 'Cisplatin caused renal failure. Hypertension was absent. Lithium and aspirin-caffeine were given with X.';
  const off = title.length + 1;
  return makeDoc(
    '100',
    [
      passage(0, title, [
        { id: 'T0', text: 'Cisplatin', type: 'Chemical', ids: ['D1'] },
        { id: 'T1', text: 'nephrotoxicity', type: 'Disease', ids: ['D10'] },
      ]),
      passage(off, abs, [
        { id: 'T2', text: 'Cisplatin', type: 'Chemical', ids: ['D1'] },
        { id: 'T3', text: 'renal failure', type: 'Disease', ids: ['D11'] },
        { id: 'T4', text: 'Hypertension', type: 'Disease', ids: ['D12'] },
        { id: 'T5', text: 'Lithium', type: 'Chemical', ids: ['D2'] },
        { id: 'T6', text: 'aspirin-caffeine', type: 'Chemical', ids: ['D3', 'D4'] }, // composite
        { id: 'T7', text: 'X', type: 'Chemical', ids: [] }, // no id (-1): its document-local concept
      ]),
    ],
    [
      rel('CID', c('D1'), c('D10'), ['Chemical', 'Disease']),
      rel('CID', c('D1'), c('D11'), ['Chemical', 'Disease']),
      rel('CID', c('D2'), c('D12'), ['Chemical', 'Disease']),
      rel('CID', c('D99'), c('D12'), ['Chemical', 'Disease']), // chemical never mentioned
    ],
  );
}

test('CDR: one candidate per chemical x disease concept, evidence sentences', () => {
  const d = cdrDoc();
  const cs = generateCandidates('cdr', d, { splitter: dotSplitter });
  // Chemicals D1 D2 D3 D4 local:Chemical:x x diseases D10 D11 D12 = 15.
  assert.equal(cs.length, 15);
  const by = byIds(cs);
  const d1d10 = by.get('D1~D10')!;
  assert.equal(d1d10.label, 'CID');
  assert.equal(d1d10.intraSentence, true);
  assert.deepEqual(slice(d, d1d10.evidence), ['Cisplatin nephrotoxicity.']);
  assert.deepEqual(d1d10.head.mentions.map((x) => x.id), ['T0', 'T2']);
  assert.equal(d1d10.head.kind, 'concept');
  assert.equal(d1d10.directed, true);
  const d1d11 = by.get('D1~D11')!;
  assert.deepEqual(slice(d, d1d11.evidence), ['Cisplatin caused renal failure.']);
  // D2 (sentence 3) and D12 (sentence 2): inter-sentence, the two sentences, distance 1.
  const d2d12 = by.get('D2~D12')!;
  assert.equal(d2d12.label, 'CID');
  assert.equal(d2d12.intraSentence, false);
  assert.equal(d2d12.sentenceDistance, 1);
  assert.deepEqual(slice(d, d2d12.evidence), ['Hypertension was absent.', 'Lithium and aspirin-caffeine were given with X.']);
  // D1 (sentences 0, 1) and D12 (sentence 2): the closest pair is 1-2.
  assert.deepEqual(slice(d, by.get('D1~D12')!.evidence), ['Cisplatin caused renal failure.', 'Hypertension was absent.']);
  // D3 (sentence 3) and D10 (title, sentence 0): distance 3, sentences in between left out.
  const d3d10 = by.get('D3~D10')!;
  assert.equal(d3d10.sentenceDistance, 3);
  assert.equal(d3d10.evidence.length, 2);
  // The composite mention T6 is a mention of both D3 and D4.
  assert.deepEqual(by.get('D4~D11')!.head.mentions.map((x) => x.id), ['T6']);
  assert.equal(d3d10.label, 'none');
});

test('CDR title fallback: a document with no predicted CID pairs its title chemicals with every disease', () => {
  const d = cdrDoc();
  const cs = generateCandidates('cdr', d, { splitter: dotSplitter });
  const heads = (picked: { index: number; rule: string }[]): string[] => picked.map(({ index: i, rule }) => `${cs[i]!.head.id}~${cs[i]!.tail.id}:${rule}`);
  // Nothing predicted: D1 (in the title) with D10, D11, D12.
  assert.deepEqual(heads(cdrTitleFallback([d], cs, () => false)), ['D1~D10:title-chemical', 'D1~D11:title-chemical', 'D1~D12:title-chemical']);
  // A title without a chemical: the most mentioned chemical; here each has one mention left, so the first of equals (D1).
  const noChemTitle: Document = { ...d, passages: [{ ...d.passages[0]!, annotations: d.passages[0]!.annotations.filter((a) => a.type !== 'Chemical') }, d.passages[1]!] };
  const cs2 = generateCandidates('cdr', noChemTitle, { splitter: dotSplitter });
  const picked = cdrTitleFallback([noChemTitle], cs2, () => false);
  assert.deepEqual([...new Set(picked.map((p) => `${cs2[p.index]!.head.id}:${p.rule}`))], ['D1:frequent-chemical']);
  // One positive prediction anywhere in the document: no fallback.
  assert.deepEqual(cdrTitleFallback([d], cs, (i) => i === 5), []);
  // A document without a separate title passage never falls back.
  const flat: Document = { ...d, passages: [{ ...d.passages[0]!, text: documentText(d), annotations: d.passages.flatMap((p) => p.annotations) }] };
  assert.deepEqual(cdrTitleFallback([flat], generateCandidates('cdr', flat, { splitter: dotSplitter }), () => false), []);
  // As a document rule: ruled predictions turn CID, keep the model's probability, say why.
  const preds = cs.map(() => ({ label: 0, prob: 0.8, probs: [0.8, 0.2], logits: [0, 0] }));
  const out = applyDocumentRules('cdr', [d], cs, ['none', 'CID'], preds);
  assert.equal(out.filter((p) => p.rule === 'title-chemical' && p.label === 1 && p.prob === 0.2).length, 3);
  assert.deepEqual(applyDocumentRules('ddi', [d], cs, ['none', 'CID'], preds), preds);
  // Calibrated: only kept rules fire, and a ruled prediction carries the rule's score.
  const calibrated = applyDocumentRules('cdr', [d], cs, ['none', 'CID'], preds, { 'title-chemical': { kept: true, score: 0.39 } });
  assert.deepEqual(calibrated.filter((p) => p.rule).map((p) => p.prob), [0.39, 0.39, 0.39]);
  assert.equal(applyDocumentRules('cdr', [d], cs, ['none', 'CID'], preds, { 'title-chemical': { kept: false, score: 0.39 } }).filter((p) => p.rule).length, 0);
  assert.equal(applyDocumentRules('cdr', [d], cs, ['none', 'CID'], preds, {}).filter((p) => p.rule).length, 0, 'a rule the calibration does not know stays off');
  // The rule set limits the fallback: without frequent-chemical a title without chemicals gets nothing.
  assert.deepEqual(cdrTitleFallback([noChemTitle], cs2, () => false, new Set(['title-chemical'])), []);
});

test('candidates: a mention without an id pairs by its document-local concept, never as one "no id" concept', () => {
  const d = cdrDoc();
  const y = { ...d.passages[1]!.annotations.find((a) => a.id === 'T7')!, id: 'T8', text: 'Y' };
  const withY: Document = { ...d, passages: [d.passages[0]!, { ...d.passages[1]!, annotations: [...d.passages[1]!.annotations, y] }] };
  const heads = new Set(generateCandidates('cdr', withY, { splitter: dotSplitter }).map((c) => c.head.id));
  assert.deepEqual([...heads].filter((h) => h.startsWith('local:')).sort(), [localConceptId('Chemical', 'X'), localConceptId('Chemical', 'Y')].sort());
  assert.equal(localConceptId('Chemical', ' x '), localConceptId('Chemical', 'X'));
  assert.deepEqual(parseConceptIds('-', 'Disease'), []);
});

test('CDR: recall ceiling misses the relation whose chemical is never mentioned', () => {
  const d = cdrDoc();
  const cs = generateCandidates('cdr', d, { splitter: dotSplitter });
  const r = recallCeiling([d], cs);
  assert.equal(r.goldRelations, 4);
  assert.equal(r.reachable, 3);
  assert.equal(r.ceiling, 75);
  assert.equal(r.positives, 3);
  assert.equal(r.positiveRatio, 20); // 3 of 15 candidates
  assert.equal(r.intraSentence, 2); // D1-D10, D1-D11
  assert.equal(r.intraSentencePositives, 2);
  assert.deepEqual(r.unreachable.map((u) => u.args), [['D99', 'D12']]);
  // Round trip through relations: concept refs with roles Chemical/Disease.
  const relations = cs.flatMap((x) => candidateToRelation(x, x.label) ?? []);
  assert.deepEqual(relations[0]!.args.map((a) => a.role), ['Chemical', 'Disease']);
  const s = scoreCdr([d], [{ ...d, relations }]);
  assert.deepEqual([s.micro.tp, s.micro.fp, s.micro.fn], [3, 0, 1]);
});

// ---- DrugProt ----------------------------------------------------------------------------------

function drugprotDoc(): Document {
  const text = 'Aspirin inhibits COX-1 and COX-2. Ibuprofen binds albumin.';
  return makeDoc(
    '200',
    [
      passage(0, text, [
        { id: 'T1', text: 'Aspirin', type: 'CHEMICAL' },
        { id: 'T2', text: 'COX-1', type: 'GENE-Y' },
        { id: 'T3', text: 'COX-2', type: 'GENE-N' },
        { id: 'T4', text: 'Ibuprofen', type: 'CHEMICAL' },
        { id: 'T5', text: 'albumin', type: 'GENE' },
      ]),
    ],
    [
      rel('INHIBITOR', m('T1'), m('T2'), ['Arg1', 'Arg2']),
      rel('INHIBITOR', m('T1'), m('T3'), ['Arg1', 'Arg2']),
      rel('ACTIVATOR', m('T1'), m('T3'), ['Arg1', 'Arg2']), // second type of the same pair
      rel('PART-OF', m('T1'), m('T5'), ['Arg1', 'Arg2']), // across sentences
      rel('DIRECT-REGULATOR', m('T4'), m('T5'), ['Arg1', 'Arg2']),
    ],
  );
}

test('DrugProt: chemical -> gene pairs of one sentence, multi-label pairs keep every type', () => {
  const d = drugprotDoc();
  const cs = generateCandidates('drugprot', d, { splitter: dotSplitter });
  assert.deepEqual(cs.map((x) => [x.head.id, x.tail.id, x.label, x.labels]), [
    ['T1', 'T2', 'INHIBITOR', ['INHIBITOR']],
    ['T1', 'T3', 'ACTIVATOR', ['ACTIVATOR', 'INHIBITOR']], // primary = first in type order
    ['T4', 'T5', 'DIRECT-REGULATOR', ['DIRECT-REGULATOR']],
  ]);
  assert.ok(cs.every((x) => x.directed && x.intraSentence));
  assert.deepEqual(slice(d, cs[2]!.evidence), ['Ibuprofen binds albumin.']);
  const r = recallCeiling([d], cs);
  // Gold tuples 5 (T1-T3 has 2), reachable 4 (all but T1-T5 PART-OF).
  assert.equal(r.goldRelations, 5);
  assert.equal(r.reachable, 4);
  assert.equal(r.ceiling, 80);
  assert.equal(r.multiLabel, 1);
  // Relations from candidates are Arg1/Arg2 mention refs and score as TPs.
  const relations = cs.flatMap((x) => x.labels.flatMap((t) => candidateToRelation(x, t) ?? []));
  const s = scoreDrugProt([d], [{ ...d, relations }]);
  assert.deepEqual([s.micro.tp, s.micro.fp, s.micro.fn], [4, 0, 1]);
});

test('DrugProt: a splitter cut inside a mention does not hide an intra-sentence pair', () => {
  const text = 'Na. K-ATPase is blocked by ouabain.';
  const d = makeDoc('201', [passage(0, text, [
    { id: 'G', text: 'Na. K-ATPase', type: 'GENE' },
    { id: 'C', text: 'ouabain', type: 'CHEMICAL' },
  ])], []);
  const cs = generateCandidates('drugprot', d, { splitter: dotSplitter });
  assert.equal(cs.length, 1);
  // The gene spans both "sentences", so both are evidence.
  assert.deepEqual(slice(d, cs[0]!.evidence), ['Na.', 'K-ATPase is blocked by ouabain.']);
});

// ---- BioRED ------------------------------------------------------------------------------------

function bioredDoc(): Document {
  const title = 'BRCA1 variant rs1 in breast cancer.';
  const abs = 'Tamoxifen reduced breast cancer in mice. BRCA1 carriers (MCF-7 cells) responded.';
  return makeDoc(
    '300',
    [
      passage(0, title, [
        { id: 'T0', text: 'BRCA1', type: 'GeneOrGeneProduct', ids: ['672'] },
        { id: 'T1', text: 'rs1', type: 'SequenceVariant', ids: ['rs1'] },
        { id: 'T2', text: 'breast cancer', type: 'DiseaseOrPhenotypicFeature', ids: ['D001943'] },
      ]),
      passage(title.length + 1, abs, [
        { id: 'T3', text: 'Tamoxifen', type: 'ChemicalEntity', ids: ['D013629'] },
        { id: 'T4', text: 'breast cancer', type: 'DiseaseOrPhenotypicFeature', ids: ['D001943'] },
        { id: 'T5', text: 'mice', type: 'OrganismTaxon', ids: ['10090'] },
        { id: 'T6', text: 'BRCA1', type: 'GeneOrGeneProduct', ids: ['672'] },
        { id: 'T7', text: 'MCF-7', type: 'CellLine', ids: ['CVCL_0031'] },
      ]),
    ],
    [
      rel('Association', c('D001943'), c('672'), ['entity1', 'entity2'], { novel: 'No' }),
      rel('Negative_Correlation', c('D013629'), c('D001943'), ['entity1', 'entity2'], { novel: 'Novel' }),
      rel('Association', c('672'), c('rs1'), ['entity1', 'entity2'], { novel: 'Novel' }), // gene-variant
    ],
  );
}

test('BioRED: concept pairs over allowed type pairs, novelty carried, taxa and cell lines ignored', () => {
  const d = bioredDoc();
  const cs = generateCandidates('biored', d, { splitter: dotSplitter });
  // Concepts by first mention: 672 (gene), rs1 (variant), D001943 (disease), D013629 (chemical).
  // Pairs: 672-rs1 (gene-variant, not allowed), 672-D001943, 672-D013629, rs1-D001943,
  // rs1-D013629, D001943-D013629 -> 5 candidates.
  assert.deepEqual(cs.map((x) => `${x.head.id}~${x.tail.id}`), [
    '672~D001943',
    '672~D013629',
    'rs1~D001943',
    'rs1~D013629',
    'D001943~D013629',
  ]);
  const by = byIds(cs);
  const assoc = by.get('672~D001943')!;
  assert.equal(assoc.label, 'Association');
  assert.equal(assoc.novelty, 'No');
  assert.equal(assoc.directed, false);
  assert.deepEqual(slice(d, assoc.evidence), ['BRCA1 variant rs1 in breast cancer.']);
  const neg = by.get('D001943~D013629')!;
  assert.equal(neg.label, 'Negative_Correlation');
  assert.equal(neg.novelty, 'Novel');
  assert.equal(by.get('672~D013629')!.label, 'none');
  assert.equal(by.get('672~D013629')!.novelty, undefined);
  const r = recallCeiling([d], cs);
  assert.equal(r.goldRelations, 3);
  assert.equal(r.reachable, 2);
  // Allowing the gene-variant pair makes it reachable.
  const all = new Set([...BIORED_TYPE_PAIRS, typePairKey('SequenceVariant', 'GeneOrGeneProduct')]);
  const cs2 = generateCandidates('biored', d, { splitter: dotSplitter, typePairs: all });
  assert.equal(recallCeiling([d], cs2).reachable, 3);
  // Relations from candidates carry novelty and score at every level.
  const relations = cs.flatMap((x) => candidateToRelation(x, x.label, x.novelty ? { novelty: x.novelty } : {}) ?? []);
  assert.equal(relations.length, 2);
  const s = scoreBioRed([d], [{ ...d, relations }]);
  assert.deepEqual([s.levels['pair+type+novelty'].micro.tp, s.levels['pair+type+novelty'].micro.fn], [2, 1]);
});

test('BioRED: type pairs of gold relations are counted by majority concept type', () => {
  const counts = bioredTypePairCounts([bioredDoc()]);
  assert.deepEqual(Object.fromEntries(counts), {
    'DiseaseOrPhenotypicFeature+GeneOrGeneProduct': 1,
    'ChemicalEntity+DiseaseOrPhenotypicFeature': 1,
    'GeneOrGeneProduct+SequenceVariant': 1,
  });
});

// ---- shared pieces -----------------------------------------------------------------------------

test('documentSentences splits each passage separately and shifts to document offsets', () => {
  const d = cdrDoc();
  const s = documentSentences(d, dotSplitter);
  assert.equal(s.length, 4);
  assert.deepEqual(slice(d, s), [
    'Cisplatin nephrotoxicity.',
    'Cisplatin caused renal failure.',
    'Hypertension was absent.',
    'Lithium and aspirin-caffeine were given with X.',
  ]);
});

test('pairEvidence picks the earliest of equally close mention pairs', () => {
  const idx = new SentenceIndex([0, 10, 20, 30, 40].map((start) => ({ start, end: start + 9 })));
  // a in 0 and 4, b in 2: gaps 2 and 2 -> the earlier (0, 2).
  const e = pairEvidence(idx, [{ first: 0, last: 0 }, { first: 4, last: 4 }], [{ first: 2, last: 2 }]);
  assert.deepEqual(e, { evidence: [{ start: 0, end: 9 }, { start: 20, end: 29 }], intraSentence: false, sentenceDistance: 2 });
});

test('recallCeiling needs a task when there are no candidates; empty input gives zeros', () => {
  assert.throws(() => recallCeiling([], []), TypeError);
  const r = recallCeiling([ddiDoc()], [], 'ddi');
  assert.equal(r.ceiling, 0);
  assert.equal(r.positiveRatio, 0);
  assert.equal(r.goldRelations, 3);
  assert.equal(generateAllCandidates('ddi', [ddiDoc(), ddiDoc()]).length, 8);
});
