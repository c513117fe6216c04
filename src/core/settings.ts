/**
 * The extension's settings as plain values. `src/extension/config.ts` is the only reader of the
 * editor's configuration and maps it here; everything else takes a `Settings`.
 */
import { TASK_NAMES, type TaskName } from './tasks/definitions';

export interface Settings {
  /** Relation model folder (Hugging Face layout); empty = the bundled `models/relation-*` folders. */
  modelPath: string;
  /** Suggestions below this confidence (in [0, 1]) are not kept. */
  threshold: number;
  /** Tasks whose relations are suggested, overriding each file's schema; empty = per file (core/curation/fileSchema.ts). */
  tasks: TaskName[];
  /** Threads for inference in the worker. */
  threads: number;
  /** How relation notes show at evidence sentences (never in a line's text). */
  relationNotes: RelationNotes;
  /** Whether inference in the editor yields to the window (`background`) or runs at its priority. */
  inferencePriority: InferencePriority;
}

/**
 * `background`: the engine worker runs below the window (Linux), so the window keeps its frames
 * while a long run takes the cores, and the run takes longer when the window is busy; `normal`:
 * the window's priority.
 */
export type InferencePriority = 'background' | 'normal';
const INFERENCE_PRIORITIES: readonly InferencePriority[] = ['background', 'normal'];

/** `off`: none; `compact`: underline + gutter marker, details in the hover; `full`: also the note after a line it fits on. */
export type RelationNotes = 'off' | 'compact' | 'full';
const RELATION_NOTES: readonly RelationNotes[] = ['off', 'compact', 'full'];

export const DEFAULT_SETTINGS: Settings = { modelPath: '', threshold: 0.5, tasks: [], threads: 2, relationNotes: 'compact', inferencePriority: 'background' };

/** Settings from loosely typed values (user JSON), each invalid value replaced by its default. */
export function normalizeSettings(raw: { modelPath?: unknown; threshold?: unknown; tasks?: unknown; threads?: unknown; relationNotes?: unknown; inferencePriority?: unknown }): Settings {
  const relationNotes = RELATION_NOTES.find((n) => n === raw.relationNotes) ?? DEFAULT_SETTINGS.relationNotes;
  const threshold = typeof raw.threshold === 'number' && raw.threshold >= 0 && raw.threshold <= 1 ? raw.threshold : DEFAULT_SETTINGS.threshold;
  const tasks = Array.isArray(raw.tasks) ? raw.tasks.filter((t): t is TaskName => (TASK_NAMES as readonly unknown[]).includes(t)) : DEFAULT_SETTINGS.tasks;
  const threads = typeof raw.threads === 'number' && Number.isInteger(raw.threads) && raw.threads >= 1 ? raw.threads : DEFAULT_SETTINGS.threads;
  const inferencePriority = INFERENCE_PRIORITIES.find((x) => x === raw.inferencePriority) ?? DEFAULT_SETTINGS.inferencePriority;
  return { modelPath: typeof raw.modelPath === 'string' ? raw.modelPath.trim() : '', threshold, tasks: [...new Set(tasks)], threads, relationNotes, inferencePriority };
}
