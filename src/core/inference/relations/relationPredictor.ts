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
import { CONFIG_FILE, ENSEMBLE_RELATION_MODEL_TYPE, MODEL_FILE, ModelFolderError, RELATION_MODEL_TYPES, readModelConfig, relationModelFolders } from '../modelFolders';
import { createSession, inferenceSessionOptions, type HostTensor, type ModelSession } from '../../runtime/session';
import type { Candidate } from '../../tasks/candidatePairs';
import { candidateToRelation, generateCandidates, type GenerateOptions } from '../../tasks/candidates';
import type { TaskName } from '../../tasks/definitions';
import { VOCAB_FILE } from '../../wordvec/wordVectors';
import { WordVocab } from '../../wordvec/wordVocab';
import { taskView } from './taskView';
import { readHeads, routeTasks, type TaskHead } from './relationHeads';
import { MeshHierarchy } from './meshHierarchy';
import { softmaxPrediction, withClassBias } from './relationPrediction';
import { averagePredictions, ensembleMembers } from './relationEnsemble';
import { applyDocumentRules } from './documentRules';
import { applyPairStacker, loadPairStacker, type PairStacker } from './pairStacker';
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

/**
 * What acts on the model's probabilities: the folder's decision biases (and its pair stacker,
 * when it carries one) and then its calibrated rules (what suggestions get), the same with every
 * rule uncalibrated (to fit the rules), without the rules (the model alone), or nothing at all
 * (`raw`: to fit the biases).
 */
export type RuleMode = 'calibrated' | 'all' | 'none' | 'raw';

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

/** One loaded relation model folder (a single model or an ensemble) as the predictor uses it. */
interface LoadedRelationModel {
  readonly dir: string;
  readonly heads: Map<TaskName, TaskHead>;
  /** How the model's candidates are generated (e.g. DDI's negative-pair filters, when it was trained with them). */
  readonly candidates: GenerateOptions;
  score(docs: readonly Document[], task: TaskName, candidates: readonly Candidate[], rules?: RuleMode): Promise<{ labels: string[]; predictions: RelationPrediction[] }>;
  dispose(): Promise<void>;
}

function readConfigOrExplain(dir: string): Record<string, unknown> {
  let cfg: Record<string, unknown>;
  try {
    cfg = readModelConfig(dir);
  } catch (e) {
    throw new ModelFolderError(`${(e as Error).message}; set biore.model.path (or --model) to a relation model folder such as models/relation-ddi`);
  }
  if (!RELATION_MODEL_TYPES.has(String(cfg['model_type']))) throw new ModelFolderError(`${path.join(dir, CONFIG_FILE)}: model_type ${JSON.stringify(cfg['model_type'])} is not a relation model this runtime loads (${[...RELATION_MODEL_TYPES].join(', ')})`);
  return cfg;
}

const candidateOptionsOf = (cfg: Record<string, unknown>): GenerateOptions => (cfg['negative_filters'] === true ? { negativeFilters: true } : {});

/** The parts of a folder that act after its model: the MeSH hierarchy (BC5CDR's broader-concept step) and the pair stacker. */
interface FolderDecisions {
  mesh: MeshHierarchy | undefined;
  stacker: PairStacker | undefined;
}

const folderDecisions = (dir: string): FolderDecisions => ({ mesh: MeshHierarchy.loadFrom(dir), stacker: loadPairStacker(dir) });

/** What acts on a model's (or an ensemble's) probabilities: decision biases, the pair stacker, then the task's document rules. */
function decide(task: TaskName, docs: readonly Document[], candidates: readonly Candidate[], head: TaskHead, predictions: RelationPrediction[], rules: RuleMode, { mesh, stacker }: FolderDecisions): { labels: string[]; predictions: RelationPrediction[] } {
  if (rules === 'raw') return { labels: head.labels, predictions };
  if (head.classBias) predictions = predictions.map((p) => withClassBias(p, head.classBias!));
  if (stacker) predictions = applyPairStacker(stacker, task, docs, candidates, head.labels, predictions, mesh);
  if (rules === 'none') return { labels: head.labels, predictions };
  return { labels: head.labels, predictions: applyDocumentRules(task, docs, candidates, head.labels, predictions, rules === 'all' ? undefined : (head.rules ?? {}), mesh) };
}

/** One loaded CNN or BiLSTM relation model folder. */
class CnnRelationModel implements LoadedRelationModel {
  constructor(
    readonly dir: string,
    readonly session: ModelSession,
    readonly vocab: WordVocab,
    readonly encode: CnnEncodeOptions,
    readonly heads: Map<TaskName, TaskHead>,
    readonly multiTask: boolean,
    /** The MeSH hierarchy and pair stacker the folder carries, if any. */
    readonly decisions: FolderDecisions,
    /** How the model's candidates are generated (e.g. DDI's negative-pair filters, when it was trained with them). */
    readonly candidates: GenerateOptions,
  ) {}

  static async load(dir: string, threads: number): Promise<CnnRelationModel> {
    const cfg = readConfigOrExplain(dir);
    if (cfg['model_type'] === ENSEMBLE_RELATION_MODEL_TYPE) throw new ModelFolderError(`${path.join(dir, CONFIG_FILE)}: an ensemble cannot be a member of another ensemble`);
    const heads = readHeads(dir, cfg);
    for (const f of [MODEL_FILE, VOCAB_FILE]) if (!fs.existsSync(path.join(dir, f))) throw new ModelFolderError(`${dir}: ${f} is missing; the model folder is incomplete (copy it again or re-export it)`);
    const vocab = WordVocab.load(path.join(dir, VOCAB_FILE));
    // Read before the session exists, so a bad stacker file cannot leave a loaded session behind.
    const decisions = folderDecisions(dir);
    let session: ModelSession;
    try {
      session = await createSession(path.join(dir, MODEL_FILE), inferenceSessionOptions(threads));
    } catch (e) {
      throw new ModelFolderError(`${path.join(dir, MODEL_FILE)}: cannot be loaded (${(e as Error).message.split('\n')[0]}); the file is corrupt or from another tool: re-export it`);
    }
    const blinding = cfg['blinding'] !== null && cfg['blinding'] !== undefined;
    const encode = { blinding, maxWords: Number(cfg['max_words'] ?? 150), maxDistance: Number(cfg['max_distance'] ?? 50) };
    return new CnnRelationModel(dir, session, vocab, encode, heads, session.inputNames.includes('task_id'), decisions, candidateOptionsOf(cfg));
  }

  async score(docs: readonly Document[], task: TaskName, candidates: readonly Candidate[], rules: RuleMode = 'calibrated'): Promise<{ labels: string[]; predictions: RelationPrediction[] }> {
    return decide(task, docs, candidates, this.heads.get(task)!, await this.probabilities(docs, task, candidates), rules, this.decisions);
  }

  /** The model's calibrated predictions alone (its temperature; no biases, no rules). */
  async probabilities(docs: readonly Document[], task: TaskName, candidates: readonly Candidate[]): Promise<RelationPrediction[]> {
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
    return predictCnn(this.session, examples, { extraFeeds: taskFeed, temperature: head.temperature, classRange: [head.offset, head.offset + head.labels.length] });
  }

  dispose(): Promise<void> {
    return this.session.dispose();
  }
}

/** An ensemble folder: its members' calibrated probabilities averaged, then its own biases and rules. */
class EnsembleRelationModel implements LoadedRelationModel {
  private constructor(
    readonly dir: string,
    readonly heads: Map<TaskName, TaskHead>,
    readonly candidates: GenerateOptions,
    private readonly members: readonly CnnRelationModel[],
    private readonly weights: readonly number[],
    private readonly decisions: FolderDecisions,
  ) {}

  static async load(dir: string, cfg: Record<string, unknown>, threads: number): Promise<EnsembleRelationModel> {
    const heads = readHeads(dir, cfg);
    const decisions = folderDecisions(dir);
    const { dirs, weights } = ensembleMembers(dir, cfg);
    const members: CnnRelationModel[] = [];
    try {
      for (const d of dirs) {
        const m = await CnnRelationModel.load(d, threads);
        members.push(m);
        for (const [task, head] of heads) {
          const own = m.heads.get(task);
          if (!own || own.labels.join('|') !== head.labels.join('|')) throw new ModelFolderError(`${d}: member does not answer ${task} with the ensemble's labels (${head.labels.join(', ')})`);
        }
      }
    } catch (e) {
      for (const m of members) await m.dispose();
      throw e;
    }
    return new EnsembleRelationModel(dir, heads, candidateOptionsOf(cfg), members, weights, decisions);
  }

  async score(docs: readonly Document[], task: TaskName, candidates: readonly Candidate[], rules: RuleMode = 'calibrated'): Promise<{ labels: string[]; predictions: RelationPrediction[] }> {
    const head = this.heads.get(task)!;
    const each: RelationPrediction[][] = [];
    for (const m of this.members) each.push(await m.probabilities(docs, task, candidates));
    let mean = averagePredictions(each, this.weights);
    // A temperature fitted on the mean (absent: the members' calibrated probabilities are averaged as they are).
    if (head.temperature !== 1) mean = mean.map((p) => softmaxPrediction(p.logits, head.temperature));
    return decide(task, docs, candidates, head, mean, rules, this.decisions);
  }

  async dispose(): Promise<void> {
    for (const m of this.members) await m.dispose();
  }
}

async function loadRelationModel(dir: string, threads: number): Promise<LoadedRelationModel> {
  const cfg = readConfigOrExplain(dir);
  return cfg['model_type'] === ENSEMBLE_RELATION_MODEL_TYPE ? EnsembleRelationModel.load(dir, cfg, threads) : CnnRelationModel.load(dir, threads);
}

/**
 * Load the relation model folder `modelDir`, or every relation model folder inside it (e.g.
 * `models/`, which ships one per task). A task served by several folders uses the first.
 */
export async function loadRelationPredictor(modelDir: string, options: { threads?: number } = {}): Promise<RelationPredictor> {
  const models: LoadedRelationModel[] = [];
  try {
    for (const d of relationModelFolders(modelDir)) models.push(await loadRelationModel(d, options.threads ?? 1));
  } catch (e) {
    for (const m of models) await m.dispose();
    throw e;
  }
  const byDir = new Map(models.map((m) => [m.dir, m]));
  const byTask = new Map([...routeTasks(models.map((m) => ({ dir: m.dir, tasks: [...m.heads.keys()] })))].map(([t, dir]) => [t, byDir.get(dir)!]));
  const modelFor = (task: TaskName): LoadedRelationModel => {
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
      for (const m of models) await m.dispose();
    },
  };
}
