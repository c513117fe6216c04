/**
 * `biore bench decisions`: how long "Fine-tune on My Decisions" takes for N curator decisions.
 * The decisions are simulated from a corpus's gold (each gold relation accepted, a matching
 * number of negative pairs rejected as if they had been suggested), on training documents.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { loadSplit } from '../../core/corpora/registry';
import type { Document, Relation } from '../../core/document/document';
import { fineTuneOnDecisions } from '../../core/training/cnnRelation/fineTuneOnDecisions';
import { relationModelFolders } from '../../core/inference/relations/relationPredictor';
import { candidateToRelation, generateCandidates } from '../../core/tasks/candidates';
import type { TaskName } from '../../core/tasks/definitions';

const CORPUS: Record<TaskName, string> = { ddi: 'ddi', cdr: 'bc5cdr', drugprot: 'drugprot', biored: 'biored' };

export function registerBenchDecisions(bench: Command): void {
  bench
    .command('decisions')
    .description('seconds to fine-tune a relation model on N simulated curator decisions (accepted gold + rejected negatives)')
    .option('--model <dir>', 'relation model folder', 'models/relation-ddi')
    .option('--task <task>', 'task whose training documents give the decisions', 'ddi')
    .option('--decisions <n>', 'number of decisions', '200')
    .option('--threads <n>', 'threads', '1')
    .action(async (o: { model: string; task: string; decisions: string; threads: string }) => {
      const task = o.task as TaskName;
      const dir = relationModelFolders(o.model)[0]!;
      const docs = (await loadSplit(CORPUS[task], 'train')).documents;
      const want = Number(o.decisions);
      const out: Document[] = [];
      let n = 0;
      for (const d of docs) {
        if (n >= want) break;
        const cands = generateCandidates(task, d);
        const rels: Relation[] = [];
        for (const c of cands) {
          if (n >= want) break;
          // Accept gold; reject the first negatives of the document (a "suggestion" turned down).
          const positive = c.label !== 'none';
          if (!positive && rels.filter((r) => r.status === 'rejected').length >= 2) continue;
          const r = candidateToRelation(c, positive ? c.label : candidateTypeFor(task));
          if (!r) continue;
          rels.push({ ...r, status: positive ? 'accepted' : 'rejected' });
          n++;
        }
        if (rels.length) out.push({ ...d, relations: rels });
      }
      const outDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'biore-decisions-')), 'model');
      const r = await fineTuneOnDecisions({ modelDir: dir, documents: out, outDir, threads: Number(o.threads) });
      fs.rmSync(path.dirname(outDir), { recursive: true, force: true });
      process.stdout.write(JSON.stringify({ model: dir, task, decisions: n, ...r, outDir: undefined }, null, 1) + '\n');
    });
}

/** A type to reject for a negative pair (any real type of the task). */
function candidateTypeFor(task: TaskName): string {
  return { ddi: 'effect', cdr: 'CID', drugprot: 'INHIBITOR', biored: 'Association' }[task];
}
