/** What the corpus registry says about a corpus and its splits (a type of its own, so loaders need not import the registry). */
import type { TaskName } from '../tasks/definitions';

export type SplitRole = 'train' | 'dev' | 'test' | 'all' | 'pretrain';

export interface SplitInfo {
  name: string;
  role: SplitRole;
  /** True for the evaluation sets the leak guard protects (never filtered themselves). */
  protectedTest: boolean;
  /** Files or folders, relative to the data root. */
  paths: string[];
}

export interface CorpusInfo {
  name: string;
  description: string;
  /** Relation task whose candidates and scorer apply to this corpus, if any. */
  task?: TaskName;
  splits: SplitInfo[];
}
