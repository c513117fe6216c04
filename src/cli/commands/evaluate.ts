/**
 * `biore evaluate --task T [--model DIR] [--json]`: score a shipped (or given) model on a task's
 * test split, recomputing every prediction. Each task family registers an evaluator here.
 */
import type { Command } from 'commander';
import { RELATION_EVAL_TASKS, evaluateRelations } from '../../core/relations/evaluateRelations';
import { ModelFolderError, loadRelationPredictor } from '../../core/relations/relationPredictor';
import { NER_EVAL_TASKS, evaluateCdrFromText, evaluateNer } from '../../core/ner/evaluateNer';
import { loadLexicon } from '../../core/ner/conceptMatcher';
import { loadNerTagger } from '../../core/ner/nerTagger';
import { DEFAULT_NER_MODEL, LEXICON_FILE } from './annotate';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../userError';

/** Options every evaluator receives. */
export interface EvaluateOptions {
  model?: string;
  threads: number;
  entities: string;
  /** Another split than the task's test split (relation tasks; e.g. to choose a rule on dev). */
  split?: string;
}

type Evaluator = (task: string, o: EvaluateOptions) => Promise<Record<string, unknown>>;

/** Task name → evaluator. Relation tasks default to every relation model under models/. */
export const EVALUATORS: Record<string, Evaluator> = Object.fromEntries([
  ...Object.keys(RELATION_EVAL_TASKS).map((t): [string, Evaluator] => [
    t,
    async (task: string, o: EvaluateOptions) => {
      if (o.entities === 'predicted' && (task === 'bc5cdr' || task === 'cdr')) {
        if (o.split) throw new UserError('--split does not apply with --entities predicted');
        return evaluateCdrEndToEnd(task, o);
      }
      if (o.entities !== 'gold') throw new UserError(`--entities ${o.entities} is not available for ${task}`);
      try {
        return { ...(await evaluateRelations(task, o.model ?? 'models', { threads: o.threads, ...(o.split ? { split: o.split } : {}) })) };
      } catch (e) {
        if (/has no split/.test((e as Error).message)) throw new UserError((e as Error).message);
        throw e;
      }
    },
  ]),
  // Mention detection (+ normalization for ner-bc5cdr) with the tagger in models/ner.
  ...Object.keys(NER_EVAL_TASKS).map((t): [string, Evaluator] => [
    t,
    async (task: string, o: EvaluateOptions) => {
      if (o.entities !== 'gold') throw new UserError(`--entities does not apply to ${task}`);
      if (o.split) throw new UserError(`--split does not apply to ${task}`);
      const model = o.model ?? DEFAULT_NER_MODEL;
      const lexicon = path.join(model, LEXICON_FILE);
      try {
        return { ...(await evaluateNer(task, model, { threads: o.threads, ...(fs.existsSync(lexicon) ? { lexicon } : {}) })) };
      } catch (e) {
        if (/not a mention tagger|no config\.json|is missing/.test((e as Error).message)) throw new UserError((e as Error).message);
        throw e;
      }
    },
  ]),
]);

/** BC5CDR CID from raw text: tagger + lexicon in models/ner, relation model(s) from --model or models/. */
async function evaluateCdrEndToEnd(task: string, o: EvaluateOptions): Promise<Record<string, unknown>> {
  const lexFile = path.join(DEFAULT_NER_MODEL, LEXICON_FILE);
  const tagger = await loadNerTagger(DEFAULT_NER_MODEL, { threads: o.threads }).catch((e: unknown) => {
    throw new UserError((e as Error).message);
  });
  const predictor = await loadRelationPredictor(o.model ?? 'models', { threads: o.threads });
  try {
    const r = await evaluateCdrFromText(tagger, loadLexicon(lexFile), { predict: (doc, po) => predictor.predict(doc, { task: 'cdr', ...(po?.signal ? { signal: po.signal } : {}) }) });
    const gold = await evaluateRelations(task, o.model ?? 'models', { threads: o.threads });
    return { task, entities: 'predicted', ...r, goldEntities: { precision: gold.precision, recall: gold.recall, f1: gold.f1 }, nerModel: DEFAULT_NER_MODEL, lexicon: lexFile, model: o.model ?? 'models' };
  } finally {
    await tagger.dispose();
    await predictor.dispose();
  }
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('score a model on a task\'s test split with the official scorer (recomputed every time)')
    .requiredOption('--task <name>', `task: ${Object.keys(EVALUATORS).join('|')}`)
    .option('--model <dir>', 'model folder (default: the shipped models in models/)')
    .option('--entities <source>', 'gold (mentions from the corpus) or predicted (from the text)', 'gold')
    .option('--threads <n>', 'inference threads', '2')
    .option('--split <name>', 'relation tasks: score another split of the corpus than its test split (e.g. dev, where rules and thresholds are chosen)')
    .option('--json', 'print one JSON object')
    .action(async (o: { task: string; model?: string; entities: string; threads: string; split?: string; json?: boolean }) => {
      const evaluator = EVALUATORS[o.task];
      if (!evaluator) throw new UserError(`unknown task "${o.task}" (use ${Object.keys(EVALUATORS).join(', ')})`);
      let r: Record<string, unknown>;
      try {
        r = await evaluator(o.task, { ...(o.model === undefined ? {} : { model: o.model }), ...(o.split === undefined ? {} : { split: o.split }), threads: Number(o.threads), entities: o.entities });
      } catch (e) {
        if (e instanceof ModelFolderError) throw new UserError(e.message);
        throw e;
      }
      if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
      else {
        process.stdout.write(`${o.task}: P ${String(r['precision'])} R ${String(r['recall'])} F1 ${String(r['f1'])}\n`);
        const byType = (r['byType'] ?? {}) as Record<string, { precision: number; recall: number; f1: number }>;
        for (const [t, v] of Object.entries(byType)) process.stdout.write(`  ${t.padEnd(24)} P ${v.precision.toFixed(2)} R ${v.recall.toFixed(2)} F1 ${v.f1.toFixed(2)}\n`);
      }
    });
}
