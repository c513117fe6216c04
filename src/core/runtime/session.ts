/**
 * The only module that imports onnxruntime-node. Everything else talks to `ModelSession`, so
 * decoders, training loops and tests can run against a fake, and the runtime could be swapped.
 *
 * `run` is synchronous inside onnxruntime (it blocks the calling thread while the kernels run);
 * the extension therefore calls it from a worker thread, never from the extension host.
 */
import * as ort from 'onnxruntime-node';

export type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

/** A named tensor for feeds and results. */
export interface HostTensor {
  data: TensorData;
  dims: readonly number[];
}

export interface SessionOptions {
  /** Intra-op threads (default 1: the extension shares the laptop with the editor). */
  threads?: number;
  /**
   * Whether idle intra-op threads spin-wait between kernels (onnxruntime's default, true).
   * false yields the core instead: slower on an idle machine, much faster on a busy one.
   */
  spinning?: boolean;
}

/**
 * Options for a model that serves predictions (relations, mentions, encoders): no spin-waiting
 * between kernels, because inference shares the cores with the editor's window.
 */
export function inferenceSessionOptions(threads = 1): SessionOptions {
  return { threads, spinning: false };
}

/** A loaded model. */
export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Run the graph. `preallocated` outputs are written in place (no allocation per step). */
  run(feeds: Record<string, HostTensor>, preallocated?: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
  dispose(): Promise<void>;
}

function toOrt(t: HostTensor): ort.Tensor {
  const d = t.data;
  if (d instanceof Float32Array) return new ort.Tensor('float32', d, t.dims);
  if (d instanceof BigInt64Array) return new ort.Tensor('int64', d, t.dims);
  if (d instanceof Int32Array) return new ort.Tensor('int32', d, t.dims);
  return new ort.Tensor('bool', d, t.dims);
}

/** Create a session from a model file path or model bytes. */
export async function createSession(model: string | Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
  const opts: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.threads ?? 1,
    ...(options.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, opts) : await ort.InferenceSession.create(model, opts);
  // Tensor wrappers are cached per backing array so steady-state training allocates nothing.
  const wrappers = new WeakMap<TensorData, ort.Tensor>();
  const wrap = (t: HostTensor): ort.Tensor => {
    const hit = wrappers.get(t.data);
    if (hit && hit.dims.length === t.dims.length && hit.dims.every((d, i) => d === t.dims[i])) return hit;
    const w = toOrt(t);
    wrappers.set(t.data, w);
    return w;
  };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, preallocated) {
      const f: Record<string, ort.Tensor> = {};
      for (const [k, v] of Object.entries(feeds)) f[k] = wrap(v);
      let result: ort.InferenceSession.ReturnType;
      if (preallocated) {
        const fetches: Record<string, ort.Tensor | null> = {};
        for (const name of session.outputNames) fetches[name] = preallocated[name] ? wrap(preallocated[name]) : null;
        result = await session.run(f, fetches);
      } else {
        result = await session.run(f);
      }
      const out: Record<string, HostTensor> = {};
      for (const [k, v] of Object.entries(result)) out[k] = { data: v.data as TensorData, dims: v.dims };
      return out;
    },
    async dispose() {
      await session.release();
    },
  };
}
