/**
 * Loads a model folder (HF layout: model.onnx + tokenizer.json + config.json) and runs its
 * encoder on texts. Works for our exported encoders and for BERT-family ONNX exports made
 * elsewhere: inputs are matched by name (`input_ids`, `attention_mask`, optional
 * `token_type_ids`), the first output (or `last_hidden_state`) is the hidden states.
 */
import * as path from 'node:path';
import { BioTokenizer, type Encoding } from '../tokenizer/tokenizer';
import { MODEL_FILE, readModelConfig } from './modelFolders';
import { createSession, inferenceSessionOptions, type HostTensor, type ModelSession } from '../runtime/session';

export interface EncodedBatch {
  encodings: Encoding[];
  /** [batch, seq, hidden] row-major. */
  hidden: Float32Array;
  dims: [number, number, number];
}

export class EncoderRuntime {
  private constructor(
    readonly dir: string,
    readonly config: Record<string, unknown>,
    readonly tokenizer: BioTokenizer,
    private readonly session: ModelSession,
    private readonly outputName: string,
  ) {}

  static async load(dir: string, threads = 1): Promise<EncoderRuntime> {
    const config = readModelConfig(dir);
    const tokenizer = BioTokenizer.fromDirectory(dir);
    const session = await createSession(path.join(dir, MODEL_FILE), inferenceSessionOptions(threads));
    for (const n of session.inputNames) {
      if (!['input_ids', 'attention_mask', 'token_type_ids'].includes(n)) throw new Error(`${dir}: unsupported model input "${n}"`);
    }
    if (!session.inputNames.includes('input_ids')) throw new Error(`${dir}: model has no input_ids input`);
    const out = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0];
    if (!out) throw new Error(`${dir}: model has no output`);
    return new EncoderRuntime(dir, config, tokenizer, session, out);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** Encode texts (padded to the longest) and return hidden states with the encodings. */
  async encode(texts: readonly string[], maxLength = 512): Promise<EncodedBatch> {
    // Never exceed the position table: longer inputs are truncated, not an ORT broadcast error.
    const positions = this.config['max_position_embeddings'];
    const limit = typeof positions === 'number' ? Math.min(maxLength, positions) : maxLength;
    const encodings = texts.map((t) => this.tokenizer.encode(t, { maxLength: limit }));
    const padded = this.tokenizer.padBatch(encodings);
    const B = texts.length;
    const T = padded.inputIds[0]?.length ?? 0;
    const flat = (rows: number[][]): BigInt64Array => BigInt64Array.from(rows.flat().map((v) => BigInt(v)));
    const feeds: Record<string, HostTensor> = { input_ids: { data: flat(padded.inputIds), dims: [B, T] } };
    if (this.session.inputNames.includes('attention_mask')) feeds['attention_mask'] = { data: flat(padded.attentionMask), dims: [B, T] };
    if (this.session.inputNames.includes('token_type_ids')) feeds['token_type_ids'] = { data: flat(padded.typeIds), dims: [B, T] };
    const r = await this.session.run(feeds);
    const h = r[this.outputName]!;
    return { encodings, hidden: h.data as Float32Array, dims: h.dims as [number, number, number] };
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
