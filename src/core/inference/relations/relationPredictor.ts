/**
 * Relation prediction for one document at a time: what `biore extract`, `biore annotate` and
 * the extension's worker call. It loads shipped relation model folders (the CNN relation models
 * that `biore wordvec finetune` exports; one task per folder, or several tasks sharing one folder
 * with a task input), builds the task's candidates from the document's mentions (taskView.ts
 * maps the file's entity type names to the task's), scores them, and returns the non-`none`
 * predictions as suggested relations with a calibrated confidence and the evidence span.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document, Relation, Span } from '../../document/document';
import { documentText } from '../../document/document';
import { CONFIG_FILE, MODEL_FILE, ModelFolderError, RELATION_MODEL_TYPES, readModelConfig, relationModelFolders } from '../modelFolders';
import { createSession, type HostTensor, type ModelSession } from '../../runtime/session';
import type { Candidate } from '../../tasks/candidatePairs';
import { candidateToRelation, generateCandidates, type GenerateOptions } from '../../tasks/candidates';
import type { TaskName } from '../../tasks/definitions';
import { VOCAB_FILE } from '../../wordvec/wordVectors';
import { WordVocab } from '../../wordvec/wordVocab';
import { taskView } from './taskView';
import { readHeads, routeTasks, type TaskHead } from './relationHeads';
import { MeshHierarchy } from './meshHierarchy';
import { withClassBias } from './relationPrediction';
import { applyDocumentRules } from './documentRules';
import { encodeCnnCandidate, predictCnn, type CnnEncodeOptions, type CnnExample } from './cnnRelationModel';
import type { RelationPrediction } from './relationPrediction';
import { evidenceWindow } from '../../tasks/candidatePairs';

export { relationModelTasks } from './relationHeads';
export { ModelFolderError, relationModelFolders } from '../modelFolders';

/** One suggested relation. */
export interface PredictedRelation {
  /** type, args (annotation refs for DDI/DrugProt, concept refs for CDR/BioRED), score, status `suggested`. */
  relation: Relation;
  task: TaskName;
  /** Document offsets from the first evidence sentence's start to the last one's end. */
  evidence: Span;
  /** The folder of the model that made it. */
  model: string;
}

export interface PredictOptions {
  /** Only this task (default: every task the loaded models know). */
  task?: TaskName;
  /** Only these tasks, of those the loaded models know (overrides `task`). */
  tasks?: readonly TaskName[];
  signal?: AbortSignal;
  /** Document rules: the folder's calibrated ones (default), or all of them at the model's confidence (for comparison). */
  rules?: RuleMode;
}

/** Which document rules fire: the folder's calibrated ones (what suggestions get), all of them uncalibrated, or none (the model alone). */
export type RuleMode = 'calibrated' | 'all' | 'none';

export interface RelationPredictor {
  readonly modelDir: string;
  readonly tasks: readonly TaskName[];
  /** Suggested relations of `doc` (its existing relations are not touched). */
  predict(doc: Document, options?: PredictOptions): Promise<PredictedRelation[]>;
  /**
   * Every candidate with its full prediction (labels in the task's order; 0 = none), after the
   * task's document rules (`applyDocumentRules`: a ruled prediction carries `rule`); for
   * evaluation. `rules`: the folder's calibrated rules (default, what suggestions get) or every
   * rule with the model's own probability (to fit the calibration).
   */
  scoreCandidates(docs: readonly Document[], task: TaskName, candidates: readonly Candidate[], signal?: AbortSignal, rules?: RuleMode): Promise<{ labels: string[]; predictions: RelationPrediction[] }>;
  /** How the model serving `task` generates its candidates (evaluation must generate the same). */
  candidateOptions(task: TaskName): GenerateOptions;
  dispose(): Promise<void>;
}

/** One loaded CNN relation model folder. */
class CnnRelationModel {
  constructor(
    readonly dir: string,
    readonly session: ModelSession,
    readonly vocab: WordVocab,
    readonly encode: CnnEncodeOptions,
    readonly heads: Map<TaskName, TaskHead>,
    readonly multiTask: boolean,
    /** The MeSH hierarchy the folder carries (BC5CDR's broader-concept step), if any. */
    readonly mesh: MeshHierarchy | undefined,
    /** How the model's candidates are generated (e.g. DDI's negative-pair filters, when it was trained with them). */
    readonly candidates: GenerateOptions,
  ) {}

  static async load(dir: string, threads: number): Promise<CnnRelationModel> {
    let cfg: Record<string, unknown>;
    try {
      cfg = readModelConfig(dir);
    } catch (e) {
      throw new ModelFolderError(`${(e as Error).message}; set biore.model.path (or --model) to a relation model folder such as models/relation-ddi`);
    }
    if (!RELATION_MODEL_TYPES.has(String(cfg['model_type']))) throw new ModelFolderError(`${path.join(dir, CONFIG_FILE)}: model_type ${JSON.stringify(cfg['model_type'])} is not a relation model this runtime loads (${[...RELATION_MODEL_TYPES].join(', ')})`);
    const heads = readHeads(dir, cfg);
    for (const f of [MODEL_FILE, VOCAB_FILE]) if (!fs.existsSync(path.join(dir, f))) throw new ModelFolderError(`${dir}: ${f} is missing; the model folder is incomplete (copy it again or re-export it)`);
    const vocab = WordVocab.load(path.join(dir, VOCAB_FILE));
    let session: ModelSession;
    try {
      session = await createSession(path.join(dir, MODEL_FILE), { threads });
    } catch (e) {
      throw new ModelFolderError(`${path.join(dir, MODEL_FILE)}: cannot be loaded (${(e as Error).message.split('\n')[0]}); the file is corrupt or from another tool: re-export it`);
    }
    const blinding = cfg['blinding'] !== null && cfg['blinding'] !== undefined;
    const encode = { blinding, maxWords: Number(cfg['max_words'] ?? 150), maxDistance: Number(cfg['max_distance'] ?? 50) };
    const candidates: GenerateOptions = cfg['negative_filters'] === true ? { negativeFilters: true } : {};
    return new CnnRelationModel(dir, session, vocab, encode, heads, session.inputNames.includes('task_id'), MeshHierarchy.loadFrom(dir), candidates);
  }

  async score(docs: readonly Document[], task: TaskName, candidates: readonly Candidate[], rules: RuleMode = 'calibrated'): Promise<{ labels: string[]; predictions: RelationPrediction[] }> {
    const head = this.heads.get(task)!;
    const byId = new Map(docs.map((d) => [d.id, { doc: d, text: documentText(d) }]));
    const examples: CnnExample[] = candidates.map((c) => {
      const d = byId.get(c.documentId);
      if (!d) throw new Error(`candidate ${c.id}: document not found`);
      return encodeCnnCandidate(this.vocab, d.doc, d.text, c, 0, this.encode);
    });
    const taskFeed = (f: Record<string, HostTensor>, batch: readonly CnnExample[]): void => {
      if (this.multiTask) f['task_id'] = { data: new BigInt64Array(batch.length).fill(BigInt(head.taskId)), dims: [batch.length] };
    };
    let predictions = await predictCnn(this.session, examples, { extraFeeds: taskFeed, temperature: head.temperature, classRange: [head.offset, head.offset + head.labels.length] });
    if (head.classBias && rules !== 'all') predictions = predictions.map((p) => withClassBias(p, head.classBias!));
    if (rules === 'none') return { labels: head.labels, predictions };
    return { labels: head.labels, predictions: applyDocumentRules(task, docs, candidates, head.labels, predictions, rules === 'all' ? undefined : (head.rules ?? {}), this.mesh) };
  }
}

/**
 * Load the relation model folder `modelDir`, or every relation model folder inside it (e.g.
 * `models/`, which ships one per task). A task served by several folders uses the first.
 */
export async function loadRelationPredictor(modelDir: string, options: { threads?: number } = {}): Promise<RelationPredictor> {
  const models: CnnRelationModel[] = [];
  try {
    for (const d of relationModelFolders(modelDir)) models.push(await CnnRelationModel.load(d, options.threads ?? 1));
  } catch (e) {
    for (const m of models) await m.session.dispose();
    throw e;
  }
  const byDir = new Map(models.map((m) => [m.dir, m]));
  const byTask = new Map([...routeTasks(models.map((m) => ({ dir: m.dir, tasks: [...m.heads.keys()] })))].map(([t, dir]) => [t, byDir.get(dir)!]));
  const modelFor = (task: TaskName): CnnRelationModel => {
    const m = byTask.get(task);
    if (!m) throw new ModelFolderError(`${modelDir}: no relation model for task ${task} (it has ${[...byTask.keys()].join(', ') || 'none'})`);
    return m;
  };
  return {
    modelDir,
    tasks: [...byTask.keys()],
    candidateOptions: (task) => modelFor(task).candidates,
    scoreCandidates: (docs, task, candidates, signal, rules) => {
      signal?.throwIfAborted();
      return modelFor(task).score(docs, task, candidates, rules);
    },
    async predict(doc, o = {}) {
      const tasks = o.tasks ? o.tasks.filter((t) => byTask.has(t)) : o.task ? [o.task] : [...byTask.keys()];
      const out: PredictedRelation[] = [];
      for (const task of tasks) {
        o.signal?.throwIfAborted();
        const model = modelFor(task);
        // No gold at prediction: the file's own relations are not labels here, and may belong to another task.
        const view = taskView(doc, task);
        const candidates = generateCandidates(task, view, { ...model.candidates, labels: false });
        if (candidates.length === 0) continue;
        const { labels, predictions } = await model.score([view], task, candidates, o.rules);
        candidates.forEach((c, i) => {
          const p = predictions[i]!;
          const rel = candidateToRelation(c, labels[p.label]!, { score: p.prob, id: `${task}:${c.head.id}->${c.tail.id}` });
          if (!rel) return;
          if (p.rule) rel.attributes['rule'] = p.rule;
          out.push({ relation: rel, task, evidence: evidenceWindow(c), model: model.dir });
        });
      }
      return out;
    },
    async dispose() {
      for (const m of models) await m.session.dispose();
    },
  };
}
