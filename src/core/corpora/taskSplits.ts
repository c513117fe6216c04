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
  /**
   * Which `devShare`-wide slice of the hash range is held out: fold f holds out the documents
   * whose hash share lies in [f·devShare, (f+1)·devShare). Fold 0 is the split every earlier run
   * used; devShare 0.2 with folds 0-4 is five-fold cross-validation over the training documents.
   */
  devFold?: number;
  /** Share of the remaining training documents used (the low-resource curve). */
  trainShare: number;
  /** Train on train + dev, holding out `devShare` of the union. */
  mergeDev?: boolean;
}

/**
 * The training documents split into those kept for training and the held-out fold (see
 * TaskSplitOptions.devFold); the folds of one devShare never overlap and together cover every
 * document once.
 */
export function holdOutFold<T extends { id: string }>(docs: readonly T[], devShare: number, devFold = 0): { train: T[]; dev: T[] } {
  if (!Number.isInteger(devFold) || devFold < 0 || devFold * devShare >= 1) throw new Error(`devFold ${devFold} is not a fold of devShare ${devShare} (folds 0-${Math.max(0, Math.ceil(1 / Math.max(devShare, 1e-9)) - 1)})`);
  const lo = devFold * devShare;
  // The last fold takes the rest of the range (devShare 0.3333: fold 2 ends at 1, not 0.9999).
  const hi = (devFold + 2) * devShare > 1 + 1e-9 ? 1 : (devFold + 1) * devShare;
  const held = (d: T): boolean => {
    const h = hashShare(d.id, 'dev');
    return h >= lo && h < hi;
  };
  return { train: docs.filter((d) => !held(d)), dev: docs.filter(held) };
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
    ({ train, dev } = holdOutFold(all, c.devShare, c.devFold ?? 0));
  }
  if (c.trainShare < 1) train = train.filter((d) => hashShare(d.id, 'subset') < c.trainShare);
  const test = (await loadSplit(s.corpus, s.test)).documents;
  return { train, dev, test };
}

