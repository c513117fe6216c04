/**
 * Messages between a host (the extension host, the CLI, tests) and the engine worker thread
 * (src/worker/engineWorker.ts). onnxruntime's `run` blocks its thread, so inference and
 * training never run on the host thread. Every job carries an id; progress, results and errors
 * refer to it, and `job/cancel` stops it (training saves a checkpoint first).
 */
import type { TrainProgress, TrainSummary } from '../core/training/trainer';
import type { Annotation, Document } from '../core/document/document';
import type { TaskName } from '../core/tasks/definitions';
import type { PredictedRelation } from '../core/inference/relations/relationPredictor';
import type { DecisionFineTuneResult } from '../core/training/cnnRelation/fineTuneOnDecisions';

/** Progress of a decision fine-tune: optimizer steps done of `steps`, mean loss of the last ones. */
export interface FineTuneProgress {
  step: number;
  steps: number;
  loss: number;
}

/** A relation the model predicted (plain data, so it crosses the thread boundary as is). */
export type WirePredictedRelation = PredictedRelation;

/** A tensor crossing the thread boundary (typed arrays are structured-cloned). */
export interface WireTensor {
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
  dims: number[];
}

export type WorkerRequest =
  /** host → worker: load a model (a model folder's model.onnx, or bytes) under a handle. */
  | { type: 'model/load'; id: number; handle: string; model: string | Uint8Array; threads: number }
  /** host → worker: run a loaded model. */
  | { type: 'model/run'; id: number; handle: string; feeds: Record<string, WireTensor> }
  /** host → worker: release a loaded model. */
  | { type: 'model/unload'; id: number; handle: string }
  /** host → worker: pre-train the encoder with a resolved config (see trainConfig.ts). */
  | { type: 'train/pretrain'; id: number; preset: string; overrides: Record<string, unknown>; dataDir: string }
  /**
   * host → worker: predict the relations of one document with the relation model in `modelDir`
   * (loaded on first use, then kept; `task` limits a multi-task model to one task).
   */
  | { type: 'relations/predict'; id: number; modelDir: string; threads: number; document: Document; task?: TaskName }
  /**
   * host → worker: fine-tune the relation model in `modelDir` on reviewed documents (relations
   * with status accepted, added or rejected) and write the new version to `outDir`; progress as
   * `job/progress`, cancellable.
   */
  | { type: 'train/finetuneDecisions'; id: number; modelDir: string; outDir: string; documents: Document[]; threads: number }
  /**
   * host → worker: find Chemical, Gene and Disease mentions in a document's text with the mention
   * tagger in `modelDir` (normalized with its lexicon); the document is not changed.
   */
  | { type: 'mentions/detect'; id: number; modelDir: string; threads: number; document: Document }
  /** host → worker: cancel a running job. */
  | { type: 'job/cancel'; id: number };

/** Requests that start a job (every request but `job/cancel`). */
export type JobRequest = Exclude<WorkerRequest, { type: 'job/cancel' }>;

/** The result of each job type, as `job/done` carries it. */
export interface JobResults {
  'model/load': { inputNames: string[]; outputNames: string[] };
  'model/run': { outputs: Record<string, WireTensor> };
  'model/unload': Record<string, never>;
  'train/pretrain': { summary: TrainSummary };
  'relations/predict': { relations: WirePredictedRelation[] };
  'train/finetuneDecisions': { finetune: DecisionFineTuneResult };
  'mentions/detect': { mentions: Annotation[] };
}

/** worker → host: a job finished; `request` names the job type, and the result is that type's. */
export type JobDone = { [K in JobRequest['type']]: { type: 'job/done'; id: number; request: K; result: JobResults[K] } }[JobRequest['type']];

export type WorkerResponse =
  /** worker → host: the worker is ready for requests. */
  | { type: 'worker/ready' }
  /** worker → host: progress of a training job (pre-training: TrainProgress; decision fine-tune: FineTuneProgress). */
  | { type: 'job/progress'; id: number; progress: TrainProgress | FineTuneProgress }
  /** worker → host: a job finished (see JobDone). */
  | JobDone
  /** worker → host: a job failed; `message` is one line for the user. */
  | { type: 'job/error'; id: number; message: string };

/** What the engine worker is started with (its `workerData`). */
export interface EngineWorkerOptions {
  /**
   * Run at a lower priority than the process's other threads (Linux): the editor's worker, so
   * inference never takes the cores the window draws with. Batch runs (CLI, tests) leave it off.
   */
  background?: boolean;
}

/** The nice value of a background worker (0 normal, 19 lowest): below the editor, not starved. */
export const BACKGROUND_NICE = 10;
