/**
 * The engine worker: owns onnxruntime sessions and training loops, off the host thread.
 * Speaks src/protocol/worker.ts. Errors become `job/error` messages; nothing escapes the worker.
 */
import * as os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { BACKGROUND_NICE, type EngineWorkerOptions, type JobDone, type JobRequest, type JobResults, type WorkerRequest, type WorkerResponse, type WireTensor } from '../protocol/worker';
import { createSession, type ModelSession } from '../core/runtime/session';
import { runPretrain } from '../core/training/pretraining/pretrainJob';
import { predictRelations } from './relationJobs';
import { detectMentions } from './mentionJobs';
import { fineTuneOnDecisions } from '../core/training/cnnRelation/fineTuneOnDecisions';

const port = parentPort;
if (!port) throw new Error('engineWorker must run in a worker thread');

// In the editor the worker yields to the window: on Linux the nice value belongs to a thread, so
// raising this thread's before any session exists puts onnxruntime's pool threads (created by it)
// behind the editor's renderer and extension host, which on a 2-core laptop otherwise lose whole
// frames to inference. Elsewhere it would lower the whole extension host, so it is left alone.
if ((workerData as EngineWorkerOptions | undefined)?.background && process.platform === 'linux') {
  try {
    os.setPriority(0, BACKGROUND_NICE);
  } catch {
    // A sandbox may forbid it: inference then runs at the editor's priority, as before.
  }
}

const sessions = new Map<string, ModelSession>();
const jobs = new Map<number, AbortController>();

function send(m: WorkerResponse): void {
  port!.postMessage(m);
}

/**
 * Runs one job: registers its AbortController (so `job/cancel` reaches it), posts its typed
 * `job/done`, and always forgets it afterwards. Errors propagate to the one `job/error` below.
 */
async function runJob<K extends JobRequest['type']>(req: Extract<JobRequest, { type: K }>, work: (signal: AbortSignal) => Promise<JobResults[K]>): Promise<void> {
  const ac = new AbortController();
  jobs.set(req.id, ac);
  try {
    const result = await work(ac.signal);
    send({ type: 'job/done', id: req.id, request: req.type, result } as JobDone);
  } finally {
    jobs.delete(req.id);
  }
}

function handle(req: JobRequest): Promise<void> {
  switch (req.type) {
    case 'model/load':
      return runJob(req, async () => {
        const s = await createSession(req.model, { threads: req.threads });
        await sessions.get(req.handle)?.dispose();
        sessions.set(req.handle, s);
        return { inputNames: [...s.inputNames], outputNames: [...s.outputNames] };
      });
    case 'model/run':
      return runJob(req, async () => {
        const s = sessions.get(req.handle);
        if (!s) throw new Error(`no model loaded under "${req.handle}"`);
        const out = await s.run(req.feeds);
        const outputs: Record<string, WireTensor> = {};
        for (const [k, v] of Object.entries(out)) outputs[k] = { data: v.data, dims: [...v.dims] };
        return { outputs };
      });
    case 'model/unload':
      return runJob(req, async () => {
        await sessions.get(req.handle)?.dispose();
        sessions.delete(req.handle);
        return {};
      });
    case 'relations/predict':
      return runJob(req, async (signal) => ({ relations: await predictRelations(req.modelDir, req.document, { threads: req.threads, signal, ...(req.task ? { task: req.task } : {}) }) }));
    case 'mentions/detect':
      return runJob(req, async (signal) => ({ mentions: await detectMentions(req.modelDir, req.document, { threads: req.threads, signal }) }));
    case 'train/finetuneDecisions':
      return runJob(req, async (signal) => ({
        finetune: await fineTuneOnDecisions({
          modelDir: req.modelDir,
          outDir: req.outDir,
          documents: req.documents,
          threads: req.threads,
          signal,
          onProgress: (progress) => send({ type: 'job/progress', id: req.id, progress }),
        }),
      }));
    case 'train/pretrain':
      return runJob(req, async (signal) => ({
        summary: await runPretrain({
          preset: req.preset,
          overrides: req.overrides,
          dataDir: req.dataDir,
          signal,
          onProgress: (progress) => send({ type: 'job/progress', id: req.id, progress }),
        }),
      }));
  }
}

port.on('message', (req: WorkerRequest) => {
  if (req.type === 'job/cancel') {
    jobs.get(req.id)?.abort();
    return;
  }
  handle(req).catch((e: unknown) => send({ type: 'job/error', id: req.id, message: e instanceof Error ? e.message : String(e) }));
});
send({ type: 'worker/ready' });
