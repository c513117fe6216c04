/**
 * What a relation model folder's config.json says about its tasks: which tasks it answers and
 * how each is read from its output. No onnxruntime here, so the extension host can ask which
 * tasks a folder serves without loading the runtime (only the worker runs models).
 */
import * as path from 'node:path';
import { CONFIG_FILE, ModelFolderError, RELATION_MODEL_TYPES, readModelConfig } from '../modelFolders';
import { TASK_NAMES, type TaskName } from '../../tasks/definitions';
import type { RuleCalibration } from './documentRules';

const isTask = (t: unknown): t is TaskName => typeof t === 'string' && (TASK_NAMES as readonly string[]).includes(t);

/** How one task is read from a model's output. */
export interface TaskHead {
  labels: string[];
  /** First logit of this task (multi-task models concatenate the tasks' label lists). */
  offset: number;
  /** Value of the `task_id` input (multi-task models). */
  taskId: number;
  temperature: number;
  /** Per-class decision biases chosen on held-out documents (absent: plain argmax). */
  classBias?: number[];
  /** The task's document rules as calibrated on held-out documents (absent: the rules are off). */
  rules?: Record<string, RuleCalibration>;
}

/** The task heads a relation model's config.json declares (single-task: `task` + `id2label`). */
export function readHeads(dir: string, cfg: Record<string, unknown>): Map<TaskName, TaskHead> {
  const heads = new Map<TaskName, TaskHead>();
  const rulesOf = (c: unknown): { rules?: Record<string, RuleCalibration> } => {
    const r = (c as { rules?: { byRule?: unknown } } | undefined)?.rules?.byRule;
    if (!r || typeof r !== 'object') return {};
    const out: Record<string, RuleCalibration> = {};
    for (const [name, v] of Object.entries(r as Record<string, { kept?: unknown; score?: unknown }>)) {
      if (typeof v.kept !== 'boolean' || typeof v.score !== 'number' || v.score < 0 || v.score > 1) throw new ModelFolderError(`${path.join(dir, CONFIG_FILE)}: calibration.rules.byRule.${name} needs kept (boolean) and score (0-1)`);
      out[name] = { kept: v.kept, score: v.score };
    }
    return { rules: out };
  };
  const biasOf = (c: unknown, n: number): { classBias?: number[] } => {
    const b = (c as { classBias?: { values?: unknown } } | undefined)?.classBias?.values;
    if (b === undefined) return {};
    if (!Array.isArray(b) || b.length !== n || !b.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new ModelFolderError(`${path.join(dir, CONFIG_FILE)}: calibration.classBias.values needs one number per label (${n})`);
    return { classBias: b as number[] };
  };
  const temperatureOf = (c: unknown): number => {
    const t = (c as { temperature?: unknown } | undefined)?.temperature;
    return typeof t === 'number' && t > 0 ? t : 1;
  };
  const tasks = cfg['tasks'];
  if (tasks && typeof tasks === 'object' && !Array.isArray(tasks)) {
    for (const [name, h] of Object.entries(tasks as Record<string, { labels?: unknown; offset?: unknown; task_id?: unknown; calibration?: unknown }>)) {
      if (!isTask(name) || !Array.isArray(h.labels) || typeof h.offset !== 'number' || typeof h.task_id !== 'number') throw new ModelFolderError(`${path.join(dir, CONFIG_FILE)}: tasks.${name} needs labels, offset and task_id`);
      heads.set(name, { labels: h.labels as string[], offset: h.offset, taskId: h.task_id, temperature: temperatureOf(h.calibration), ...rulesOf(h.calibration), ...biasOf(h.calibration, (h.labels as string[]).length) });
    }
  } else {
    const task = cfg['task'];
    const id2label = cfg['id2label'] as Record<string, string> | undefined;
    if (!isTask(task) || !id2label) throw new ModelFolderError(`${path.join(dir, CONFIG_FILE)}: no task/id2label: not a relation model folder (re-export it with \`biore wordvec finetune\`)`);
    const labels = Object.keys(id2label)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => id2label[k]!);
    heads.set(task, { labels, offset: 0, taskId: 0, temperature: temperatureOf(cfg['calibration']), ...rulesOf(cfg['calibration']), ...biasOf(cfg['calibration'], labels.length) });
  }
  return heads;
}

/**
 * The tasks a relation model folder answers (its config's `task`, or the heads of a multi-task
 * model); empty when the folder is not one.
 */
export function relationModelTasks(dir: string): TaskName[] {
  try {
    const cfg = readModelConfig(dir);
    if (!RELATION_MODEL_TYPES.has(String(cfg['model_type']))) return [];
    return [...readHeads(dir, cfg).keys()];
  } catch {
    return [];
  }
}


/**
 * Which folder answers each task: the first folder (in the given order) that has it, so a task
 * never gets two sets of suggestions (models/relation-ddi before a merged multi-task model).
 * Only `wanted` tasks, when given.
 */
export function routeTasks(folders: ReadonlyArray<{ dir: string; tasks: readonly TaskName[] }>, wanted?: readonly TaskName[]): Map<TaskName, string> {
  const out = new Map<TaskName, string>();
  for (const f of folders) for (const t of f.tasks) if (!out.has(t) && (!wanted || wanted.includes(t))) out.set(t, f.dir);
  return out;
}
