/**
 * Host side of the engine worker: spawns it, turns requests into promises, forwards progress,
 * and maps AbortSignal to `job/cancel`. Used by the extension (which converts its
 * CancellationToken to an AbortSignal at the boundary) and by tests.
 */
import { Worker } from 'node:worker_threads';
import type { EngineWorkerOptions, FineTuneProgress, JobRequest, JobResults, WorkerRequest, WorkerResponse, WireTensor, WirePredictedRelation } from '../protocol/worker';
import type { Annotation, Document } from '../core/document/document';
import type { TaskName } from '../core/tasks/definitions';
import type { DecisionFineTuneResult } from '../core/training/cnnRelation/fineTuneOnDecisions';
import type { TrainProgress, TrainSummary } from '../core/training/trainer';

/** The fields of a job request of type K besides its type and id (the client numbers jobs). */
type RequestBody<K extends JobRequest['type']> = Omit<Extract<JobRequest, { type: K }>, 'id' | 'type'>;

export class EngineClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: JobResults[JobRequest['type']]) => void; reject: (e: Error) => void; onProgress?: (p: TrainProgress | FineTuneProgress) => void }>();
  private readonly ready: Promise<void>;

  /**
   * @param workerFile path of the compiled engineWorker.js
   * @param options `background`: the worker's inference yields to the editor (see EngineWorkerOptions)
   */
  constructor(workerFile: string, options: EngineWorkerOptions = {}) {
    this.worker = new Worker(workerFile, { workerData: options });
    let markReady: () => void = () => {};
    this.ready = new Promise((r) => (markReady = r));
    this.worker.on('message', (m: WorkerResponse) => {
      if (m.type === 'worker/ready') return markReady();
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'job/progress') p.onProgress?.(m.progress);
      else {
        this.pending.delete(m.id);
        if (m.type === 'job/done') p.resolve(m.result);
        else p.reject(new Error(m.message));
      }
    });
    this.worker.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  private async request<K extends JobRequest['type']>(type: K, body: RequestBody<K>, opts: { signal?: AbortSignal; onProgress?: (p: TrainProgress | FineTuneProgress) => void } = {}): Promise<JobResults[K]> {
    await this.ready;
    const id = this.nextId++;
    return new Promise<JobResults[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: JobResults[JobRequest['type']]) => void, reject, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
      opts.signal?.addEventListener('abort', () => this.worker.postMessage({ type: 'job/cancel', id } satisfies WorkerRequest), { once: true });
      this.worker.postMessage({ ...body, type, id } as unknown as WorkerRequest);
    });
  }

  async loadModel(handle: string, model: string | Uint8Array, threads = 1): Promise<{ inputNames: string[]; outputNames: string[] }> {
    return this.request('model/load', { handle, model, threads });
  }

  async run(handle: string, feeds: Record<string, WireTensor>): Promise<Record<string, WireTensor>> {
    return (await this.request('model/run', { handle, feeds })).outputs;
  }

  async pretrain(preset: string, overrides: Record<string, unknown>, dataDir: string, opts: { signal?: AbortSignal; onProgress?: (p: TrainProgress) => void } = {}): Promise<TrainSummary> {
    const onProgress = opts.onProgress;
    const r = await this.request('train/pretrain', { preset, overrides, dataDir }, { ...(opts.signal ? { signal: opts.signal } : {}), ...(onProgress ? { onProgress: (p) => onProgress(p as TrainProgress) } : {}) });
    return r.summary;
  }

  /** Relations of one document predicted by the model in `modelDir`; `signal` cancels. */
  async predictRelations(modelDir: string, document: Document, opts: { threads?: number; task?: TaskName; signal?: AbortSignal } = {}): Promise<WirePredictedRelation[]> {
    const body: RequestBody<'relations/predict'> = { modelDir, threads: opts.threads ?? 1, document, ...(opts.task ? { task: opts.task } : {}) };
    return (await this.request('relations/predict', body, opts.signal ? { signal: opts.signal } : {})).relations;
  }

  /** Mentions the tagger in `modelDir` finds in `document` (normalized); `signal` cancels. */
  async detectMentions(modelDir: string, document: Document, opts: { threads?: number; signal?: AbortSignal } = {}): Promise<Annotation[]> {
    const r = await this.request('mentions/detect', { modelDir, threads: opts.threads ?? 1, document }, opts.signal ? { signal: opts.signal } : {});
    return r.mentions;
  }

  /** Fine-tunes `modelDir` on reviewed documents into `outDir` (see protocol `train/finetuneDecisions`). */
  async fineTuneOnDecisions(modelDir: string, outDir: string, documents: Document[], opts: { threads?: number; signal?: AbortSignal; onProgress?: (p: FineTuneProgress) => void } = {}): Promise<DecisionFineTuneResult> {
    const onProgress = opts.onProgress;
    const r = await this.request('train/finetuneDecisions', { modelDir, outDir, documents, threads: opts.threads ?? 1 }, { ...(opts.signal ? { signal: opts.signal } : {}), ...(onProgress ? { onProgress: (p) => onProgress(p as FineTuneProgress) } : {}) });
    return r.finetune;
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }
}
