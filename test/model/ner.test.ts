/**
 * Mention detection and normalization: BIO decoding and repair, tokens and features, the
 * partial-label targets of multi-corpus training, the lexicon's surface keys (Greek letters,
 * plurals, hyphens), Schwartz–Hearst abbreviations, document normalization with stable local ids,
 * and `annotate` end to end on a toy corpus with a tiny tagger trained through the real loop,
 * exported and reloaded as a model folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Annotation, Document } from '../../src/core/document/document';
import { documentAnnotations, documentText } from '../../src/core/document/document';
import { annotate, annotateDocuments, pubTatorLayout } from '../../src/core/curation/annotate';
import { FEATURE_SLOTS, nerTokens, tokenFeatures, wordShape } from '../../src/core/inference/mentions/features';
import { Lexicon, findAbbreviations, isLocalId, normalizeDocument, singular, surfaceKey } from '../../src/core/inference/normalization/lexicon';
import { allowedMasks, encodeTrainingDocuments, goldLabels, documentSentences } from '../../src/core/inference/mentions/nerExamples';
import { createNerBackend } from '../../src/core/training/ner/nerModel';
import { resolveNerConfig, parseSources, isHeldOut } from '../../src/core/training/ner/nerTrainJob';
import { loadNerTagger, type PredictedMention } from '../../src/core/inference/mentions/nerTagger';
import { propagateMentions } from '../../src/core/inference/mentions/consistency';
import { scoreMentions, scoreConcepts, bareCopy } from '../../src/core/modelEvaluation/evaluateMentions';
import { NER_LABELS, beginLabel, insideLabel, labelsToMentions, restrictToTypes, viterbiBio } from '../../src/core/inference/mentions/tags';
import { train } from '../../src/core/training/trainer';
import { SPECIAL_WORDS, WordVocab } from '../../src/core/wordvec/wordVocab';
import { decodeMentions } from '../../src/core/inference/mentions/taggerModel';

const C = NER_LABELS.length;
const CHEM = 0;
const GENE = 1;
const DIS = 2;

/** Log-probability rows that put `p` on the given label per token, the rest spread evenly. */
function rows(labels: number[], p = 0.9): Float32Array {
  const out = new Float32Array(labels.length * C);
  labels.forEach((l, t) => {
    for (let c = 0; c < C; c++) out[t * C + c] = Math.log(c === l ? p : (1 - p) / (C - 1));
  });
  return out;
}

test('BIO: constrained Viterbi repairs orphan and mistyped I tags', () => {
  // O I-Chem I-Chem O : the orphan inside becomes a valid mention start.
  const a = viterbiBio(rows([0, insideLabel(CHEM), insideLabel(CHEM), 0]), 4);
  assert.deepEqual(labelsToMentions(a), [{ first: 1, last: 2, type: 'Chemical' }]);
  for (let i = 0; i < a.length; i++) if (a[i]! % 2 === 0 && a[i]! > 0) assert.ok(a[i - 1]! > 0, 'I only after B/I');
  // B-Chem I-Disease: never decoded as such.
  const b = viterbiBio(rows([beginLabel(CHEM), insideLabel(DIS)]), 2);
  assert.notDeepEqual(b, [beginLabel(CHEM), insideLabel(DIS)]);
  // Greedy mentions of an invalid sequence still come out (orphan I starts one).
  assert.deepEqual(labelsToMentions([0, insideLabel(GENE), 0, beginLabel(DIS), insideLabel(DIS)]), [
    { first: 1, last: 1, type: 'Gene' },
    { first: 3, last: 4, type: 'Disease' },
  ]);
  assert.deepEqual(viterbiBio(new Float32Array(0), 0), []);
});

test('BIO: restricting types moves their mass to O', () => {
  const logits = new Float32Array(C);
  logits[beginLabel(GENE)] = 5; // a confident gene
  const lp = restrictToTypes(logits, 0, 1, ['Disease']);
  assert.equal(lp[beginLabel(GENE)], -Infinity);
  assert.ok(lp[0]! > Math.log(0.9), 'O takes the gene mass');
  assert.deepEqual(decodeMentions(logits, 1, ['Disease']), []);
  assert.deepEqual(decodeMentions(logits, 1, ['Gene']), [{ first: 0, last: 0, type: 'Gene' }]);
});

test('tokens: hyphenated compounds split into parts; features are stable and in range', () => {
  const t = nerTokens('Cisplatin-induced IL-6 (α-tocopherol)', 10);
  assert.deepEqual(
    t.map((x) => [x.surface, x.start, x.hyphenLeft, x.hyphenRight]),
    [
      ['Cisplatin', 10, false, true],
      ['induced', 20, true, false],
      ['IL', 28, false, true],
      ['6', 31, true, false],
      ['(', 33, false, false],
      ['α', 34, false, true],
      ['tocopherol', 36, true, false],
      [')', 46, false, false],
    ],
  );
  assert.equal(t[3]!.norm, '<num>');
  assert.equal(wordShape('BRCA1'), 'Xd');
  assert.equal(wordShape('mRNA'), 'xX');
  const f = tokenFeatures(t[0]!, 128);
  assert.equal(f.length, FEATURE_SLOTS);
  assert.ok([...f].every((v) => v >= 1 && v < 128));
  assert.deepEqual([...tokenFeatures(t[0]!, 128)], [...f]);
});

test('targets: a corpus supervises only its own types', () => {
  const doc: Document = { id: 'd', passages: [{ offset: 0, text: 'Aspirin caused asthma attacks .', attributes: {}, annotations: [] }], relations: [], attributes: {} };
  const [s] = documentSentences(doc, 50);
  const labels = goldLabels(s!, [{ span: { start: 15, end: 29 }, type: 'Disease' }]);
  assert.deepEqual(labels, [0, 0, beginLabel(DIS), insideLabel(DIS), 0]);
  const allowed = allowedMasks(labels, ['Disease']);
  // "Aspirin" is O for an NCBI-style corpus: O, Chemical and Gene labels allowed, Disease not.
  const bits = (m: number): number[] => [...Array(C).keys()].filter((k) => (m >> k) & 1);
  assert.deepEqual(bits(allowed[0]!), [0, beginLabel(CHEM), insideLabel(CHEM), beginLabel(GENE), insideLabel(GENE)]);
  assert.deepEqual(bits(allowed[2]!), [beginLabel(DIS)]);
  // A corpus annotating all three types allows only O there.
  assert.deepEqual(bits(allowedMasks(labels, ['Chemical', 'Gene', 'Disease'])[0]!), [0]);
});

test('sources: test splits are refused; held-out share is stable', () => {
  assert.throws(() => parseSources('bc5cdr:test'), /may not feed training/);
  assert.throws(() => parseSources('drugprot:dev'), /may not feed training/);
  assert.deepEqual(parseSources('ncbi-disease:train')[0]!.types, ['Disease']);
  assert.equal(parseSources('bc5cdr:train*2')[0]!.repeat, 2);
  assert.throws(() => parseSources('bc5cdr:train*0'), /positive integer/);
  assert.equal(isHeldOut('12345', 0.1), isHeldOut('12345', 0.1));
  const share = [...Array(2000).keys()].filter((i) => isHeldOut(String(i), 0.1)).length / 2000;
  assert.ok(share > 0.07 && share < 0.13, `held-out share ${share}`);
});

test('lexicon keys: case, hyphens, plurals, Greek letters', () => {
  assert.equal(surfaceKey('5-FU'), surfaceKey('5 fu'));
  assert.equal(surfaceKey('5-FU'), surfaceKey('5FU'));
  assert.equal(surfaceKey('Seizures'), surfaceKey('seizure'));
  assert.equal(surfaceKey('arrhythmias'), surfaceKey('Arrhythmia'));
  assert.equal(surfaceKey('therapies'), surfaceKey('therapy'));
  assert.equal(surfaceKey('TNF-α'), surfaceKey('TNF alpha'));
  assert.equal(surfaceKey('β-blockers'), surfaceKey('beta blocker'));
  assert.equal(surfaceKey('IL-1β'), 'il1beta');
  assert.equal(singular('diabetes'), 'diabete');
  assert.equal(singular('glucose'), 'glucose');
  assert.equal(singular('virus'), 'virus');
  assert.equal(singular('analysis'), 'analysis');
  assert.notEqual(surfaceKey('aspirin'), surfaceKey('heparin'));
});

test('abbreviations: Schwartz-Hearst long forms', () => {
  const text = 'Patients took non-steroidal anti-inflammatory drugs (NSAIDs) or 5-fluorouracil (5-FU) for heart failure (HF; n = 12) and (a) unrelated text (see above).';
  const found = findAbbreviations(text, 100);
  const m = new Map(found.map((a) => [a.short, a.long]));
  assert.equal(m.get('NSAIDs'), 'non-steroidal anti-inflammatory drugs');
  assert.equal(m.get('5-FU'), '5-fluorouracil');
  assert.equal(m.get('HF'), 'heart failure');
  assert.ok(!m.has('a') && !m.has('see above'));
  for (const a of found) {
    assert.equal(text.slice(a.shortSpan.start - 100, a.shortSpan.end - 100), a.short);
    assert.equal(text.slice(a.longSpan.start - 100, a.longSpan.end - 100), a.long);
  }
});

function mention(id: string, type: string, text: string, start: number, ids: string[] = []): Annotation {
  return { id, type, spans: [{ start, end: start + text.length }], text, ids, attributes: {} };
}

function docWith(text: string, mentions: [string, string, string[]?][], id = 'doc'): Document {
  const anns: Annotation[] = [];
  let from = 0;
  mentions.forEach(([type, t, ids], i) => {
    const at = text.indexOf(t, from);
    assert.ok(at >= 0, t);
    anns.push(mention(`T${i}`, type, t, at, ids));
    from = at + t.length;
  });
  return { id, passages: [{ offset: 0, text, attributes: {}, annotations: anns }], relations: [], attributes: {} };
}

test('normalization: lexicon, abbreviations, shared and stable local ids', () => {
  const train = [
    docWith('Seizures after lidocaine.', [
      ['Disease', 'Seizures', ['D012640']],
      ['Chemical', 'lidocaine', ['D008012']],
    ]),
    docWith('A seizure; another seizure; heart failure.', [
      ['Disease', 'seizure', ['D012640']],
      ['Disease', 'seizure', ['D000001']],
      ['Disease', 'heart failure', ['D006333']],
    ]),
    docWith('seizure again', [['Disease', 'seizure', ['D012640']]]),
  ];
  const lex = Lexicon.fromDocuments(train);
  assert.equal(lex.get('Disease', surfaceKey('seizure'))!.id, 'D012640', 'majority id');
  const round = Lexicon.fromText(lex.toText());
  assert.equal(round.toText(), lex.toText());
  const doc = docWith('Heart failure (HF) and a SEIZURE after Lidocaine-HCl; HF worsened with zorbamycin and Zorbamycin.', [
    ['Disease', 'Heart failure'],
    ['Disease', 'HF'],
    ['Disease', 'SEIZURE'],
    ['Chemical', 'Lidocaine-HCl'],
    ['Disease', 'HF'],
    ['Chemical', 'zorbamycin'],
    ['Chemical', 'Zorbamycin'],
  ]);
  const counts = normalizeDocument(doc, lex);
  const ids = documentAnnotations(doc).map((a) => a.ids.join('|'));
  assert.equal(ids[0], 'D006333');
  assert.equal(ids[1], 'D006333', 'abbreviation resolved through its long form');
  assert.equal(ids[2], 'D012640');
  assert.ok(isLocalId(ids[3]!), 'unknown chemical gets a local id');
  assert.equal(ids[4], 'D006333');
  assert.ok(isLocalId(ids[5]!));
  assert.equal(ids[5], ids[6], 'same surface key, same local id');
  assert.equal(counts.abbreviation, 2);
  // Stable: normalizing again from scratch gives the same ids.
  for (const a of documentAnnotations(doc)) a.ids = [];
  normalizeDocument(doc, lex);
  assert.deepEqual(
    documentAnnotations(doc).map((a) => a.ids.join('|')),
    ids,
  );
  // Concept-level scoring ignores local ids.
  const gold = docWith(doc.passages[0]!.text, [
    ['Disease', 'Heart failure', ['D006333']],
    ['Chemical', 'Lidocaine-HCl', ['D008012']],
  ]);
  const s = scoreConcepts([gold], [doc], ['Chemical', 'Disease']);
  assert.deepEqual([s.micro.tp, s.micro.fp, s.micro.fn], [1, 1, 1]);
});

// ---------------------------------------------------------------------------------- a tiny tagger end to end

const CHEMS = ['aspirin', 'warfarin', 'heparin', 'lidocaine', 'cocaine'];
const DISEASES = ['asthma', 'sepsis', 'anemia', 'gout', 'psoriasis'];
const FILLERS = ['patients', 'given', 'developed', 'after', 'treatment', 'with', 'severe', 'the', 'was', 'reported'];

function toyDoc(i: number): Document {
  const c = CHEMS[i % CHEMS.length]!;
  const d = DISEASES[(i * 3 + 1) % DISEASES.length]!;
  const f = (k: number): string => FILLERS[(i + k) % FILLERS.length]!;
  const text = `${f(0)} ${f(1)} ${c} ${f(2)} ${d} ${f(3)} .`;
  return docWith(text, [
    ['Chemical', c, ['C' + c]],
    ['Disease', d, ['D' + d]],
  ], `toy${i}`);
}

test('annotate: a tiny tagger trained, exported, reloaded; normalization, relations, progress, cancel', async () => {
  const words = [...SPECIAL_WORDS, ...CHEMS, ...DISEASES, ...FILLERS, '.'];
  const vocab = new WordVocab(words, words.map((_, i) => (i < SPECIAL_WORDS.length ? 0 : 10)));
  const dim = 8;
  const table = new Float32Array(vocab.size * dim).map((_, i) => Math.sin(i * 12.9898) * 0.5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ner-'));
  const { train: config, ner } = resolveNerConfig([`outDir=${dir}`, 'maxSteps=150', 'evalEvery=150', 'checkpointEvery=1000', 'warmupSteps=10', 'batchSize=8', 'learningRate=0.01', 'dropout=0', 'inputDropout=0', 'threads=1', 'layers=3,3', 'dilations=1,2', 'filters=16', 'buckets=256', 'featDim=8', 'tuneWords=20']);
  const docs = Array.from({ length: 40 }, (_, i) => toyDoc(i));
  const enc = { vocab, buckets: ner.buckets, maxTokens: ner.maxTokens };
  // Half the documents supervise only chemicals (their diseases are unannotated): the partial
  // loss must not teach that those diseases are O.
  const trainEx = [...encodeTrainingDocuments(docs.slice(0, 15), 'both', ['Chemical', 'Disease'], enc), ...encodeTrainingDocuments(docs.slice(15, 30), 'chem', ['Chemical'], enc)];
  const devEx = encodeTrainingDocuments(docs.slice(30), 'both', ['Chemical', 'Disease'], enc);
  const backend = await createNerBackend({ config, ner, vocab, table, wordDim: dim, train: trainEx, dev: devEx });
  const summary = await train(backend, { config, meta: { command: 'test' }, select: { metric: 'f1', mode: 'max' }, resume: false });
  await backend.session.dispose();
  assert.ok(summary.best!['f1']! > 90, `held-out F1 ${summary.best!['f1']}`);
  const modelDir = path.join(dir, 'best');
  const cfg = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg['model_type'], 'biore-cnn-ner');
  assert.deepEqual(Object.values(cfg['id2label'] as Record<string, string>), NER_LABELS);

  const tagger = await loadNerTagger(modelDir);
  const lexicon = Lexicon.fromDocuments(docs.slice(0, 30));
  const test = docs.slice(30).map(bareCopy);
  const suggested: string[] = [];
  const progress: number[] = [];
  const reports = await annotateDocuments(test, {
    tagger,
    lexicon,
    relations: {
      predict: async (doc) => {
        const [c, d] = documentAnnotations(doc);
        suggested.push(doc.id);
        if (!c || !d) return [];
        const relation = { id: 'R1', type: 'CID', args: [{ role: 'Chemical', ref: { kind: 'concept' as const, id: c.ids[0]! } }, { role: 'Disease', ref: { kind: 'concept' as const, id: d.ids[0]! } }], attributes: {} };
        // The same suggestion twice: added once.
        return [relation, relation].map((r) => ({ relation: r, evidence: { start: 0, end: 10 } }));
      },
    },
    // The toy corpora never annotate genes, so gene mass is unconstrained: ask for the two types.
    types: ['Chemical', 'Disease'],
    batchSize: 4,
    onProgress: (p) => progress.push(p.done),
  });
  assert.deepEqual(progress, [4, 8, 10]);
  assert.equal(suggested.length, 10);
  const m = scoreMentions(docs.slice(30), test.map((d) => documentAnnotations(d).map((a) => ({ span: a.spans[0]!, type: a.type as 'Chemical', text: a.text, score: 1 }))), ['Chemical', 'Disease']);
  assert.ok(m.micro.f1 > 90, `toy test F1 ${m.micro.f1}: ${JSON.stringify(test.slice(0, 3).map((d) => [d.passages[0]!.text, documentAnnotations(d).map((a) => [a.type, a.text])]))}`);
  assert.ok(reports.every((r) => r.detected && r.mentions === 2 && r.relations === 1));
  const first = test[0]!;
  assert.deepEqual(
    documentAnnotations(first).map((a) => a.ids[0]),
    documentAnnotations(docs[30]!).map((a) => a.ids[0]),
    'lexicon ids',
  );
  assert.equal(first.relations[0]!.status, 'suggested');
  assert.equal(first.relations[0]!.attributes['evidence'], '0-10');

  // Existing mentions are kept unless redetect is asked for.
  const toy = toyDoc(31);
  const [chem, dis] = documentAnnotations(toy);
  const given = docWith(toy.passages[0]!.text, [['Chemical', chem!.text]]);
  await annotate(given, { tagger, lexicon });
  assert.deepEqual(documentAnnotations(given).map((a) => [a.id, a.ids[0]]), [['T0', 'C' + chem!.text]]);
  await annotate(given, { tagger, lexicon, redetect: true, types: ['Chemical', 'Disease'] });
  const redetected = documentAnnotations(given);
  assert.ok(redetected.every((a) => a.id.startsWith('N') && a.attributes['source'] === 'biore-ner'));
  assert.deepEqual(redetected.map((a) => a.text), [chem!.text, dis!.text]);

  // Cancellation.
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(annotateDocuments(docs.slice(30).map(bareCopy), { tagger, signal: ac.signal }));
  await tagger.dispose();

  // The CLI on a text file: PubTator with ids in column 6; BioC XML; a bad model folder.
  const cli = path.resolve(__dirname, '../../../dist/cli.js');
  if (fs.existsSync(cli)) {
    lexicon.save(path.join(modelDir, 'lexicon.tsv'));
    const input = path.join(dir, 'abstract.txt');
    fs.writeFileSync(input, `PMID: 42\n${toy.passages[0]!.text}\n${toyDoc(32).passages[0]!.text}\n`);
    const run = (...args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [cli, 'annotate', input, '--model', modelDir, '--relations', 'none', '--types', 'Chemical,Disease', ...args], { encoding: 'utf8' });
    const r = run('--format', 'pubtator');
    assert.equal(r.status, 0, String(r.stderr));
    const lines = String(r.stdout).trim().split('\n');
    assert.match(lines[0]!, /^42\|t\|/);
    const mentionLines = lines.filter((l) => l.split('\t').length >= 6);
    assert.ok(mentionLines.length >= 3, String(r.stdout));
    for (const l of mentionLines) {
      const [pmid, start, end, text, , id] = l.split('\t');
      assert.equal(pmid, '42');
      assert.equal(lines.slice(0, 2).map((x) => x.slice(x.indexOf('|', 3) + 1)).join(' ').slice(Number(start), Number(end)), text);
      assert.ok(id && id !== '-1', l);
    }
    const x = run('--format', 'bioc');
    assert.equal(x.status, 0);
    assert.match(String(x.stdout), /<collection>[\s\S]*<annotation/);
    const bad = spawnSync(process.execPath, [cli, 'annotate', input, '--model', dir], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.equal(String(bad.stderr).trim().split('\n').length, 1, String(bad.stderr));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('PubTator layout: a text file title after a PMID line moves to offset 0 with its mentions', () => {
  const doc: Document = {
    id: '1',
    passages: [
      { offset: 15, text: 'Aspirin title.', attributes: { type: 'title' }, annotations: [mention('a', 'Chemical', 'Aspirin', 15)] },
      { offset: 31, text: 'Then sepsis.', attributes: { type: 'abstract' }, annotations: [mention('b', 'Disease', 'sepsis', 36)] },
    ],
    relations: [],
    attributes: {},
  };
  const p = pubTatorLayout(doc);
  assert.deepEqual(p.passages.map((x) => x.offset), [0, 15]);
  assert.deepEqual(documentAnnotations(p).map((a) => a.spans[0]), [{ start: 0, end: 7 }, { start: 20, end: 26 }]);
  assert.equal(documentText(p).slice(20, 26), 'sepsis');
});

test('consistency: repeated names and abbreviations of predicted mentions are added', () => {
  const text = 'Lithium carbonate (LC) raised LC levels; lithium carbonate and Lithium again, lithiumX not.';
  const doc: Document = { id: 'c', passages: [{ offset: 0, text, attributes: {}, annotations: [] }], relations: [], attributes: {} };
  const at = (s: string, from = 0): number => text.indexOf(s, from);
  const pred = (start: number, t: string, score = 0.99): PredictedMention => ({ span: { start, end: start + t.length }, type: 'Chemical', text: t, score });
  const r = propagateMentions(doc, [pred(0, 'Lithium carbonate'), pred(at('Lithium', 10), 'Lithium')]);
  assert.deepEqual(
    r.mentions.map((m) => m.text),
    ['Lithium carbonate', 'LC', 'LC', 'Lithium'],
    'both LC occurrences via the abbreviation; lowercase "lithium carbonate" is another text; "lithiumX" is no token match',
  );
  assert.deepEqual(
    r.mentions.map((m) => m.propagated === true),
    [false, true, true, false],
    'the added mentions say so (they get their calibrated score from that, not from the tagger)',
  );
  // A low-confidence prediction seeds nothing.
  assert.equal(propagateMentions(doc, [pred(0, 'Lithium carbonate', 0.5)]).added, 0);
});
