/**
 * Normalization against the vocabularies: building the vocabulary from a miniature copy of
 * `../shared/data/vocabularies` (types from tree numbers, SCRs, genes, dedup, epoch), the shipped
 * file's round trip, the matcher's stages (exact, permuted `X, Y`, fuzzy, type constraint, MeSH
 * drift), genes (case, species, orthologs, ambiguity), and `loadLexicon` reading only the folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Annotation, Document } from '../../src/core/document/document';
import { documentAnnotations } from '../../src/core/document/document';
import { ConceptMatcher, americanSpelling, attachVocabulary, conjuncts, loadLexicon, numberedConjuncts } from '../../src/core/inference/normalization/conceptMatcher';
import { CharNgramIndex, fuzzyForm } from '../../src/core/inference/normalization/fuzzyMatch';
import { documentSpecies } from '../../src/core/inference/normalization/geneNormalizer';
import { Lexicon, isLocalId, normalizeDocument } from '../../src/core/inference/normalization/lexicon';
import { optionGrid } from '../../src/core/modelEvaluation/normalizationDev';
import { VOCABULARY_FILE, buildVocabulary, caseKey, loadVocabularyFile, saveVocabulary, termKeys, vocabularyFromText, vocabularyToText } from '../../src/core/inference/normalization/vocabularyLexicon';

function gz(dir: string, file: string, lines: string[]): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), zlib.gzipSync(lines.join('\n') + '\n'));
}

/** A miniature vocabularies folder with the real layout and columns. */
function miniVocabularies(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'biore-vocab-'));
  gz(dir, 'mesh2024/descriptors.tsv.gz', [
    'descriptor_ui\tpreferred_name\ttree_numbers\ttree_letters\tsynonyms',
    'D001145\tArrhythmias, Cardiac\tC14.280.067\tC\t',
    'D008012\tLidocaine\tD02.065.277|D02.092.877\tD\t',
    'D009369\tNeoplasms\t\t\t',
    'D000900\tAnti-Bacterial Agents\tD27.505\tD\t',
    'D003866\tDepressive Disorder\tF03.600.300\tF\t',
    'D000090001\tNewcine\tD03.1\tD\t',
    'D000002\tCold\tC01.1\tC\t',
    'D007674\tKidney Diseases\tC12.1\tC\t',
    'D016642\tBupropion\tD02.2\tD\t',
  ]);
  const t = (ui: string, term: string, rec: string, tag = 'NON', perm = 'N'): string => `${ui}\tM1\tT1\t${term}\tY\t${rec}\t${perm}\t${tag}`;
  gz(dir, 'mesh2024/descriptor_terms.tsv.gz', [
    'descriptor_ui\tconcept_ui\tterm_ui\tterm\tconcept_preferred\trecord_preferred\tpermuted\tlexical_tag',
    t('D001145', 'Arrhythmias, Cardiac', 'Y'),
    t('D001145', 'Cardiac Arrhythmias', 'N'),
    t('D001145', 'Cardiac Arrhythmia', 'N'),
    t('D008012', 'Lidocaine', 'Y'),
    t('D008012', 'Xylocaine', 'N'),
    t('D008012', 'LDC', 'N', 'ABB'),
    t('D009369', 'Neoplasms', 'Y'),
    t('D000900', 'Anti-Bacterial Agents', 'Y'),
    t('D003866', 'Depressive Disorder', 'Y'),
    t('D000090001', 'Newcine', 'Y'),
    t('D000002', 'Cold', 'Y'),
    t('D007674', 'Kidney Diseases', 'Y'),
    t('D016642', 'Bupropion', 'Y'),
  ]);
  gz(dir, 'mesh_scr_partial/scr_names.tsv.gz', ['scr_ui\tname\tother_labels\tsources', 'C000010\tnewcine\t\tindra', 'C000011\tzorbamycin\t\tindra']);
  const g = 'gene_id\tsymbol\tfull_name\tgene_type\taliases\tother_designations';
  gz(dir, 'ncbi_gene/human_genes.tsv.gz', [g, '847\tCAT\tcatalase\tprotein-coding\tMGC138422\tcatalase enzyme', '7157\tTP53\ttumor protein p53\tprotein-coding\tP53|LFS1\tcellular tumor antigen p53', '9370\tADIPOQ\tadiponectin, C1Q and collagen domain containing\tprotein-coding\tACRP30\tadiponectin', '100\tTP53P1\ttumor protein p53 pseudogene\tpseudo\t\t', '8000\tABC1\tfirst abc\tprotein-coding\tDUP\t', '8001\tABC2\tsecond abc\tprotein-coding\tDUP\t']);
  gz(dir, 'ncbi_gene/mouse_genes.tsv.gz', [g, '22059\tTrp53\ttransformation related protein 53\tprotein-coding\tp53|Tp53\tcellular tumor antigen p53', '20674\tSox2\tSRY (sex determining region Y)-box 2\tprotein-coding\tlcc\t', '11450\tAdipoq\tadiponectin, C1Q and collagen domain containing\tprotein-coding\tAcrp30\tadiponectin']);
  return dir;
}

function doc(text: string, mentions: [string, string][]): Document {
  const annotations: Annotation[] = [];
  let from = 0;
  mentions.forEach(([type, surface], i) => {
    const start = text.indexOf(surface, from);
    assert.ok(start >= 0, surface);
    from = start + surface.length;
    annotations.push({ id: `T${i}`, type, spans: [{ start, end: start + surface.length }], text: surface, ids: [], attributes: {} });
  });
  return { id: 'd', passages: [{ offset: 0, text, attributes: {}, annotations }], relations: [], attributes: {} };
}

const training = [
  (() => {
    const d = doc('Neoplasms after lidocaine; zorbamycin toxicity.', [
      ['Disease', 'Neoplasms'],
      ['Chemical', 'lidocaine'],
      ['Disease', 'zorbamycin toxicity'],
    ]);
    const a = documentAnnotations(d);
    a[0]!.ids = ['D009369'];
    a[1]!.ids = ['D008012'];
    a[2]!.ids = ['D064420'];
    return d;
  })(),
];

test('keys: permuted MeSH names, case-kept gene keys, fuzzy spelling', () => {
  assert.deepEqual(termKeys('Arrhythmias, Cardiac'), ['arrhythmiacardiac', 'cardiacarrhythmia']);
  assert.deepEqual(termKeys('Leukemia, Myeloid, Acute'), ['leukemiamyeloidacute', 'acutemyeloidleukemia']);
  assert.deepEqual(termKeys('Acid, 2-chloro-'), ['acid2chloro'], 'a part starting with a digit is no permutation');
  assert.equal(caseKey('IL-6'), 'IL6');
  assert.equal(caseKey('TGF-β1'), 'TGFbeta1');
  assert.equal(fuzzyForm('Cardiac-Arrhythmias'), ' cardiac arrhythmia ');
});

test('char n-gram TF-IDF: identical names score 1, near names rank first, threshold filters', () => {
  const ix = new CharNgramIndex(3);
  for (const n of ['Acute Kidney Injury', 'Kidney Diseases', 'Liver Diseases', 'Hepatitis']) ix.add(n);
  ix.finish();
  assert.equal(ix.size, 4);
  const exact = ix.query('acute kidney injuries', 0.5);
  assert.equal(exact[0]!.index, 0);
  assert.ok(Math.abs(exact[0]!.score - 1) < 1e-5);
  assert.equal(ix.query('kidney disease', 0.3)[0]!.index, 1);
  assert.deepEqual(ix.query('zzzz', 0.1), []);
  assert.ok(ix.query('liver disorders', 0.99).length === 0);
  // The accumulator is reset between queries.
  assert.deepEqual(ix.query('Hepatitis', 0.5).map((h) => h.index), ix.query('Hepatitis', 0.5).map((h) => h.index));
});

test('vocabulary build: types from trees and training, SCRs, genes, dedup, epoch, round trip', () => {
  const dir = miniVocabularies();
  const b = buildVocabulary(dir, training);
  const has = (type: string, id: string, term?: string): boolean => b.entries.some((e) => e.type === type && e.id === id && (term === undefined || e.term === term));
  assert.ok(has('Disease', 'D001145'));
  assert.ok(!has('Chemical', 'D001145'), 'a C-tree descriptor is no chemical');
  assert.ok(has('Chemical', 'D008012') && !has('Disease', 'D008012'));
  assert.ok(has('Disease', 'D009369'), 'tree-less descriptor typed by the training annotations');
  assert.ok(has('Disease', 'D003866'), 'F03 mental disorders are diseases');
  assert.ok(has('Chemical', 'C000011', 'zorbamycin'));
  assert.ok(!has('Gene', '100'), 'pseudogenes left out');
  assert.ok(has('Gene', '847', 'CAT') && has('Gene', '7157', 'cellular tumor antigen p53'));
  assert.ok(!has('Gene', '22059', 'cellular tumor antigen p53'), 'mouse designations left out');
  // "Cardiac Arrhythmias" adds no key beyond the permuted preferred name; "Cardiac Arrhythmia" neither.
  assert.equal(b.entries.filter((e) => e.id === 'D001145').length, 1);
  assert.equal(b.epoch, 64420);
  assert.equal(b.inputs.length, 5);
  assert.match(b.inputs[0]!.sha256, /^[0-9a-f]{64}$/);
  const text = vocabularyToText(b, 'biore ner lexicon');
  const back = vocabularyFromText(text);
  assert.equal(back.entries.length, b.entries.length);
  assert.equal(back.epoch, 64420);
  assert.deepEqual(back.header['command'], ['biore ner lexicon']);
  const file = path.join(dir, VOCABULARY_FILE);
  saveVocabulary(file, b, 'x');
  assert.equal(loadVocabularyFile(file).entries.length, b.entries.length);
  assert.throws(() => vocabularyFromText('Chemical\tD1\tmesh.pref\t\tx\n'), /not a biore-vocabulary/);
});

test('matcher: exact, permuted, abbreviation long form, fuzzy, type constraint, MeSH drift', () => {
  const dir = miniVocabularies();
  const vocab = vocabularyFromText(vocabularyToText(buildVocabulary(dir, training), 'x'));
  const m = new ConceptMatcher(vocab, { fuzzyChemical: 0.7, fuzzyDisease: 0.7 });
  const ctx = { species: 'human' as const };
  assert.equal(m.resolve('Disease', 'cardiac arrhythmias', undefined, ctx)!.id, 'D001145');
  assert.equal(m.resolve('Disease', 'cardiac arrhythmias', undefined, ctx)!.stage, 'vocabulary');
  assert.equal(m.resolve('Chemical', 'xylocaine', undefined, ctx)!.id, 'D008012');
  assert.equal(m.resolve('Chemical', 'Cardiac Arrhythmias', undefined, ctx), undefined, 'a chemical never maps into the C tree');
  assert.equal(m.resolve('Chemical', 'antibacterial agent', undefined, ctx)!.id, 'D000900');
  const fz = m.resolve('Disease', 'cardiac arrythmias', undefined, ctx)!;
  assert.deepEqual([fz.id, fz.stage], ['D001145', 'fuzzy']);
  assert.equal(new ConceptMatcher(vocab, { fuzzyDisease: 1.1 }).resolve('Disease', 'cardiac arrythmias', undefined, ctx), undefined, 'fuzzy off above 1');
  // Abbreviation terms: on by option only.
  assert.equal(new ConceptMatcher(vocab, { abbreviationTerms: false }).resolve('Chemical', 'LDC', undefined, ctx), undefined);
  assert.equal(new ConceptMatcher(vocab, { abbreviationTerms: true }).resolve('Chemical', 'LDC', undefined, ctx)!.id, 'D008012');
  // A descriptor newer than the epoch: its same-name SCR wins.
  assert.equal(m.resolve('Chemical', 'newcine', undefined, ctx)!.id, 'C000010');
  // Documents: the long form of an abbreviation, and local ids for what nothing knows.
  const lex = attachVocabulary(Lexicon.fromDocuments(training), vocab, { fuzzyChemical: 0.7, fuzzyDisease: 0.7 });
  const d = doc('Cardiac arrhythmias (CA) after xylocaine; CA again, and florbix.', [
    ['Disease', 'Cardiac arrhythmias'],
    ['Disease', 'CA'],
    ['Chemical', 'xylocaine'],
    ['Disease', 'CA'],
    ['Chemical', 'florbix'],
  ]);
  const counts = normalizeDocument(d, lex);
  const ids = documentAnnotations(d).map((a) => a.ids.join('|'));
  assert.deepEqual(ids.slice(0, 4), ['D001145', 'D001145', 'D008012', 'D001145']);
  assert.ok(isLocalId(ids[4]!));
  assert.equal(counts.vocabulary, 4);
  assert.equal(documentAnnotations(d)[0]!.attributes['normalization'], 'vocabulary');
});

test('matcher: rewrites toward MeSH wording, each an option; the epoch rule on the training lexicon', () => {
  const vocab = vocabularyFromText(vocabularyToText(buildVocabulary(miniVocabularies(), training), 'x'));
  const ctx = { species: 'human' as const };
  const on = new ConceptMatcher(vocab);
  const off = new ConceptMatcher(vocab, { diseaseRewrites: false, chemicalRewrites: false });
  for (const [type, text, id] of [['Disease', 'renal toxicity', 'D007674'], ['Disease', 'renal lesions', 'D007674'], ['Chemical', 'bupropion HCl', 'D016642']] as const) {
    const r = on.resolve(type, text, undefined, ctx)!;
    assert.deepEqual([r.id, r.stage], [id, 'variant'], text);
    assert.equal(off.resolve(type, text, undefined, ctx), undefined, `${text}: no rewrite when off`);
  }
  assert.equal(on.resolve('Chemical', 'renal toxicity', undefined, ctx), undefined, 'rewrites keep the type constraint');
  // BioRED-style annotation with a descriptor newer than the epoch (D064420 here): left to the
  // vocabulary, whose same-name SCR wins; kept when the option is off.
  const newer = doc('newcine was given.', [['Chemical', 'newcine']]);
  documentAnnotations(newer)[0]!.ids = ['D000090001'];
  const idOf = (lex: Lexicon): string => {
    const d = doc('Then newcine.', [['Chemical', 'newcine']]);
    normalizeDocument(d, lex);
    return documentAnnotations(d)[0]!.ids.join('|');
  };
  assert.equal(idOf(attachVocabulary(Lexicon.fromDocuments([...training, newer]), vocab)), 'C000010');
  assert.equal(idOf(attachVocabulary(Lexicon.fromDocuments([...training, newer]), vocab, { lexiconEpoch: false })), 'D000090001');
});

test('genes: case where symbols are words, species from the document, orthologs, ambiguity', () => {
  assert.equal(documentSpecies('Patients and healthy volunteers.').species, 'human');
  assert.equal(documentSpecies('In mice, murine cells; one patient.').species, 'mouse');
  assert.equal(documentSpecies('Rats were fed.').species, 'rat');
  assert.equal(documentSpecies('No species words here.').species, 'human');
  const dir = miniVocabularies();
  const vocab = vocabularyFromText(vocabularyToText(buildVocabulary(dir, training), 'x'));
  const m = new ConceptMatcher(vocab);
  const human = { species: 'human' as const };
  const mouse = { species: 'mouse' as const };
  assert.equal(m.resolve('Gene', 'CAT', undefined, human)!.id, '847');
  assert.equal(m.resolve('Gene', 'cat', undefined, human), undefined, 'a lowercase word is not the symbol');
  assert.equal(m.resolve('Gene', 'catalase', undefined, human)!.id, '847', 'full names match in any case');
  assert.equal(m.resolve('Gene', 'p53', undefined, human)!.id, '7157');
  assert.equal(m.resolve('Gene', 'p53', undefined, mouse)!.id, '22059');
  assert.equal(m.resolve('Gene', 'Sox2', undefined, human)!.id, '20674', 'mouse nomenclature');
  assert.equal(m.resolve('Gene', 'ACRP30', undefined, mouse)!.id, '11450');
  assert.equal(m.resolve('Gene', 'TP53', undefined, { species: 'rat' }), undefined, 'no rat vocabulary: no id');
  const amb = m.resolve('Gene', 'DUP', undefined, human)!;
  assert.deepEqual([amb.id, amb.candidates], ['8000', ['8001']]);
  // Ortholog by symbol: a name only the human record carries, in a mouse document.
  const noMouseName = vocabularyFromText(vocabularyToText({ ...buildVocabulary(dir, training), entries: buildVocabulary(dir, training).entries.filter((e) => !(e.id === '11450' && e.term !== 'Adipoq')) }, 'x'));
  assert.equal(new ConceptMatcher(noMouseName).resolve('Gene', 'adiponectin', undefined, mouse)!.id, '11450');
  assert.equal(new ConceptMatcher(noMouseName, { orthologBySymbol: false }).resolve('Gene', 'adiponectin', undefined, mouse)!.id, '9370');
  assert.equal(m.resolve('Gene', 'ABC1/2', undefined, human)!.id, '8000|8001', 'numbered members');
  // In a document: ambiguity reported as an attribute.
  const lex = attachVocabulary(new Lexicon(), vocab);
  const d = doc('Patients carried DUP variants.', [['GeneOrGeneProduct', 'DUP']]);
  normalizeDocument(d, lex);
  assert.equal(documentAnnotations(d)[0]!.attributes['candidates'], '8001');
});

test('loadLexicon: the lexicon file with its header, and the vocabulary next to it', () => {
  const dir = miniVocabularies();
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'biore-ner-'));
  const lex = Lexicon.fromDocuments(training);
  lex.header = ['#sources\tbc5cdr:train'];
  lex.save(path.join(modelDir, 'lexicon.tsv'));
  const plain = loadLexicon(path.join(modelDir, 'lexicon.tsv'));
  assert.equal(plain.matcher, undefined);
  assert.deepEqual(plain.header, ['#sources\tbc5cdr:train']);
  assert.equal(plain.toText(), lex.toText());
  saveVocabulary(path.join(modelDir, VOCABULARY_FILE), buildVocabulary(dir, training), 'x');
  const full = loadLexicon(path.join(modelDir, 'lexicon.tsv'));
  assert.ok(full.matcher);
  assert.equal(full.matcher.resolve('Chemical', 'Xylocaine', undefined, { species: 'human' })!.id, 'D008012');
});

test('variants: American spelling, conjuncts with the shared head', () => {
  assert.equal(americanSpelling('Haemorrhage and oedema'), 'Hemorrhage and edema');
  assert.equal(americanSpelling('tumours'), 'tumors');
  assert.equal(americanSpelling('aerosol does four'), 'aerosol does four');
  assert.deepEqual(conjuncts('cocaine or amphetamine abuse'), [['cocaine abuse', 'cocaine'], ['amphetamine abuse']]);
  assert.deepEqual(conjuncts('Myoclonic, atonic, and absence seizures'), [['Myoclonic seizures', 'Myoclonic'], ['atonic seizures', 'atonic'], ['absence seizures']]);
  assert.deepEqual(conjuncts('Parkinson disease and schizophrenia'), [['Parkinson disease'], ['schizophrenia']]);
  assert.deepEqual(conjuncts('nausea'), []);
  assert.deepEqual(numberedConjuncts('ERK1/2'), ['ERK1', 'ERK2']);
  assert.deepEqual(numberedConjuncts('MMP-2/-9'), ['MMP-2', 'MMP-9']);
  assert.deepEqual(numberedConjuncts('TIM-1 and 3'), ['TIM-1', 'TIM-3']);
  assert.deepEqual(numberedConjuncts('IL-6'), []);
  const vocab = vocabularyFromText(vocabularyToText(buildVocabulary(miniVocabularies(), training), 'x'));
  const m = new ConceptMatcher(vocab, { fuzzyDisease: 1.1 });
  const r = m.resolve('Disease', 'neoplasms and depressive disorder', undefined, { species: 'human' })!;
  assert.deepEqual([r.id, r.stage], ['D009369|D003866', 'variant']);
});

test('dev option grids: cartesian product, typed values, unknown keys refused', () => {
  assert.deepEqual(optionGrid(['fuzzyChemical=0.8,0.9', 'dropModifiers=true']), [
    { fuzzyChemical: 0.8, dropModifiers: true },
    { fuzzyChemical: 0.9, dropModifiers: true },
  ]);
  assert.deepEqual(optionGrid([]), [{}]);
  assert.throws(() => optionGrid(['nope=1']), /unknown matcher option/);
});
