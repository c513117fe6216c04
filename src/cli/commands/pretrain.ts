/**
 * `biore pretrain prepare|train`: encoder pre-training. `prepare` tokenizes the training text
 * once into `<data>` (leak guard on); `train` runs the loop with the resolved config (defaults <
 * --preset < key=value overrides), printing progress, and writes `<outDir>/best` as a model
 * folder whose config.json records the config, seed, data hashes, command line and metrics.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { BioTokenizer } from '../../core/tokenizer/tokenizer';
import { preparePretrainData, savePreparedData } from '../../core/training/pretraining/pretrainData';
import { parseOverrides, resolveConfig } from '../../core/training/trainConfig';
import { BEST_DIR } from '../../core/training/trainer';
import { runPretrain } from '../../core/training/pretraining/pretrainJob';
import { UserError } from '../userError';
import { startTrainingRun } from '../trainingRun';
import * as fs from 'node:fs';
import { MODEL_FILE, readModelConfig, readModelWeights, writeModelFolder } from '../../core/inference/modelFolders';
import { encoderConfigFromFolder, encoderExportBytes } from '../../core/training/pretraining/mlm';
import { loadPreparedData } from '../../core/training/pretraining/pretrainData';
import { createSession } from '../../core/runtime/session';


export function registerPretrain(program: Command): void {
  const pre = program.command('pretrain').description('pre-train the encoder (masked language modelling)');
  registerEncoderExport(pre);
  pre
    .command('prepare')
    .description('tokenize all training text (no test split, leak guard on) into a data folder')
    .requiredOption('--tokenizer <dir>', 'tokenizer folder (tokenizer.json)')
    .option('--out <dir>', 'data folder', 'runs/pretrain-data')
    .option('--held-out <share>', 'share of documents held out for evaluation', '0.01')
    .option('--corpora <list>', 'comma-separated corpus or corpus:split names (default: every training split)')
    .action(async (o: { tokenizer: string; out: string; heldOut: string; corpora?: string }) => {
      const tok = BioTokenizer.fromDirectory(o.tokenizer);
      const t0 = Date.now();
      const data = await preparePretrainData(tok, path.join(o.tokenizer, 'tokenizer.json'), Number(o.heldOut), o.corpora ? o.corpora.split(',') : [], (done, total, label) => {
        process.stderr.write(`prepare: ${done}/${total} ${label}\n`);
      });
      savePreparedData(o.out, data);
      process.stdout.write(JSON.stringify({ ...data.meta, seconds: (Date.now() - t0) / 1000 }, null, 1) + '\n');
    });
  pre
    .command('train')
    .description('train the encoder; key=value arguments override the preset (e.g. maxSteps=2000 outDir=runs/x)')
    .option('--preset <name>', 'config preset (tiny, mlm-small, electra-small)', 'mlm-small')
    .option('--data <dir>', 'prepared data folder', 'runs/pretrain-data')
    .option('--no-resume', 'start from scratch even if <outDir>/checkpoint.bin exists')
    .argument('[overrides...]', 'config overrides key=value')
    .action(async (overrides: string[], o: { preset: string; data: string; resume: boolean }) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = parseOverrides(overrides);
        resolveConfig(o.preset, parsed);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const config = resolveConfig(o.preset, parsed);
      const { signal, onProgress } = startTrainingRun();
      const summary = await runPretrain({
        preset: o.preset,
        overrides: parsed,
        dataDir: o.data,
        signal,
        onProgress,
        resume: o.resume,
        command: `biore pretrain train --preset ${o.preset} --data ${o.data} ${overrides.join(' ')}`.trim(),
      });
      process.stdout.write(JSON.stringify({ ...summary, bestModel: path.join(config.outDir, BEST_DIR) }, null, 1) + '\n');
    });
}

/** `biore pretrain export`: re-export an encoder folder (optionally float16) and measure the change. */
export function registerEncoderExport(pre: Command): void {
  pre
    .command('export')
    .description('re-export a pre-trained encoder folder for shipping (--half: float16 matrices) and report the output change')
    .requiredOption('--from <dir>', 'encoder model folder (e.g. runs/mlm-small-1/best)')
    .requiredOption('--to <dir>', 'destination folder (e.g. models/encoder)')
    .option('--half', 'store matrices as float16 (half the size)')
    .option('--data <dir>', 'prepared data folder whose held-out stream measures the fp16 change', 'runs/pretrain-data')
    .action(async (o: { from: string; to: string; half?: boolean; data: string }) => {
      const cfg = readModelConfig(o.from);
      const weights = readModelWeights(o.from);
      const enc = encoderConfigFromFolder(cfg);
      const bytes = encoderExportBytes(enc, weights, { producer: 'biore pretrain export' }, !!o.half);
      // Measure on held-out windows: max and mean |Δ| of the hidden states, fp32 vs shipped.
      const ref = await createSession(path.join(o.from, MODEL_FILE));
      const shipped = await createSession(bytes);
      const held = loadPreparedData(o.data).heldOut.ids;
      const B = 8;
      const T = Math.min(128, enc.maxPositions);
      const ids = BigInt64Array.from({ length: B * T }, (_, i) => BigInt(held[(i * 37) % held.length]!));
      const feeds = { input_ids: { data: ids, dims: [B, T] }, attention_mask: { data: new BigInt64Array(B * T).fill(1n), dims: [B, T] } };
      const a = (await ref.run(feeds))['last_hidden_state']!.data as Float32Array;
      const b = (await shipped.run(feeds))['last_hidden_state']!.data as Float32Array;
      let max = 0;
      let sum = 0;
      a.forEach((v, i) => {
        const d = Math.abs(v - b[i]!);
        max = Math.max(max, d);
        sum += d;
      });
      await ref.dispose();
      await shipped.dispose();
      const change = { maxAbsDiff: +max.toExponential(3), meanAbsDiff: +(sum / a.length).toExponential(3), measuredOn: `${B}x${T} held-out tokens` };
      writeModelFolder(o.to, bytes, { ...cfg, weights_dtype: o.half ? 'float16' : 'float32', export_change_vs_fp32: change, exported_from: o.from }, o.from);
      const size = fs.statSync(path.join(o.to, MODEL_FILE)).size;
      process.stdout.write(JSON.stringify({ to: o.to, modelBytes: size, ...change }, null, 1) + '\n');
    });
}
