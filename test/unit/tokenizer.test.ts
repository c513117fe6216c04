/**
 * The WordPiece tokenizer: trainer (deterministic, training splits only), tokenizer.json (loads in
 * `@huggingface/tokenizers`, encodes exactly like our reference encoder), and the offset aligner
 * on what biomedical text throws at it: Greek letters, `κB`, hyphens, `IC50`, accents,
 * ligatures, full-width forms, emoji, combining marks, control characters, CJK.
 *
 * The fixture tokenizer (test/fixtures/tokenizer/) is trained on `fixtureSentences()` below;
 * regenerate it with `UPDATE_TOKENIZER_FIXTURE=1 node --test out/test/unit/tokenizer.test.js`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import type * as HfModule from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import { BioTokenizer, type Encoding } from '../../src/core/tokenizer/tokenizer';
import { DEFAULT_NORMALIZER, OffsetAligner } from '../../src/core/tokenizer/offsetAligner';
import { buildTokenizerJson, parseTokenizerJson, readTokenizerDirectory, serializeTokenizerJson, writeTokenizerDirectory, type TokenizerJson } from '../../src/core/tokenizer/tokenizerJson';
import {
  CORE_SPECIAL_TOKENS,
  DEFAULT_EXTRA_SPECIAL_TOKENS,
  WordCounter,
  isTrainingSplit,
  trainWordPiece,
  trainingSplits,
  countTrainingText,
} from '../../src/core/tokenizer/wordpieceTrainer';
import { CORPORA, loadSplit } from '../../src/core/corpora/registry';
import { hasData } from '../../src/core/corpora/dataRoot';
import { measureTokenizer } from '../../src/cli/commands/tokenizer';
import { FormatError } from '../../src/core/shared/errors';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const hf = require('@huggingface/tokenizers') as typeof HfModule;

const FIX = path.resolve(__dirname, '../../../test/fixtures/tokenizer');
const SPECIALS = [...CORE_SPECIAL_TOKENS, ...DEFAULT_EXTRA_SPECIAL_TOKENS];

/** A small deterministic generator (mulberry32), so the fixture text never changes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** About 400 invented biomedical sentences (no corpus text): the fixture's training text. */
function fixtureSentences(): string[] {
  const drugs = ['aspirin', 'warfarin', 'ibuprofen', 'cisplatin', 'doxorubicin', 'tamoxifen', 'metformin', 'lithium', 'haloperidol', 'naloxone', 'ketoconazole', 'rifampicin', 'digoxin', 'cyclosporine'];
  const genes = ['TNF-α', 'NF-κB', 'IL-1β', 'TGF-β1', 'PPAR-γ', 'IκBα', 'CYP3A4', 'p53', 'HER2', 'COX-2', 'Na+/K+-ATPase', 'β2-adrenergic receptor', 'PKC-δ', 'IFN-γ'];
  const diseases = ["Sjögren's syndrome", "Ménière's disease", 'Guillain–Barré syndrome', 'hepatotoxicity', 'nephrotoxicity', 'cardiomyopathy', 'agranulocytosis', "Crohn's disease", 'rhabdomyolysis', 'neutropenia'];
  const templates = [
    (d: string, g: string, _x: string, n: number) => `${d} inhibited ${g} activity with an IC50 of ${n} µM in vitro.`,
    (d: string, _g: string, x: string, n: number) => `${d}-induced ${x} was observed in ${n} patients (${n % 7}%).`,
    (d: string, g: string, _x: string, n: number) => `Co-administration of ${d} increased ${g} expression ${n}-fold.`,
    (_d: string, g: string, _x: string, n: number) => `${g} binds the 5'-UTR of its mRNA at ${n} °C.`,
    (d: string, g: string, _x: string) => `Expression of ${g} was reduced in naïve mice treated with ${d}.`,
    (d: string, _g: string, x: string, n: number) => `Patients with ${x} received ${d} ${n} mg/kg per day.`,
    (d: string, g: string, _x: string, n: number) => `The Ca²⁺ influx through ${g} rose by ${n}% after ${d} exposure.`,
    (d: string, g: string, x: string) => `${d} is a substrate of ${g}; its clearance falls in ${x}.`,
    (_d: string, g: string, _x: string, n: number) => `Activation of ${g} (α = 0.0${n % 9 + 1}, β = ${n}) required phosphorylation.`,
    (d: string, _g: string, x: string, n: number) => `In a cohort of ${n} subjects, ${d} reduced the risk of ${x}.`,
  ];
  const next = rng(20240611);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const out: string[] = [];
  for (let i = 0; i < 400; i++) out.push(pick(templates)(pick(drugs), pick(genes), pick(diseases), 1 + Math.floor(next() * 250)));
  return out;
}

function trainFixture(): TokenizerJson {
  const counter = new WordCounter(DEFAULT_NORMALIZER, SPECIALS);
  for (const s of fixtureSentences()) counter.add(s);
  const r = trainWordPiece(counter.counts, { vocabSize: 500 });
  return buildTokenizerJson(r.vocab, { specialTokens: r.specialTokens });
}

if (process.env['UPDATE_TOKENIZER_FIXTURE']) {
  writeTokenizerDirectory(FIX, trainFixture(), SPECIALS);
}

const tok = BioTokenizer.fromDirectory(FIX);
const fixtureJson = JSON.parse(fs.readFileSync(path.join(FIX, 'tokenizer.json'), 'utf8')) as object;

/** Tokens with the source text each covers: `token@source`. */
function show(text: string, e: Encoding): string[] {
  return e.tokens.map((t, i) => `${t}@${text.slice(e.offsets[i]![0], e.offsets[i]![1])}`);
}

/** Offsets are sane and every piece is found in the normalized source it points at. */
function checkOffsets(text: string, e: Encoding, aligner: OffsetAligner): void {
  let prev = 0;
  e.tokens.forEach((t, i) => {
    const [s, end] = e.offsets[i]!;
    if (e.specialTokensMask[i] === 1) {
      assert.deepEqual([s, end], [0, 0]);
      return;
    }
    assert.ok(0 <= s && s <= end && end <= text.length, `offsets of ${t} in range`);
    assert.ok(s >= prev, `offsets of ${t} non-decreasing`);
    prev = s;
    for (const o of [s, end]) {
      const c = text.charCodeAt(o);
      assert.ok(!(c >= 0xdc00 && c <= 0xdfff && o > 0 && text.charCodeAt(o - 1) >= 0xd800 && text.charCodeAt(o - 1) <= 0xdbff), `${t} does not cut a surrogate pair`);
    }
    if (t === '[UNK]' || tok.addedTokens.includes(t)) return;
    const piece = t.startsWith('##') ? t.slice(2) : t;
    assert.ok(aligner.normalize(text.slice(s, end)).includes(piece), `${JSON.stringify(t)} comes from ${JSON.stringify(text.slice(s, end))}`);
  });
}

const aligner = new OffsetAligner(tok.normalizerConfig);

test('trainer: frequency merges with ## continuation, deterministic whatever the map order', () => {
  const counts = new Map([
    ['activation', 10],
    ['action', 5],
    ['active', 3],
    ['nation', 4],
  ]);
  const r = trainWordPiece(counts, { vocabSize: 100, extraSpecialTokens: [] });
  assert.deepEqual(r.vocab.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  // Alphabet first, both forms of every character, sorted.
  assert.deepEqual(r.vocab.slice(5, 12), ['a', 'c', 'e', 'i', 'n', 'o', 't']);
  assert.ok(r.vocab.includes('##v') && r.vocab.includes('##tion') && r.vocab.includes('activation'));
  assert.equal(r.stoppedBy, 'min-frequency');
  const shuffled = new Map([...counts.entries()].reverse());
  assert.deepEqual(trainWordPiece(shuffled, { vocabSize: 100, extraSpecialTokens: [] }).vocab, r.vocab);
  // The size limit holds, and ties are broken by the pair's strings: (a, ##b) before (c, ##d).
  const small = trainWordPiece(counts, { vocabSize: 25, extraSpecialTokens: [] });
  assert.equal(small.vocab.length, 25);
  assert.equal(small.stoppedBy, 'vocab-size');
  const tie = trainWordPiece(new Map([['cd', 2], ['ab', 2]]), { vocabSize: 14, extraSpecialTokens: [] });
  assert.equal(tie.vocab[tie.vocab.length - 1], 'ab');
});

test('trainer: special tokens and markers have fixed ids; training the fixture text reproduces the fixture', () => {
  const json = trainFixture();
  assert.equal(serializeTokenizerJson(json), fs.readFileSync(path.join(FIX, 'tokenizer.json'), 'utf8'));
  assert.deepEqual([tok.specialIds.pad, tok.specialIds.unk, tok.specialIds.cls, tok.specialIds.sep, tok.specialIds.mask], [0, 1, 2, 3, 4]);
  assert.equal(tok.tokenToId('<e1>'), 5);
  assert.equal(tok.tokenToId('</e2>'), 8);
  for (const t of ['[DDI]', '[CDR]', '[DRUGPROT]', '[BIORED]', '[CHEMICAL]', '[/CHEMICAL]', '[GENE]', '[DISEASE]', '@GENE$']) {
    assert.ok(tok.tokenToId(t) !== undefined, t);
  }
  assert.equal(tok.idToToken(tok.tokenToId('[GENE]')!), '[GENE]');
  // Greek letters made it into the alphabet, in both forms.
  for (const g of ['α', 'β', 'γ', 'κ', 'δ', 'μ', '##α', '##β']) assert.ok(tok.tokenToId(g) !== undefined, g);
  const vocabTxt = fs.readFileSync(path.join(FIX, 'vocab.txt'), 'utf8').trimEnd().split('\n');
  assert.equal(vocabTxt.length, tok.vocabSize);
  assert.equal(vocabTxt[5], '<e1>');
});

test('tokenizer.json loads in @huggingface/tokenizers and its template encoding equals ours', () => {
  const lib = new hf.Tokenizer(fixtureJson, {});
  for (const s of fixtureSentences().slice(0, 100)) {
    assert.deepEqual(tok.encode(s).ids, lib.encode(s).ids);
    const pair = 'Warfarin and aspirin interact.';
    assert.deepEqual(tok.encode(s, { pair }).ids, lib.encode(s, { text_pair: pair }).ids);
    assert.deepEqual(tok.encode(s, { pair }).typeIds, lib.encode(s, { text_pair: pair, return_token_type_ids: true }).token_type_ids);
  }
  assert.match(tok.decode(tok.encode('Aspirin inhibits COX-2.').ids), /^aspirin inhibit/);
});

const TRICKY = [
  'NF-κB activation by TNF-α in β2-adrenergic cells (IC50 = 5 µM).',
  "The 5'-UTR of Na+/K+-ATPase, and 3′-UTR with IL-1β.",
  'naïve Sjögren Ménière Guillain–Barré café cafe\u0301',
  'ﬁbrosis ＴＮＦ－α Ca²⁺ 37 ℃ ½ ™',
  'gene🧬 🧬 👩‍🔬 emoji',
  'soft\u00adhyphen zero\u200bwidth bom\ufeff nul\u0000 bell\u0007 tab\tnl\ncr\r',
  '中文字 mixed漢字text 𠀀',
  'ΟΔΟΣ ΑΣ. Σ ΑΣΑ İstanbul',
  'µM and μM and Μ',
  'e\u0301\u0302 \u0301lone a\u20dd',
  '<e1>Aspirin</e1> inhibits <e2>COX-2</e2> [GENE]TNF[/GENE] [gene]',
  '',
  '   ',
];

test('library and reference encoders agree, with offsets, on the fixture text and hard cases', () => {
  for (const s of [...fixtureSentences(), ...TRICKY]) {
    const a = tok.encode(s);
    assert.deepEqual(a, tok.encodeReference(s), JSON.stringify(s));
    checkOffsets(s, a, aligner);
  }
  assert.equal(tok.alignmentFallbacks, 0);
});

test('Greek letters survive normalization; µ and μ, full-width and ASCII, accents and none are the same tokens', () => {
  assert.equal(tok.normalize('TNF-α NF-κB IL-1β PPAR-γ PKC-δ ΚΒ ά'), 'tnf-α nf-κb il-1β ppar-γ pkc-δ κβ α');
  const ids = (s: string): number[] => tok.encode(s).ids;
  assert.deepEqual(ids('5 µM'), ids('5 μM'));
  assert.deepEqual(ids('ＴＮＦ－α'), ids('TNF-α'));
  assert.deepEqual(ids('naïve'), ids('naive'));
  assert.deepEqual(ids('Ca²⁺'), ids('Ca2+'));
  assert.deepEqual(ids('ﬁbrosis'), ids('fibrosis'));
  assert.deepEqual(ids('cafe\u0301'), ids('café'));
});

test('offsets point at the original characters', () => {
  // Expected pieces depend on the fixture's 500-token vocabulary; the sources are the point.
  const cases: [string, string[]][] = [
    ['NF-κB', ['nf@NF', '-@-', 'κb@κB']],
    ['NFκB', ['nf@NF', '##κ@κ', '##b@B']],
    ['TNF-α', ['tnf@TNF', '-@-', 'α@α']],
    ['β2-adrenergic', ['β2@β2', '-@-', 'adrenergic@adrenergic']],
    ['IC50', ['ic50@IC50']],
    ["5'-UTR", ['5@5', "'@'", '-@-', 'utr@UTR']],
    ['naïve', ['naive@naïve']],
    ['ＴＮＦ', ['tnf@ＴＮＦ']],
    ['ﬁbrosis', ['f@ﬁ', '##i@ﬁ', '##b@b', '##ro@ro', '##s@s', '##is@is']],
    ['cafe\u0301', ['c@c', '##a@a', '##f@f', '##e@e\u0301']],
    ['soft\u00adhyphen', ['s@s', '##o@o', '##ft@ft', '##h@h', '##y@y', '##p@p', '##h@h', '##en@en']],
    ['gene🧬 x', ['[UNK]@gene🧬', 'x@x']],
    ['中文', ['[UNK]@中', '[UNK]@文']],
    ['İs', ['is@İs']],
  ];
  for (const [text, expected] of cases) {
    const e = tok.encode(text, { addSpecialTokens: false });
    assert.deepEqual(show(text, e), expected, text);
  }
  const e = tok.encode('Na+/K+-ATPase', { addSpecialTokens: false });
  assert.deepEqual(e.tokens, ['na', '+', '/', 'k', '+', '-', 'atpase']);
  assert.deepEqual(e.wordIds, [0, 1, 2, 3, 4, 5, 6]);
});

test('added tokens are matched verbatim: never split, never lower-cased', () => {
  const text = '<e1>Aspirin</e1> blocks <e2>COX-2</e2>; [GENE]p53[/GENE] and [gene] and @GENE$.';
  const e = tok.encode(text, { addSpecialTokens: false });
  const s = show(text, e);
  for (const m of ['<e1>@<e1>', '</e1>@</e1>', '<e2>@<e2>', '</e2>@</e2>', '[GENE]@[GENE]', '[/GENE]@[/GENE]', '@GENE$@@GENE$']) assert.ok(s.includes(m), m);
  // A lower-case look-alike is ordinary text (the fixture never saw a bracket: [UNK]).
  assert.ok(!s.some((x) => x.endsWith('@[gene]')) && s.includes('[UNK]@[') && s.includes('g@g'));
  assert.equal(e.ids[0], 5);
});

test('markers inserted at offsets: same ids as the marked text, offsets into the unmarked text', () => {
  const text = 'Aspirin increases warfarin levels.';
  const markers = [
    { at: 0, token: '<e1>' },
    { at: 7, token: '</e1>' },
    { at: 18, token: '<e2>' },
    { at: 26, token: '</e2>' },
  ];
  const e = tok.encode(text, { markers });
  const marked = '<e1>Aspirin</e1> increases <e2>warfarin</e2> levels.';
  assert.deepEqual(e.ids, tok.encode(marked).ids);
  assert.deepEqual(e, tok.encodeReference(text, { markers }));
  const at = (t: string): [number, number] => e.offsets[e.tokens.indexOf(t)]!;
  assert.deepEqual(at('<e1>'), [0, 0]);
  assert.deepEqual(at('</e1>'), [7, 7]);
  assert.deepEqual(at('<e2>'), [18, 18]);
  assert.deepEqual(at('</e2>'), [26, 26]);
  const w = e.tokens.findIndex((t) => t.startsWith('war') || t === 'w');
  assert.equal(e.offsets[w]![0], 18);
  assert.equal(text.slice(...at('.')), '.');
  assert.throws(() => tok.encode(text, { markers: [{ at: 99, token: '<e1>' }] }), RangeError);
  assert.throws(() => tok.encode(text, { markers: [{ at: 0, token: '<x>' }] }), RangeError);
});

test('pairs, truncation (longest first), masks and padding', () => {
  const a = 'Warfarin increases the anticoagulant effect of aspirin in patients.';
  const b = 'Aspirin.';
  const full = tok.encode(a, { pair: b });
  assert.equal(full.tokens[0], '[CLS]');
  assert.deepEqual(full.specialTokensMask.filter((x) => x === 1).length, 3);
  const sep = full.tokens.indexOf('[SEP]');
  assert.deepEqual(full.typeIds.slice(0, sep + 1).every((x) => x === 0), true);
  assert.deepEqual(full.typeIds.slice(sep + 1).every((x) => x === 1), true);
  assert.deepEqual(full.sequenceIds[1], 0);
  assert.deepEqual(full.sequenceIds[sep + 1], 1);
  const lenB = full.tokens.length - sep - 2;
  const cut = tok.encode(a, { pair: b, maxLength: 12 });
  assert.equal(cut.ids.length, 12);
  assert.equal(cut.truncatedTokens, full.ids.length - 12);
  // The long first text is cut; the short pair survives whole.
  assert.equal(cut.tokens.length - cut.tokens.indexOf('[SEP]') - 2, lenB);
  assert.deepEqual(cut.ids.slice(0, cut.tokens.indexOf('[SEP]')), full.ids.slice(0, cut.tokens.indexOf('[SEP]')));
  assert.throws(() => tok.encode(a, { pair: b, maxLength: 2 }), RangeError);
  const single = tok.encode(a, { maxLength: 5 });
  assert.deepEqual(single.tokens.length, 5);
  assert.equal(single.tokens[4], '[SEP]');
  const batch = tok.encodeBatch(['Aspirin.', { text: 'Warfarin and aspirin.', pair: 'Aspirin.' }]);
  const padded = tok.padBatch(batch, 16);
  assert.deepEqual(padded.lengths, batch.map((x) => x.ids.length));
  assert.ok(padded.inputIds.every((r) => r.length === 16));
  assert.equal(padded.inputIds[0]![15], tok.specialIds.pad);
  assert.equal(padded.attentionMask[0]![batch[0]!.ids.length], 0);
});

test('property: library = reference and offsets are sane on random biomedical-ish strings', () => {
  const pieces = ['a', 'Z', 'κ', 'Κ', 'Σ', 'α', 'β2', 'İ', 'é', 'e\u0301', '\u0301', 'ﬁ', 'Ａ', '－', '²', '⁺', 'µ', '中', '𠀀', '🧬', '\u200d', '\u00ad', '\u200b', '\u0000', '\u0007', '\t', '\n', ' ', '\u00a0', '\ud800', '-', '+', '/', '(', "'", '.', '<e1>', '</e1>', '[GENE]', 'IC50', 'NF', 'ATPase', 'ǅ', '가', '\u1100\u1161'];
  const lib = new hf.Tokenizer(fixtureJson, {});
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 16 }), (parts) => {
      const s = parts.join('');
      const e = tok.encode(s);
      assert.deepEqual(e.ids, lib.encode(s).ids);
      assert.deepEqual(e, tok.encodeReference(s));
      checkOffsets(s, e, aligner);
    }),
    { numRuns: 2000, seed: 7 },
  );
  assert.equal(tok.alignmentFallbacks, 0);
});

test('tokenizer.json: id order kept on disk, unsupported pipelines rejected with FormatError', () => {
  const json = buildTokenizerJson(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'z', '12', 'constructor'], { specialTokens: CORE_SPECIAL_TOKENS });
  const text = serializeTokenizerJson(json);
  assert.ok(text.indexOf('"z": 5') < text.indexOf('"12": 6'));
  const back = BioTokenizer.fromJson(text);
  assert.equal(back.tokenToId('constructor'), 7);
  assert.equal(back.tokenToId('12'), 6);
  assert.throws(() => parseTokenizerJson('{', 'x.json'), FormatError);
  assert.throws(() => parseTokenizerJson({ ...json, model: { ...json.model, type: 'BPE' } }, 'x.json'), FormatError);
  assert.throws(() => parseTokenizerJson({ ...json, pre_tokenizer: { type: 'Whitespace' } }, 'x.json'), FormatError);
  assert.throws(() => buildTokenizerJson(['a', 'a'], { specialTokens: [] }), /repeats/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'biore-tok-'));
  writeTokenizerDirectory(dir, json, CORE_SPECIAL_TOKENS);
  const { parsed, config } = readTokenizerDirectory(dir);
  assert.equal(parsed.vocab.size, 8);
  assert.equal(config['tokenizer_class'], 'PreTrainedTokenizerFast');
  assert.equal(parsed.normalizer.unicodeForm, 'NFKC');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('training text: only train/all/pretrain splits, never a test or protected split', () => {
  for (const c of CORPORA) {
    for (const s of c.splits) {
      if (s.protectedTest || s.role === 'test' || /test/i.test(s.name) || s.role === 'dev') assert.equal(isTrainingSplit(s), false, `${c.name}:${s.name}`);
    }
  }
  assert.throws(() => trainingSplits(['ddi:test']), /may not feed training/);
  assert.throws(() => trainingSplits(['drugprot:dev']), /may not feed training/);
  assert.throws(() => trainingSplits(['bc5cdr:dev']), /may not feed training/);
  assert.throws(() => trainingSplits(['nope']), /unknown corpus/);
});

test('measureTokenizer: tokens per word, split and UNK rates, throughput', () => {
  const s = measureTokenizer(tok, fixtureSentences().slice(0, 50));
  assert.equal(s.texts, 50);
  assert.ok(s.tokensPerWhitespaceWord >= 1 && s.tokensPerPreTokenWord >= 1);
  assert.ok(s.tokensPerWhitespaceWord >= s.tokensPerPreTokenWord);
  assert.equal(s.referenceAgreementPct, 100);
  assert.ok(s.libraryTokensPerSecond > 0 && s.withOffsetsTokensPerSecond > 0);
  assert.ok(s.unkPct >= 0 && s.unkPct < 5);
});

test('real corpora: train on DDI train text, library = reference on thousands of held-out sentences', { skip: !hasData() && 'corpora not found (set BIORE_DATA)' }, async () => {
  const counter = new WordCounter(DEFAULT_NORMALIZER, SPECIALS);
  const sources = await countTrainingText(trainingSplits(['ddi:train']), counter);
  assert.deepEqual(sources.map((x) => `${x.corpus}:${x.split}`), ['ddi:train']);
  assert.match(counter.digest(), /^[0-9a-f]{64}$/);
  const r = trainWordPiece(counter.counts, { vocabSize: 4000 });
  assert.equal(r.vocab.length, 4000);
  const real = BioTokenizer.fromJson(buildTokenizerJson(r.vocab, { specialTokens: r.specialTokens }));
  const lib = new hf.Tokenizer(buildTokenizerJson(r.vocab, { specialTokens: r.specialTokens }), {});
  const texts: string[] = [];
  for (const [c, split] of [
    ['bc5cdr', 'dev'],
    ['ncbi-disease', 'dev'],
    ['s800', 'dev'],
  ] as const) {
    for (const d of (await loadSplit(c, split)).documents) for (const p of d.passages) if (p.text) texts.push(p.text);
  }
  assert.ok(texts.length > 2000);
  for (const t of texts) {
    const e = real.encode(t);
    assert.deepEqual(e.ids, lib.encode(t).ids);
    assert.deepEqual(e, real.encodeReference(t));
  }
  assert.equal(real.alignmentFallbacks, 0);
});
