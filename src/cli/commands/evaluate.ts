/**
 * `biore evaluate --task T [--model DIR] [--json]`: score a shipped (or given) model on a task's
 * test split, recomputing every prediction. Each task family registers an evaluator here.
 */
import type { Command } from 'commander';
import { RELATION_EVAL_TASKS, evaluateRelations } from '../../core/modelEvaluation/evaluateRelations';
import { ModelFolderError, loadRelationPredictor } from '../../core/inference/relations/relationPredictor';
import { NER_EVAL_TASKS, evaluateCdrFromText, evaluateNer } from '../../core/modelEvaluation/evaluateMentions';
import { loadLexicon } from '../../core/inference/normalization/conceptMatcher';
import { loadNerTagger } from '../../core/inference/mentions/nerTagger';
import { LEXICON_FILE } from '../../core/inference/modelFolders';
import { DEFAULT_NER_MODEL } from './annotate';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { calibrateRules } from '../../core/modelEvaluation/calibrateRules';
import { fitPairStacker } from '../../core/modelEvaluation/fitPairStacker';
import { calibrateThresholds } from '../../core/modelEvaluation/calibrateThresholds';
import { buildEnsemble } from '../../core/modelEvaluation/buildEnsemble';
import { crossValidate } from '../../core/modelEvaluation/crossValidate';
import { writeMeshTreeFile } from '../../core/corpora/meshTrees';
import { dataRoot } from '../../core/corpora/dataRoot';
import { MESH_TREE_FILE } from '../../core/inference/relations/meshHierarchy';
import { cidOutOfCorpus } from '../../core/modelEvaluation/outOfCorpus';
import { UserError } from '../userError';

/** Options every evaluator receives. */
export interface EvaluateOptions {
  model?: string;
  threads: number;
  entities: string;
  /** Another split than the task's test split (relation tasks; e.g. to choose a rule on dev). */
  split?: string;
  /** DDI: negative-pair filters on or off (default: the shipped setting). */
  ddiFilters?: string;
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
        return { ...(await evaluateRelations(task, o.model ?? 'models', { threads: o.threads, ...(o.split ? { split: o.split } : {}), ...(o.ddiFilters ? { negativeFilters: o.ddiFilters === 'on' } : {}) })) };
      } catch (e) {
        if (/has no split/.test((e as Error).message)) throw new UserError((e as Error).message);
        throw e;
      }
    },
  ]),
  // CID suggestions on abstracts outside BC5CDR (BioRED test minus shared PMIDs): precision of what a curator sees.
  [
    'cdr-outside',
    async (_task: string, o: EvaluateOptions) => {
      if (o.entities !== 'gold' || o.split) throw new UserError('cdr-outside uses BioRED test with its own mentions; --entities and --split do not apply');
      return { task: 'cdr-outside', ...(await cidOutOfCorpus(o.model ?? 'models', { threads: o.threads })) };
    },
  ],
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
    .command('mesh-tree')
    .description('write a relation model folder\'s mesh-tree.tsv (MeSH 2024 C and D tree numbers, for the broader-concept step) from the shared vocabularies')
    .requiredOption('--to <dir>', 'relation model folder')
    .option('--vocabularies <dir>', 'vocabularies folder', path.join(dataRoot(), 'vocabularies'))
    .action((o: { to: string; vocabularies: string }) => {
      try {
        const n = writeMeshTreeFile(o.vocabularies, path.join(o.to, MESH_TREE_FILE));
        process.stdout.write(JSON.stringify({ file: path.join(o.to, MESH_TREE_FILE), descriptors: n }) + '\n');
      } catch (e) {
        throw new UserError((e as Error).message);
      }
    });
  program
    .command('calibrate-thresholds')
    .description("choose a relation model's per-class decision biases on the documents it held out (kept when they gain at least --min-gain F1 there); writes the model folder's config.json")
    .requiredOption('--task <task>', 'relation task (ddi, drugprot, biored; bc5cdr on the model alone: run calibrate-rules after it)')
    .option('--model <dir>', 'relation model folder, or a folder of them', 'models')
    .option('--min-gain <f1>', 'smallest held-out F1 gain that keeps the biases', '0.3')
    .option('--shared', 'one bias for all relation classes against none instead of one per class')
    .option('--threads <n>', 'inference threads', '2')
    .action(async (o: { task: string; model: string; minGain: string; threads: string; shared?: boolean }) => {
      try {
        const r = await calibrateThresholds(o.task, o.model, { threads: Number(o.threads), minGain: Number(o.minGain), shared: o.shared === true, command: `biore calibrate-thresholds --task ${o.task} --model ${o.model} --min-gain ${o.minGain}${o.shared ? ' --shared' : ''}` });
        process.stdout.write(JSON.stringify(r) + '\n');
      } catch (e) {
        if (e instanceof ModelFolderError || /unknown relation task|no relation model|records no training split/.test((e as Error).message)) throw new UserError((e as Error).message);
        throw e;
      }
    });
  program
    .command('ensemble')
    .description('build an ensemble folder from relation model folders of one task (their calibrated probabilities averaged); --fit chooses the first of two members\' weight on the documents they held out')
    .requiredOption('--task <task>', 'relation task (ddi, bc5cdr, drugprot, biored)')
    .requiredOption('--members <dirs>', 'member model folders, comma-separated (copied into the ensemble)')
    .requiredOption('--to <dir>', 'new ensemble folder')
    .option('--weights <w>', 'member weights, comma-separated (default: equal)')
    .option('--fit', 'choose the first member\'s weight (0, 0.1, …, 1) on the held-out documents')
    .option('--threads <n>', 'inference threads', '2')
    .action(async (o: { task: string; members: string; to: string; weights?: string; fit?: boolean; threads: string }) => {
      const members = o.members.split(',').filter(Boolean);
      const weights = o.weights?.split(',').map(Number);
      if (weights && !weights.every((w) => Number.isFinite(w) && w >= 0)) throw new UserError(`--weights: expected non-negative numbers, got ${o.weights}`);
      try {
        const command = `biore ensemble --task ${o.task} --members ${o.members} --to ${o.to}${o.weights ? ` --weights ${o.weights}` : ''}${o.fit ? ' --fit' : ''}`;
        const r = await buildEnsemble(o.task, members, o.to, { ...(weights ? { weights } : {}), fit: o.fit === true, threads: Number(o.threads), command });
        process.stdout.write(JSON.stringify(r) + '\n');
      } catch (e) {
        if (e instanceof ModelFolderError || /unknown relation task|needs at least|--fit|--weights|already exists|no such file/.test((e as Error).message)) throw new UserError((e as Error).message);
        throw e;
      }
    });
  program
    .command('cross-validate')
    .description('score one training recipe by k-fold cross-validation: the model folders of one command run with devShare=1/k and devFold=0…k-1, each scored on the training documents it held out, pooled')
    .requiredOption('--task <task>', 'relation task (ddi, bc5cdr, drugprot, biored)')
    .requiredOption('--models <dirs>', 'one model folder per fold, comma-separated')
    .option('--threads <n>', 'inference threads', '2')
    .action(async (o: { task: string; models: string; threads: string }) => {
      try {
        const r = await crossValidate(o.task, o.models.split(',').filter(Boolean), { threads: Number(o.threads) });
        process.stdout.write(JSON.stringify(r) + '\n');
      } catch (e) {
        if (e instanceof ModelFolderError || /unknown relation task|needs the model folders|held out by both|no relation model|records no training split|is not a fold|no such file/.test((e as Error).message)) throw new UserError((e as Error).message);
        throw e;
      }
    });
  program
    .command('fit-stacker')
    .description("fit a BC5CDR model folder's pair stacker (a logistic regression over the model's probability and the pair's document features) on a fitting model's predictions for documents that model never trained on; reports a cross-validated comparison with the folder's rules; writes pair-stacker.json into the folder")
    .requiredOption('--task <task>', 'relation task with a pair stacker (bc5cdr)')
    .option('--model <dir>', 'relation model folder (or a folder of them) to fit the stacker for', 'models')
    .requiredOption('--fit-model <dir>', 'relation model folder trained without the documents the stacker is fitted on (the same recipe, corpus dev split left out)')
    .option('--l2 <x>', 'L2 penalty on the standardized weights', '1')
    .option('--folds <k>', 'folds of the cross-validation over the fitting documents', '5')
    .option('--threads <n>', 'inference threads', '2')
    .action(async (o: { task: string; model: string; fitModel: string; l2: string; folds: string; threads: string }) => {
      const l2 = Number(o.l2);
      if (!(l2 > 0)) throw new UserError(`--l2 ${o.l2}: use a positive number`);
      try {
        const r = await fitPairStacker(o.task, o.model, o.fitModel, { threads: Number(o.threads), l2, folds: Number(o.folds), command: `biore fit-stacker --task ${o.task} --model ${o.model} --fit-model ${o.fitModel}${o.l2 === '1' ? '' : ` --l2 ${o.l2}`}` });
        process.stdout.write(JSON.stringify(r) + '\n');
      } catch (e) {
        if (e instanceof ModelFolderError || /unknown relation task|has no pair stacker|no relation model|records no training split|fitting model|--folds|documents to fit on|overlap/.test((e as Error).message)) throw new UserError((e as Error).message);
        throw e;
      }
    });
  program
    .command('calibrate-rules')
    .description("fit a relation model's document rules on the documents it held out: keep the ones that help, give their suggestions the probability of being right; writes the model folder's config.json")
    .requiredOption('--task <task>', 'relation task with document rules (bc5cdr)')
    .option('--model <dir>', 'relation model folder, or a folder of them', 'models')
    .option('--threads <n>', 'inference threads', '2')
    .action(async (o: { task: string; model: string; threads: string }) => {
      try {
        const r = await calibrateRules(o.task, o.model, { threads: Number(o.threads), command: `biore calibrate-rules --task ${o.task} --model ${o.model}` });
        process.stdout.write(JSON.stringify(r) + '\n');
      } catch (e) {
        if (e instanceof ModelFolderError || /unknown relation task|has no document rules|no relation model|records no training split/.test((e as Error).message)) throw new UserError((e as Error).message);
        throw e;
      }
    });

  program
    .command('evaluate')
    .description('score a model on a task\'s test split with the official scorer (recomputed every time)')
    .requiredOption('--task <name>', `task: ${Object.keys(EVALUATORS).join('|')}`)
    .option('--model <dir>', 'model folder (default: the shipped models in models/)')
    .option('--entities <source>', 'gold (mentions from the corpus) or predicted (from the text)', 'gold')
    .option('--threads <n>', 'inference threads', '2')
    .option('--split <name>', 'relation tasks: score another split than the test split: a corpus split (e.g. dev), or heldout (the documents the model held out for selection, where rules, filters and thresholds are chosen)')
    .option('--ddi-filters <on|off>', 'DDI: apply the negative-pair filters or not (default: the shipped setting)')
    .option('--json', 'print one JSON object')
    .action(async (o: { task: string; model?: string; entities: string; threads: string; split?: string; ddiFilters?: string; json?: boolean }) => {
      if (o.ddiFilters !== undefined && o.ddiFilters !== 'on' && o.ddiFilters !== 'off') throw new UserError(`--ddi-filters ${o.ddiFilters}: use on or off`);
      const evaluator = EVALUATORS[o.task];
      if (!evaluator) throw new UserError(`unknown task "${o.task}" (use ${Object.keys(EVALUATORS).join(', ')})`);
      let r: Record<string, unknown>;
      try {
        r = await evaluator(o.task, { ...(o.model === undefined ? {} : { model: o.model }), ...(o.split === undefined ? {} : { split: o.split }), ...(o.ddiFilters === undefined ? {} : { ddiFilters: o.ddiFilters }), threads: Number(o.threads), entities: o.entities });
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
