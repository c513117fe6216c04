/**
 * `biore score --task T GOLD PRED`: the official scorers on files.
 * GOLD and PRED may be `corpus:split` (e.g. `ddi:test`), a corpus folder (DDI XML, DrugProt TSV),
 * or any PubTator / BioC XML / BioC JSON file. A DrugProt PRED may also be a relations TSV in the
 * official submission layout (`PMID  TYPE  Arg1:T1  Arg2:T3`), read against GOLD's entities.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import type { Document } from '../../core/document/document';
import { readCollection } from '../../core/formats/formatIo';
import { readDdiDirectory } from '../../core/formats/ddiXml';
import { parseDrugProt, readDrugProtDirectory } from '../../core/formats/drugprotTsv';
import { loadSplit, findCorpus } from '../../core/corpora/registry';
import { formatScore, scoreTask } from '../../core/evaluation/scorers';
import { TASK_NAMES, type TaskName } from '../../core/tasks/definitions';
import { UserError } from '../userError';

/** Documents from a `corpus:split` reference, a folder, or a file. */
export async function loadDocuments(spec: string, task: TaskName): Promise<Document[]> {
  const ref = /^([a-z0-9-]+):([a-z-]+)$/.exec(spec);
  if (ref && findCorpus(ref[1]!) && !fs.existsSync(spec)) return (await loadSplit(ref[1]!, ref[2]!)).documents;
  if (!fs.existsSync(spec)) throw new UserError(`${spec}: no such file, folder or corpus:split`);
  if (fs.statSync(spec).isDirectory()) {
    if (task === 'ddi') {
      const subdirs = fs.readdirSync(spec).filter((d) => fs.statSync(path.join(spec, d)).isDirectory());
      const dirs = subdirs.length ? subdirs.map((d) => path.join(spec, d)) : [spec];
      return dirs.flatMap((d) => readDdiDirectory(d).documents);
    }
    if (task === 'drugprot') return readDrugProtDirectory(spec).documents;
    throw new UserError(`${spec}: a folder is only understood for --task ddi or drugprot`);
  }
  return (await readCollection(spec)).documents;
}

/** DrugProt predictions in the official TSV layout, resolved against the gold folder's entities. */
function loadDrugProtPredictionTsv(goldDir: string, predFile: string): Document[] {
  const find = (suffix: string): string => {
    const f = fs.readdirSync(goldDir).find((x) => x.endsWith(suffix));
    if (!f) throw new UserError(`${goldDir}: no *${suffix} file`);
    return path.join(goldDir, f);
  };
  const input = (file: string): { source: string; text: string } => ({ source: file, text: fs.readFileSync(file, 'utf8') });
  return parseDrugProt({
    abstracts: input(find('_abstracs.tsv')),
    entities: input(find('_entities.tsv')),
    relations: input(predFile),
  }).documents;
}

export function registerScore(program: Command): void {
  program
    .command('score')
    .description('score predicted relations against gold with the official protocol of a task')
    .requiredOption('--task <task>', `one of ${TASK_NAMES.join(', ')}`)
    .argument('<gold>', 'gold: corpus:split, a corpus folder, or a file')
    .argument('<pred>', 'predictions: a file (PubTator, BioC XML/JSON, DDI folder, DrugProt relations TSV)')
    .option('--json', 'print JSON')
    .action(async (gold: string, pred: string, opts: { task: string; json?: boolean }) => {
      const task = opts.task as TaskName;
      if (!TASK_NAMES.includes(task)) throw new UserError(`unknown task "${opts.task}" (use one of ${TASK_NAMES.join(', ')})`);
      const goldDocs = await loadDocuments(gold, task);
      let predDocs: Document[];
      if (task === 'drugprot' && pred.endsWith('.tsv') && fs.existsSync(gold) && fs.statSync(gold).isDirectory()) {
        predDocs = loadDrugProtPredictionTsv(gold, pred);
      } else {
        predDocs = await loadDocuments(pred, task);
      }
      const score = scoreTask(task, goldDocs, predDocs, { goldSource: gold, predictedSource: pred });
      process.stdout.write(opts.json ? JSON.stringify(score, null, 1) + '\n' : formatScore(score) + '\n');
    });
}
