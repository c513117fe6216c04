/**
 * `biore bench stream`: streaming conversion throughput and peak memory, side by side for a
 * small and a large PubTator file, so "flat memory" is a measured ratio rather than a claim.
 * Each conversion runs in a fresh child process that reports its own peak RSS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import { parsePubTator, writePubTatorDocument } from '../../core/formats/pubtator';
import { dataRoot } from '../../core/corpora/dataRoot';
import { parseFormatName, type DocumentFormat } from '../../core/formats/formatIo';
import { convertFile } from './convert';
import { UserError } from '../userError';
import { registerBenchTrain } from './benchTrain';
import { registerBenchTrainSeq } from './benchTrainSeq';
import { registerBenchRelations } from './benchRelations';
import { registerBenchDecisions } from './benchDecisions';
import { registerBenchInfer } from './benchInfer';
import { registerBenchAnnotate } from './benchAnnotate';

/** Write a PubTator file of about `mb` megabytes by repeating `seed` documents under new PMIDs. */
function makeBigPubTator(seedFile: string, out: string, mb: number): number {
  const seed = parsePubTator(fs.readFileSync(seedFile, 'utf8'), seedFile).documents;
  if (seed.length === 0) throw new UserError(`${seedFile}: no documents to repeat`);
  const fd = fs.openSync(out, 'w');
  let bytes = 0;
  let n = 0;
  try {
    while (bytes < mb * 1e6) {
      const d = seed[n % seed.length]!;
      const s = writePubTatorDocument({ ...d, id: String(90000000 + n) });
      bytes += fs.writeSync(fd, s);
      n++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return n;
}

interface ChildResult {
  documents: number;
  seconds: number;
  maxRssMB: number;
}

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('benchmarks that print their figures');
  registerBenchTrain(bench);
  registerBenchTrainSeq(bench);
  registerBenchInfer(bench);
  registerBenchAnnotate(bench);
  registerBenchRelations(bench);
  registerBenchDecisions(bench);
  bench
    .command('stream')
    .description('streaming convert: MB/s and peak memory for a small and a large PubTator file')
    .option('--seed <file>', 'PubTator file whose documents are repeated', path.join(dataRoot(), 'bc5cdr/CDR.Corpus.v010516/CDR_TrainingSet.PubTator.txt'))
    .option('--small-mb <n>', 'size of the small file', '5')
    .option('--large-mb <n>', 'size of the large file', '50')
    .option('--json', 'print JSON')
    .action((opts: { seed: string; smallMb: string; largeMb: string; json?: boolean }) => {
      if (!fs.existsSync(opts.seed)) throw new UserError(`${opts.seed}: no such file (use --seed with any PubTator file)`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'biore-bench-'));
      const rows = [];
      try {
        for (const mb of [Number(opts.smallMb), Number(opts.largeMb)]) {
          const input = path.join(dir, `in-${mb}.pubtator`);
          makeBigPubTator(opts.seed, input, mb);
          const size = fs.statSync(input).size / 1e6;
          for (const to of ['bioc', 'pubtator', 'biocjson'] as const) {
            const output = path.join(dir, `out-${mb}.${to}`);
            const stdout = execFileSync(process.execPath, [process.argv[1]!, 'bench', 'stream-child', input, output, to], { encoding: 'utf8' });
            const r = JSON.parse(stdout) as ChildResult;
            rows.push({ inputMB: +size.toFixed(1), to, documents: r.documents, seconds: +r.seconds.toFixed(2), MBps: +(size / r.seconds).toFixed(1), peakRssMB: +r.maxRssMB.toFixed(0) });
            fs.rmSync(output, { force: true });
          }
          fs.rmSync(input, { force: true });
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      if (opts.json) process.stdout.write(JSON.stringify(rows, null, 1) + '\n');
      else {
        process.stdout.write('input MB  to        documents  seconds  MB/s   peak RSS MB\n');
        for (const r of rows) {
          process.stdout.write(`${String(r.inputMB).padEnd(9)} ${r.to.padEnd(9)} ${String(r.documents).padEnd(10)} ${String(r.seconds).padEnd(8)} ${String(r.MBps).padEnd(6)} ${r.peakRssMB}\n`);
        }
      }
    });
  bench
    .command('stream-child', { hidden: true })
    .argument('<in>')
    .argument('<out>')
    .argument('<to>')
    .action(async (input: string, output: string, to: string) => {
      const t0 = process.hrtime.bigint();
      const n = await convertFile(input, output, 'pubtator', parseFormatName(to) as DocumentFormat);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const result: ChildResult = { documents: n, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 };
      process.stdout.write(JSON.stringify(result));
    });
}
