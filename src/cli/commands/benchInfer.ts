/**
 * `biore bench infer`: encoder inference throughput (sequences/s) at batch 1 and 16 on 1 and 2
 * threads, for the shipped encoder (or its architecture with random weights when no encoder is
 * shipped yet) and for a BERT-base-sized graph (12 layers, 768 wide, random weights) written by
 * our exporter, side by side in one run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { Autodiff } from '../../core/engine/autodiff';
import { initialize } from '../../core/engine/initialize';
import { DEFAULT_ENCODER, encode, encoderParams, type EncoderConfig } from '../../core/engine/layers/transformerEncoder';
import { MODEL_FILE, readModelConfig } from '../../core/inference/modelFolders';
import { createSession } from '../../core/runtime/session';

function randomEncoderBytes(cfg: EncoderConfig): Uint8Array {
  const probe = new Autodiff('probe', { training: false });
  encode(probe, cfg, encoderParams(probe, cfg), probe.input('input_ids', 'int64', ['b', 's']), undefined);
  const weights = initialize(probe.params, 1);
  const ad = new Autodiff('encoder', { training: false, weights });
  const ids = ad.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = ad.input('attention_mask', 'int64', ['batch', 'seq']);
  ad.g.output(encode(ad, cfg, encoderParams(ad, cfg), ids, mask), 'last_hidden_state');
  return ad.g.toBytes();
}

interface Row {
  model: string;
  threads: number;
  batch: number;
  seq: number;
  msPerBatch: number;
  sequencesPerSecond: number;
}

async function timeModel(name: string, model: string | Uint8Array, vocab: number, seq: number, batches: number[], threads: number[], iterations: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const th of threads) {
    const s = await createSession(model, { threads: th });
    for (const B of batches) {
      const ids = BigInt64Array.from({ length: B * seq }, (_, i) => BigInt(5 + ((i * 7919) % (vocab - 5))));
      const mask = new BigInt64Array(B * seq).fill(1n);
      const feeds = { input_ids: { data: ids, dims: [B, seq] }, attention_mask: { data: mask, dims: [B, seq] } };
      await s.run(feeds);
      const times: number[] = [];
      for (let i = 0; i < iterations; i++) {
        const t0 = performance.now();
        await s.run(feeds);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const ms = times[Math.floor(times.length / 2)]!;
      rows.push({ model: name, threads: th, batch: B, seq, msPerBatch: +ms.toFixed(2), sequencesPerSecond: +((1000 * B) / ms).toFixed(1) });
    }
    await s.dispose();
  }
  return rows;
}

export function registerBenchInfer(bench: Command): void {
  bench
    .command('infer')
    .description('encoder inference: sequences/s at batch 1 and 16, 1 and 2 threads; shipped encoder vs BERT-base size')
    .option('--encoder <dir>', 'model folder of the shipped encoder', 'models/encoder')
    .option('--seq <n>', 'sequence length', '128')
    .option('--iterations <n>', 'timed runs per setting (median reported)', '10')
    .option('--no-bert-base', 'skip the BERT-base-sized graph')
    .option('--json', 'print JSON')
    .action(async (o: { encoder: string; seq: string; iterations: string; bertBase: boolean; json?: boolean }) => {
      const seq = Number(o.seq);
      const it = Number(o.iterations);
      const rows: Row[] = [];
      const shipped = fs.existsSync(path.join(o.encoder, MODEL_FILE));
      if (shipped) {
        const c = readModelConfig(o.encoder);
        rows.push(...(await timeModel(o.encoder, path.join(o.encoder, MODEL_FILE), Number(c['vocab_size']), seq, [1, 16], [1, 2], it)));
      } else {
        const cfg: EncoderConfig = { ...DEFAULT_ENCODER, vocabSize: 16000 };
        rows.push(...(await timeModel('4x256 encoder, random weights (none shipped yet)', randomEncoderBytes(cfg), cfg.vocabSize, seq, [1, 16], [1, 2], it)));
      }
      if (o.bertBase) {
        const cfg: EncoderConfig = { ...DEFAULT_ENCODER, vocabSize: 30522, dModel: 768, layers: 12, heads: 12, ffn: 3072 };
        rows.push(...(await timeModel('BERT-base size (12x768), random weights', randomEncoderBytes(cfg), cfg.vocabSize, seq, [1, 16], [1, 2], Math.max(3, Math.floor(it / 3)))));
      }
      if (o.json) process.stdout.write(JSON.stringify(rows) + '\n');
      else for (const r of rows) process.stdout.write(`${r.model.padEnd(48)} threads ${r.threads} batch ${String(r.batch).padEnd(3)} ${String(r.msPerBatch).padStart(9)} ms/batch ${String(r.sequencesPerSecond).padStart(8)} seq/s\n`);
    });
}
