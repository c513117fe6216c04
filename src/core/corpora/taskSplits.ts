/**
 * Train / dev / test documents of each relation task, the same for every model family.
 *
 * Splits: DDI and DrugProt have no usable development set (DrugProt's dev is its test set), so
 * `devShare` of the training documents (chosen by document-id hash) is held out; BC5CDR and
 * BioRED use their official dev sets (or, with `mergeDev`, train + dev with a held-out share).
 */
import * as crypto from 'node:crypto';
import { loadSplit } from './registry';
import type { Document } from '../document/document';
import type { TaskName } from '../tasks/definitions';

const SPLITS: Record<TaskName, { corpus: string; train: string; dev?: string; test: string }> = {
  ddi: { corpus: 'ddi', train: 'train', test: 'test' },
  drugprot: { corpus: 'drugprot', train: 'train', test: 'dev' },
  cdr: { corpus: 'bc5cdr', train: 'train', dev: 'dev', test: 'test' },
  biored: { corpus: 'biored', train: 'train', dev: 'dev', test: 'test' },
};

function hashShare(id: string, salt: string): number {
  return crypto.createHash('sha1').update(`${salt}:${id}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** How a run splits a task's documents (the training config's fields of the same names). */
export interface TaskSplitOptions {
  /** Share of the training documents (or of train + dev with `mergeDev`) held out by document-id hash for selection. */
  devShare: number;
  /** Share of the remaining training documents used (the low-resource curve). */
  trainShare: number;
  /** Train on train + dev, holding out `devShare` of the union. */
  mergeDev?: boolean;
}

/** Train / dev / test documents of a task after the leak guard. */
export async function taskDocuments(task: TaskName, c: TaskSplitOptions): Promise<{ train: Document[]; dev: Document[]; test: Document[] }> {
  const s = SPLITS[task];
  const all = (await loadSplit(s.corpus, s.train)).documents;
  if (s.dev && c.mergeDev) all.push(...(await loadSplit(s.corpus, s.dev)).documents);
  let train: Document[];
  let dev: Document[];
  if (s.dev && !c.mergeDev) {
    train = all;
    dev = (await loadSplit(s.corpus, s.dev)).documents;
  } else {
    train = all.filter((d) => hashShare(d.id, 'dev') >= c.devShare);
    dev = all.filter((d) => hashShare(d.id, 'dev') < c.devShare);
  }
  if (c.trainShare < 1) train = train.filter((d) => hashShare(d.id, 'subset') < c.trainShare);
  const test = (await loadSplit(s.corpus, s.test)).documents;
  return { train, dev, test };
}

