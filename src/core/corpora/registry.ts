/**
 * The corpus registry: every corpus under the data root (`BIORE_DATA`, default `../shared/data`)
 * with its official splits, a loader per split, and the leak guard applied on load.
 *
 * Split roles: `train` and `dev` are for training and model selection, `test` is held out.
 * DrugProt never published its test gold, so its `dev` split is the test set (as in BioREx) and
 * is protected like a test split. Cross-validation corpora (AIMed, HPRD50, GAD, EU-ADR) have one
 * `all` split whose documents carry `attributes.fold`. Raw-text collections have an `all` split
 * of documents without annotations, meant for pre-training.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document } from '../document/document';
import { dataRoot } from './dataRoot';
import { LeakGuard, documentKeys, type LeakReason } from './leakGuard';
import { loadCorpusSplit } from './loaders';

/** What a split is for. */
import type { CorpusInfo, SplitInfo, SplitRole } from './corpusInfo';

export type { CorpusInfo, SplitInfo, SplitRole } from './corpusInfo';

const CDR = 'bc5cdr/CDR.Corpus.v010516';
const DDI = 'ddi/DDICorpus';

function split(name: string, role: SplitRole, paths: string[], protectedTest = false): SplitInfo {
  return { name, role, protectedTest, paths };
}

function folds(dir: string): string[] {
  return Array.from({ length: 10 }, (_, k) => `${dir}/test_${k}.json`);
}

/** All corpora, in the order `corpus stats` prints them. */
export const CORPORA: readonly CorpusInfo[] = [
  {
    name: 'ddi',
    description: 'DDI-2013 drug-drug interactions (DrugBank + MedLine sentences)',
    task: 'ddi',
    splits: [
      split('train', 'train', [`${DDI}/Train/DrugBank`, `${DDI}/Train/MedLine`]),
      split('test', 'test', [`${DDI}/Test/Test for DDI Extraction task/DrugBank`, `${DDI}/Test/Test for DDI Extraction task/MedLine`], true),
      split('test-ner', 'test', [`${DDI}/Test/Test for DrugNER task/DrugBank`, `${DDI}/Test/Test for DrugNER task/MedLine`], true),
    ],
  },
  {
    name: 'bc5cdr',
    description: 'BioCreative V CDR: chemicals, diseases, chemical-induced disease (PubTator)',
    task: 'cdr',
    splits: [
      split('train', 'train', [`${CDR}/CDR_TrainingSet.PubTator.txt`]),
      split('dev', 'dev', [`${CDR}/CDR_DevelopmentSet.PubTator.txt`]),
      split('test', 'test', [`${CDR}/CDR_TestSet.PubTator.txt`], true),
    ],
  },
  {
    name: 'drugprot',
    description: 'BioCreative VII DrugProt chemical-protein relations (dev is the test set)',
    task: 'drugprot',
    splits: [
      split('train', 'train', ['drugprot/training']),
      split('dev', 'test', ['drugprot/development'], true),
    ],
  },
  {
    name: 'biored',
    description: 'BioRED document-level relations among genes, chemicals, diseases, variants',
    task: 'biored',
    splits: [
      split('train', 'train', ['biored/Train.PubTator.txt']),
      split('dev', 'dev', ['biored/Dev.PubTator.txt']),
      split('test', 'test', ['biored/Test.PubTator.txt'], true),
    ],
  },
  {
    name: 'chemprot',
    description: 'BioCreative VI ChemProt (shares most abstracts with DrugProt)',
    splits: [
      split('train', 'train', ['chemprot/chemprot_training']),
      split('dev', 'dev', ['chemprot/chemprot_development']),
      split('test', 'test', ['chemprot/chemprot_test_gs']),
    ],
  },
  { name: 'aimed', description: 'AIMed protein-protein interactions, 10 CV folds', splits: [split('all', 'all', folds('aimed/ppi_unified_10fold'))] },
  { name: 'hprd50', description: 'HPRD50 protein-protein interactions, 10 CV folds', splits: [split('all', 'all', folds('hprd50/ppi_unified_10fold'))] },
  { name: 'gad', description: 'GAD gene-disease associations (BioBERT folds, masked sentences)', splits: [split('all', 'all', ['gad/biobert_folds'])] },
  { name: 'euadr', description: 'EU-ADR gene-disease associations (BioBERT folds, masked sentences)', splits: [split('all', 'all', ['euadr/biobert_folds'])] },
  ...(['BC2GM', 'JNLPBA', 'NCBI-disease', 'linnaeus', 's800'] as const).map((c) => ({
    name: c.toLowerCase(),
    description: `${c} NER sentences (BioBERT release)`,
    splits: [
      split('train', 'train', [`biobert-ner/${c}/train.tsv`]),
      split('dev', 'dev', [`biobert-ner/${c}/devel.tsv`]),
      split('test', 'test', [`biobert-ner/${c}/test.tsv`]),
    ],
  })),
  ...(
    [
      ['biorex-aimed', 'biorex-extra/aimed/aimed_bioc.Sen.PubTator'],
      ['biorex-hprd50', 'biorex-extra/hprd50/hprd50_bioc.PubTator'],
      ['disgenet', 'biorex-extra/disgenet/DisGeNET.PubTator'],
      ['emu-bc', 'biorex-extra/emu_bc/BCa_db_novel_128.PubTator'],
      ['emu-pc', 'biorex-extra/emu_pc/PCa_db_novel_51.PubTator'],
      ['pharmgkb', 'biorex-extra/pharmgkb/PharmGKB.PubTator'],
    ] as const
  ).map(([name, p]) => ({ name, description: `BioREx-format ${name} (PubTator; completeness unverified)`, splits: [split('all', 'all', [p])] })),
  ...(
    [
      ['ohsumed', 'pubmed-text/ohsumed-first-20000-docs.tsv.gz'],
      ['bionlp-st', 'pubmed-text/bionlp-st-openbiocorpora/bionlp-000.jsonl.gz'],
      ['craft', 'pubmed-text/craft/craft-000.jsonl.gz'],
      ['hoc', 'pubmed-text/hallmarks-of-cancer/hoc-000.jsonl.gz'],
      ['pubmedqa', 'pubmed-text/pubmedqa-labeled/pubmedqa-000.jsonl.gz'],
      // The second, larger addition (see pubmed-text/SOURCE.md): PMC trial reports and eLife
      // full texts are most of its ~44M words.
      ['evidence-inference', 'pubmed-text/evidence-inference-pmc/evinf-000.jsonl.gz', 'pubmed-text/evidence-inference-pmc/evinf-001.jsonl.gz'],
      ['aioner', 'pubmed-text/aioner-pubtator/aioner-000.jsonl.gz'],
      ['bc6pm', 'pubmed-text/biocreative6-pm/bc6pm-000.jsonl.gz'],
      ['pkdoc', 'pubmed-text/pk-doc-classifier/pkdoc-000.jsonl.gz'],
      ['srscreen', 'pubmed-text/systematic-review-screening/srscreen-000.jsonl.gz'],
      ['wallace', 'pubmed-text/wallace-citation-screening/wallace-000.jsonl.gz'],
      ['drug-combo', 'pubmed-text/drug-combo-extraction/drugcombo-000.jsonl.gz'],
      ['bc2gm-sentences', 'pubmed-text/bc2gm-train-sentences/bc2gm-000.jsonl.gz'],
      ['elife', 'pubmed-text/elife-articles/elife-000.jsonl.gz'],
      ['plos', 'pubmed-text/plos-starter-corpus/plos-000.jsonl.gz'],
    ] as const
  ).map(([name, ...p]) => ({ name, description: `raw text for pre-training (${name})`, splits: [split('all', 'pretrain', [...p])] })),
];

/** The corpus named `name`, or undefined. */
export function findCorpus(name: string): CorpusInfo | undefined {
  return CORPORA.find((c) => c.name === name);
}

/** True when every path of the split exists under the data root. */
export function splitAvailable(s: SplitInfo, root = dataRoot()): boolean {
  return s.paths.every((p) => fs.existsSync(path.join(root, p)));
}

/** A loaded split after the leak guard. */
export interface LoadedSplit {
  corpus: string;
  split: SplitInfo;
  documents: Document[];
  /** Documents the leak guard removed (0 for protected test splits). */
  leakGuardRemoved: number;
  leakGuardByReason: Record<LeakReason, number>;
}

let guardPromise: Promise<LeakGuard> | undefined;

/** The leak guard over every protected test split (built once per process). */
export function leakGuard(root = dataRoot()): Promise<LeakGuard> {
  guardPromise ??= (async () => {
    const guard = new LeakGuard();
    for (const c of CORPORA) {
      for (const s of c.splits) {
        if (!s.protectedTest || !splitAvailable(s, root)) continue;
        for (const d of await loadCorpusSplit(c.name, s, root)) guard.protect(documentKeys(d));
      }
    }
    return guard;
  })();
  return guardPromise;
}

/** Load one split; non-test splits pass through the leak guard. */
export async function loadSplit(corpusName: string, splitName: string, root = dataRoot()): Promise<LoadedSplit> {
  const corpus = findCorpus(corpusName);
  if (!corpus) throw new Error(`unknown corpus "${corpusName}" (known: ${CORPORA.map((c) => c.name).join(', ')})`);
  const s = corpus.splits.find((x) => x.name === splitName);
  if (!s) throw new Error(`corpus ${corpusName} has no split "${splitName}" (splits: ${corpus.splits.map((x) => x.name).join(', ')})`);
  const docs = await loadCorpusSplit(corpus.name, s, root);
  if (s.protectedTest) {
    return { corpus: corpus.name, split: s, documents: docs, leakGuardRemoved: 0, leakGuardByReason: { pmid: 0, title: 0, sentence: 0 } };
  }
  const guard = await leakGuard(root);
  const r = guard.filter(docs, documentKeys);
  return { corpus: corpus.name, split: s, documents: r.kept, leakGuardRemoved: r.removed, leakGuardByReason: r.byReason };
}
