/**
 * `biore merge DIR [--out FILE]`: join the outputs of `biore annotate IN --shard i/n --out DIR`
 * (all n of them) into the file a single `biore annotate IN` writes, byte for byte. Every shard's
 * manifest and output checksum is checked first; a missing or failed shard is named and nothing
 * is written.
 */
import type { Command } from 'commander';
import { MergeError, mergeShards } from '../../core/batch/shardMerge';
import { UserError } from '../userError';

interface MergeCliOptions {
  out?: string;
  shards?: string;
  input?: string;
  json?: boolean;
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('merge the shard outputs of `annotate --shard i/n --out DIR` into one file, in input order, after checking every manifest')
    .argument('<dir>', 'folder holding shard-IIIII-of-NNNNN.* outputs and manifests')
    .option('--out <file>', 'merged output file (default: stdout)')
    .option('--shards <n>', 'expected number of shards (default: the one the manifests agree on)')
    .option('--input <file>', 'also check that FILE is the input the shards were computed from')
    .option('--json', 'print a JSON summary on stdout (needs --out)')
    .action(async (dir: string, o: MergeCliOptions) => {
      const shards = o.shards === undefined ? undefined : Number(o.shards);
      if (shards !== undefined && !(Number.isInteger(shards) && shards >= 1)) throw new UserError(`--shards "${o.shards}": expected a positive integer`);
      if (o.json && o.out === undefined) throw new UserError('--json needs --out (stdout carries the merged output otherwise)');
      try {
        const r = await mergeShards({
          dir,
          ...(o.out !== undefined ? { out: o.out } : {}),
          ...(shards !== undefined ? { shards } : {}),
          ...(o.input !== undefined ? { input: o.input } : {}),
          write: (b) => new Promise<void>((resolve) => (process.stdout.write(b) ? resolve() : process.stdout.once('drain', () => resolve()))),
        });
        if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        process.stderr.write(`merge: ${r.shards} shards, ${r.documents} documents, ${r.bytes} bytes${r.out ? ` -> ${r.out}` : ''}\n`);
      } catch (e) {
        if (e instanceof MergeError) throw new UserError(`merge ${e.message}`);
        throw e;
      }
    });
}
