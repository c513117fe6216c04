/**
 * The relation-selection flags `annotate` and `extract` share: `--tasks a,b` (or the older
 * `--task a`), `--min-score S` and `--scores` (PubTator: keep each relation's confidence as a last
 * `score=S` column; BioC always keeps it as the `score` infon).
 */
import type { Command } from 'commander';
import type { PredictionSelection } from '../core/curation/suggestionPolicy';
import { TASK_NAMES, type TaskName } from '../core/tasks/definitions';
import { UserError } from './userError';

/** The flags as commander hands them over. */
export interface RelationCliOptions {
  task?: string;
  tasks?: string;
  minScore?: string;
  scores?: boolean;
}

/** Declare the shared flags on a command. */
export function relationOptions(command: Command): Command {
  return command
    .option('--tasks <list>', `relation tasks to suggest, comma-separated (${TASK_NAMES.join(',')}); default: every task the models know`)
    .option('--task <task>', 'one relation task (same as --tasks with one name)')
    .option('--min-score <s>', 'keep only relations whose confidence is at least s (0-1), document-rule suggestions included')
    .option('--scores', 'PubTator output: add each relation\'s confidence as a last column "score=0.9312" (BioC output always has the "score" infon)');
}

/** Validate the flags: unknown task names and scores outside [0, 1] are one-line errors. */
export function parseRelationOptions(o: RelationCliOptions): PredictionSelection {
  const raw = o.tasks ?? o.task;
  let tasks: TaskName[] | undefined;
  if (raw !== undefined) {
    const names = raw.split(',').map((t) => t.trim()).filter((t) => t !== '');
    const unknown = names.filter((t) => !(TASK_NAMES as readonly string[]).includes(t));
    if (unknown.length || names.length === 0) throw new UserError(`--tasks: unknown task "${unknown[0] ?? raw}" (use ${TASK_NAMES.join(', ')})`);
    tasks = [...new Set(names)] as TaskName[];
  }
  let minScore: number | undefined;
  if (o.minScore !== undefined) {
    minScore = Number(o.minScore);
    if (o.minScore.trim() === '' || !Number.isFinite(minScore) || minScore < 0 || minScore > 1) throw new UserError(`--min-score: "${o.minScore}" is not a number from 0 to 1`);
  }
  return { ...(tasks ? { tasks } : {}), ...(minScore !== undefined ? { minScore } : {}) };
}

/** Refuse tasks that none of the loaded relation models answers. */
export function checkTasksLoaded(selection: PredictionSelection, loaded: readonly TaskName[], modelDir: string): void {
  const missing = selection.tasks?.filter((t) => !loaded.includes(t)) ?? [];
  if (missing.length) throw new UserError(`${modelDir}: no relation model for task ${missing.join(', ')} (these models answer ${loaded.join(', ') || 'no task'})`);
}
