/**
 * The engine worker: owns onnxruntime sessions and training loops, off the host thread.
 * Speaks src/protocol/worker.ts. Errors become `job/error` messages; nothing escapes the worker.
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerRequest, WorkerResponse, WireTensor } from '../protocol/worker';
import { createSession, type ModelSession } from '../core/runtime/session';
import { runPretrain } from '../core/training/pretraining/pretrainJob';
import { predictRelations } from './relationJobs';
import { detectMentions } from './mentionJobs';
import { fineTuneOnDecisions } from '../core/training/cnnRelation/fineTuneOnDecisions';

const port = parentPort;
if (!port) throw new Error('engineWorker must run in a worker thread');

const sessions = new Map<string, ModelSession>();
const jobs = new Map<number, AbortController>();

function send(m: WorkerResponse): void {
  port!.postMessage(m);
}

async function handle(req: Exclude<WorkerRequest, { type: 'job/cancel' }>): Promise<void> {
  switch (req.type) {
    case 'model/load': {
      const s = await createSession(req.model, { threads: req.threads });
      await sessions.get(req.handle)?.dispose();
      sessions.set(req.handle, s);
      send({ type: 'job/done', id: req.id, result: { inputNames: [...s.inputNames], outputNames: [...s.outputNames] } });
      return;
    }
    case 'model/run': {
      const s = sessions.get(req.handle);
      if (!s) throw new Error(`no model loaded under "${req.handle}"`);
      const out = await s.run(req.feeds);
      const outputs: Record<string, WireTensor> = {};
      for (const [k, v] of Object.entries(out)) outputs[k] = { data: v.data, dims: [...v.dims] };
      send({ type: 'job/done', id: req.id, result: { outputs } });
      return;
    }
    case 'model/unload': {
      await sessions.get(req.handle)?.dispose();
      sessions.delete(req.handle);
      send({ type: 'job/done', id: req.id, result: {} });
      return;
    }
    case 'relations/predict': {
      const ac = new AbortController();
      jobs.set(req.id, ac);
      try {
        const relations = await predictRelations(req.modelDir, req.document, { threads: req.threads, signal: ac.signal, ...(req.task ? { task: req.task } : {}) });
        send({ type: 'job/done', id: req.id, result: { relations } });
      } finally {
        jobs.delete(req.id);
      }
      return;
    }
    case 'mentions/detect': {
      const ac = new AbortController();
      jobs.set(req.id, ac);
      try {
        const mentions = await detectMentions(req.modelDir, req.document, { threads: req.threads, signal: ac.signal });
        send({ type: 'job/done', id: req.id, result: { mentions } });
      } finally {
        jobs.delete(req.id);
      }
      return;
    }
    case 'train/finetuneDecisions': {
      const ac = new AbortController();
      jobs.set(req.id, ac);
      try {
        const finetune = await fineTuneOnDecisions({
          modelDir: req.modelDir,
          outDir: req.outDir,
          documents: req.documents,
          threads: req.threads,
          signal: ac.signal,
          onProgress: (progress) => send({ type: 'job/progress', id: req.id, progress }),
        });
        send({ type: 'job/done', id: req.id, result: { finetune } });
      } finally {
        jobs.delete(req.id);
      }
      return;
    }
    case 'train/pretrain': {
      const ac = new AbortController();
      jobs.set(req.id, ac);
      try {
        const summary = await runPretrain({
          preset: req.preset,
          overrides: req.overrides,
          dataDir: req.dataDir,
          signal: ac.signal,
          onProgress: (progress) => send({ type: 'job/progress', id: req.id, progress }),
        });
        send({ type: 'job/done', id: req.id, result: { summary } });
      } finally {
        jobs.delete(req.id);
      }
      return;
    }
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
