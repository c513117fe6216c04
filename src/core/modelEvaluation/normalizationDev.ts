/**
 * Choosing the matcher's knobs on development data (`biore ner normalization-dev`): a lexicon built
 * from training splits only (the dev split is never among its sources), the vocabulary built in
 * memory from the same training documents, then concept-level normalization scored on the dev
 * split: BC5CDR dev for chemicals and diseases, BioRED dev for genes, from the gold mentions (ids
 * removed) or from the tagger's mentions. Test splits are refused.
 */
import { findCorpus, loadSplit } from '../corpora/registry';
import type { Document } from '../document/document';
import { attachVocabulary, DEFAULT_MATCHER_OPTIONS, type ConceptMatcher, type MatcherOptions } from '../inference/normalization/conceptMatcher';
import { bareCopy, scoreConcepts } from './evaluateMentions';
import { Lexicon, normalizeDocument } from '../inference/normalization/lexicon';
import { applyMentions, loadNerTagger } from '../inference/mentions/nerTagger';
import type { NerType } from '../inference/mentions/tags';
import { buildVocabulary, vocabularyFromText, vocabularyToText, type VocabularyFile } from '../inference/normalization/vocabularyLexicon';

/** One dev setting's result: F1 per type, and how mentions got their ids. */
export interface DevResult {
  /** Null for the reference row without vocabulary. */
  options: MatcherOptions | null;
  byType: Record<string, { precision: number; recall: number; f1: number }>;
  sources: Record<string, number>;
}

/** Documents of `corpus:split` sources; test splits are refused, and dev splits unless `allowDev`. */
export async function loadSources(list: string, allowDev = false): Promise<Document[]> {
  const docs: Document[] = [];
  for (const item of list.split(',')) {
    const [corpus, split = 'train'] = item.split(':') as [string, string | undefined];
    const sp = findCorpus(corpus)?.splits.find((x) => x.name === split);
    if (!sp) throw new Error(`unknown source ${item}`);
    if (sp.protectedTest || sp.role === 'test' || (!allowDev && split === 'dev')) throw new Error(`${item}: only training splits may feed the dev lexicon`);
    docs.push(...(await loadSplit(corpus, split)).documents);
  }
  return docs;
}

/** Parse `key=v1,v2` sweeps into option grids (cartesian product). */
export function optionGrid(sweeps: readonly string[]): Partial<MatcherOptions>[] {
  let grid: Partial<MatcherOptions>[] = [{}];
  for (const s of sweeps) {
    const [k = '', v = ''] = s.split('=');
    if (!(k in DEFAULT_MATCHER_OPTIONS)) throw new Error(`unknown matcher option "${k}" (use ${Object.keys(DEFAULT_MATCHER_OPTIONS).join(', ')})`);
    const def = DEFAULT_MATCHER_OPTIONS[k as keyof MatcherOptions];
    const values = v.split(',').map((x): unknown => (typeof def === 'number' ? Number(x) : typeof def === 'boolean' ? x === 'true' : x));
    grid = grid.flatMap((g) => values.map((x) => ({ ...g, [k]: x })));
  }
  return grid;
}

/**
 * Score every option setting of `grid` on the dev splits. `vocabularies`: the folder of the raw
 * vocabularies; `lexiconSources`: training splits only; `predicted`: a tagger folder whose
 * mentions replace the gold ones.
 */
export async function normalizationDev(o: { vocabularies: string; lexiconSources: string; epochSources: string; grid: Partial<MatcherOptions>[]; predicted?: string; onLog?: (line: string) => void }): Promise<DevResult[]> {
  const training = await loadSources(o.lexiconSources);
  const epochDocs = await loadSources(o.epochSources, true);
  const build = buildVocabulary(o.vocabularies, training, epochDocs);
  // Through the text form, exactly as the shipped file is read.
  const vocab: VocabularyFile = vocabularyFromText(vocabularyToText(build, 'dev'));
  o.onLog?.(`vocabulary: ${vocab.entries.length} names, epoch D${vocab.epoch}; lexicon from ${training.length} training documents`);
  const sets: { docs: Document[]; types: NerType[] }[] = [
    { docs: (await loadSplit('bc5cdr', 'dev')).documents, types: ['Chemical', 'Disease'] },
    { docs: (await loadSplit('biored', 'dev')).documents, types: ['Gene'] },
  ];
  const inputs: Document[][] = [];
  if (o.predicted) {
    const tagger = await loadNerTagger(o.predicted, { threads: 1 });
    try {
      for (const s of sets) {
        const found = await tagger.tagDocuments(s.docs.map(bareCopy), { types: s.types });
        inputs.push(s.docs.map((d, i) => {
          const c = bareCopy(d);
          applyMentions(c, found[i]!);
          return c;
        }));
      }
    } finally {
      await tagger.dispose();
    }
  } else {
    for (const s of sets) inputs.push(s.docs.map((d) => ({ ...d, passages: d.passages.map((p) => ({ ...p, annotations: p.annotations.map((a) => ({ ...a, ids: [], attributes: {} })) })), relations: [] })));
  }
  const out: DevResult[] = [];
  // The first row is the training lexicon alone (no vocabulary), for reference.
  for (const g of [null, ...o.grid]) {
    const lex = g ? attachVocabulary(Lexicon.fromDocuments(training), vocab, g) : Lexicon.fromDocuments(training);
    const byType: DevResult['byType'] = {};
    const sources: Record<string, number> = {};
    sets.forEach((s, k) => {
      const docs = inputs[k]!.map((d) => ({ ...d, passages: d.passages.map((p) => ({ ...p, annotations: p.annotations.map((a) => ({ ...a, ids: [], attributes: {} })) })) }));
      for (const d of docs) for (const [src, n] of Object.entries(normalizeDocument(d, lex))) sources[src] = (sources[src] ?? 0) + n;
      const sc = scoreConcepts(s.docs, docs, s.types);
      for (const t of s.types) {
        const v = sc.byType[t]!;
        byType[t] = { precision: v.precision, recall: v.recall, f1: v.f1 };
      }
    });
    const r = { options: (lex.matcher as ConceptMatcher | undefined)?.options ?? null, byType, sources };
    o.onLog?.(`${g ? JSON.stringify(g) : 'training lexicon only'} ${Object.entries(byType).map(([t, v]) => `${t} ${v.f1.toFixed(2)} (P ${v.precision.toFixed(1)} R ${v.recall.toFixed(1)})`).join(' | ')}`);
    out.push(r);
  }
  return out;
}
