/**
 * Measures the goal "200 decisions fine-tune in under a minute on a laptop CPU": takes a
 * relation model folder and BC5CDR test abstracts, plays a curator who accepted every gold CID
 * pair and rejected the other candidates until `n` decisions exist, and times the fine-tune.
 * usage: node out/test/bench/fineTuneDecisions.js MODEL_DIR [n=200] [threads=1]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fineTuneOnDecisions } from '../../src/core/curation/fineTuneOnDecisions';
import { parsePubTator } from '../../src/core/formats/pubtator';
import type { Document, Relation } from '../../src/core/model/document';
import { taskView } from '../../src/core/relations/taskView';
import { candidateToRelation, generateCandidates } from '../../src/core/tasks/candidates';
import { dataRoot } from '../../src/core/corpora/dataRoot';

async function main(modelDir: string, n: number, threads: number): Promise<void> {
  const file = path.join(dataRoot(), 'bc5cdr', 'CDR.Corpus.v010516', 'CDR_TestSet.PubTator.txt');
  const docs: Document[] = [];
  let decisions = 0;
  for (const doc of parsePubTator(fs.readFileSync(file, 'utf8'), file).documents) {
    if (decisions >= n) break;
    const relations: Relation[] = [];
    for (const c of generateCandidates('cdr', taskView(doc, 'cdr'))) {
      if (decisions >= n) break;
      const r = candidateToRelation(c, 'CID')!;
      relations.push({ ...r, status: c.label === 'CID' ? 'accepted' : 'rejected' });
      decisions++;
    }
    docs.push({ ...doc, relations });
  }
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ftbench-')), 'relation-cdr-ft');
  const r = await fineTuneOnDecisions({ modelDir, outDir: out, documents: docs, threads });
  console.log(JSON.stringify({ decisions, documents: docs.length, threads, ...r }));
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
}

main(process.argv[2] ?? 'models/relation-cdr', Number(process.argv[3] ?? 200), Number(process.argv[4] ?? 1)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
