/**
 * One `biore wordvec finetune` run of the CNN relation model: encode the task's candidates,
 * train with the shared loop (cnnBackend.ts), keep the best dev step, fit a softmax temperature
 * per task on dev, then score the exported model once on each task's test set.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rng } from '../../engine/initialize';
import type { Document } from '../../document/document';
import { expectedCalibrationError, fitTemperature } from '../../evaluation/calibration';
import { scoreCandidatePredictions } from '../../evaluation/candidateScores';
import { MODEL_FILE, readModelConfig, readModelWeights } from '../../inference/modelFolders';
import { encodeCnnCandidates, predictCnn, type CnnExample } from '../../inference/relations/cnnRelationModel';
import { DOCUMENT_RULE_TASKS, applyDocumentRules } from '../../inference/relations/documentRules';
import type { RelationPrediction } from '../../inference/relations/relationPrediction';
import { createSession } from '../../runtime/session';
import { generateAllCandidates, type Candidate } from '../../tasks/candidates';
import { MeshHierarchy, broaderNegatives } from '../../inference/relations/meshHierarchy';
import { meshTreeText } from '../../corpora/meshTrees';
import { dataRoot } from '../../corpora/dataRoot';
import { taskLabels, type TaskName } from '../../tasks/definitions';
import { loadWordVectors } from '../../wordvec/wordVectors';
import { UNK_ID } from '../../wordvec/wordVocab';
import { taskDocuments } from '../../corpora/taskSplits';
import type { TrainConfig } from '../trainConfig';
import { BEST_DIR, type TrainProgress, type TrainSummary } from '../trainer';
import { runTrainingJob } from '../trainingJob';
import { resolveCnnConfig, type CnnConfig } from './cnnConfig';
import { createCnnBackend } from './cnnBackend';
import { readLanguageModelFeatures } from '../bilstmRelation/lstmLanguageModel';
import { taskOffsets } from './cnnGraph';

const candidatesOf = (ex: readonly CnnExample[]) => ex.map((e) => e.candidate);

// ---------------------------------------------------------------------------------- job

/** One `biore wordvec finetune` run. */
export interface CnnFinetuneJob {
  /** key=value overrides: CNN keys (vectors, windows, filters, ...) and TrainConfig keys. */
  overrides: readonly string[];
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  onLog?: (line: string) => void;
  resume?: boolean;
  command?: string;
}

/** Test numbers of one task. */
export interface CnnTaskResult {
  precision: number;
  recall: number;
  f1: number;
  byType: Record<string, { precision: number; recall: number; f1: number }>;
  /** Expected calibration error (%) on test, after the temperature fitted on dev. */
  ece: number;
  temperature: number;
  /** Dev F1 of the exported (quantized) model; compare with the training graph's best dev F1. */
  devF1Exported: number;
  /** BC5CDR: the same predictions after the task's document rules (what the runtime serves). */
  withDocumentRules?: { precision: number; recall: number; f1: number };
}

/** What a run reports: the dev numbers that selected the model and the test numbers of that model. */
export interface CnnFinetuneResult {
  summary: TrainSummary;
  /** Best dev metrics (official scorer), the model-selection numbers. */
  dev: Record<string, number> | undefined;
  /** Test (DrugProt: dev) numbers per trained task. */
  test: Partial<Record<TaskName, CnnTaskResult>>;
  examples: { train: number; dev: number; test: number };
  bestModel: string;
  config: { train: TrainConfig; cnn: CnnConfig };
}

const round2 = (x: number): number => +x.toFixed(2);

/** N(0, 0.1²) values (Box–Muller on the seeded generator). */
function randomTable(n: number, seed: number): Float32Array {
  const r = rng(seed ^ 0x5eed);
  return Float32Array.from({ length: n }, () => 0.1 * Math.sqrt(-2 * Math.log(Math.max(1e-12, r()))) * Math.cos(2 * Math.PI * r()));
}

/** The task list of a model folder (multi-task: by task id), or undefined when it has one. */
function folderTasks(dir: string): TaskName[] | undefined {
  const cfg = readModelConfig(dir);
  const t = cfg['model_tasks'];
  return Array.isArray(t) ? (t as TaskName[]) : undefined;
}

/**
 * Train the CNN on one task or several (same documents, dev split and candidates as
 * `biore finetune`), keep the best dev-F1 step, fit a softmax temperature per task on dev, then
 * score that exported model once on each task's test set.
 */
export async function runCnnFinetune(job: CnnFinetuneJob): Promise<CnnFinetuneResult> {
  const { train: config, cnn } = resolveCnnConfig(job.overrides);
  const log = job.onLog ?? (() => {});
  const loaded = loadWordVectors(cnn.vectors);
  const wv = cnn.randomVectors ? { ...loaded, vectors: randomTable(loaded.vectors.length, config.seed), meta: { ...loaded.meta, vectorsSha256: 'random', data: null, params: null } } : loaded;
  // The model's task list: initFrom's (stage 2 of transfer), else `tasks`, else `task`.
  const modelTasks: TaskName[] = (config.initFrom ? folderTasks(config.initFrom) : undefined) ?? (cnn.tasks ? (cnn.tasks.split(',') as TaskName[]) : [config.task]);
  const excluded = new Set(cnn.exclude ? cnn.exclude.split(',') : []);
  const trainTasks: TaskName[] = cnn.target ? [cnn.target as TaskName] : config.initFrom && modelTasks.length > 1 ? [config.task] : modelTasks.filter((t) => !excluded.has(t));
  for (const t of trainTasks) if (!modelTasks.includes(t)) throw new Error(`task ${t} is not among the model's tasks (${modelTasks.join(', ')})`);
  const enc = { blinding: cnn.blinding, maxWords: cnn.maxWords, maxDistance: cnn.maxDistance };
  const t0 = Date.now();
  const trainEx: CnnExample[] = [];
  const dev: CnnExample[] = [];
  const test: CnnExample[] = [];
  const devDocs = new Map<TaskName, Document[]>();
  const testDocs = new Map<TaskName, Document[]>();
  const multi = modelTasks.length > 1;
  for (const task of trainTasks) {
    const docs = await taskDocuments(task, config);
    const tag = (ex: CnnExample[]): CnnExample[] => (multi ? ex.map((e) => ({ ...e, taskId: modelTasks.indexOf(task) })) : ex);
    const examples = (ds: Document[]): CnnExample[] => tag(encodeCnnCandidates(wv.vocab, ds, generateAllCandidates(task, ds, { negativeFilters: cnn.negativeFilters }), task, enc));
    const trainCandidates = generateAllCandidates(task, docs.train, { negativeFilters: cnn.negativeFilters });
    const kept = task === 'cdr' && cnn.broaderNegatives === 'drop' ? withoutBroaderNegatives(trainCandidates, log) : trainCandidates;
    const tr = tag(encodeCnnCandidates(wv.vocab, docs.train, kept, task, enc));
    trainEx.push(...tr);
    dev.push(...examples(docs.dev));
    test.push(...examples(docs.test));
    devDocs.set(task, docs.dev);
    testDocs.set(task, docs.test);
    log(`${task}: train ${tr.length} examples (${docs.train.length} docs), dev ${docs.dev.length} docs, test ${docs.test.length} docs`);
  }
  const unk = trainEx.reduce((n, e) => n + e.words.filter((w) => w === UNK_ID).length, 0);
  const words = trainEx.reduce((n, e) => n + e.words.length, 0);
  log(`examples: train ${trainEx.length}, dev ${dev.length}, test ${test.length}; ${(words / Math.max(1, trainEx.length)).toFixed(1)} words per train example, ${((100 * unk) / Math.max(1, words)).toFixed(2)}% unknown; encoded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const features = cnn.lmFeatures ? readLanguageModelFeatures(cnn.lmFeatures, wv.meta['vectorsSha256']) : undefined;
  const initialWeights = config.initFrom || features ? new Map([...(config.initFrom ? readModelWeights(config.initFrom) : []), ...(features?.weights ?? [])]) : undefined;
  const backend = await createCnnBackend({ config, cnn, vectors: wv, tasks: modelTasks, train: trainEx, dev, devDocs, exportTasks: trainTasks, ...(initialWeights ? { initialWeights } : {}), ...(features ? { lmFeatures: features.lmFeatures } : {}) });
  const a = backend.arch;
  if (initialWeights) log(`${[config.initFrom && `initFrom ${config.initFrom}`, cnn.lmFeatures && `lmFeatures ${cnn.lmFeatures}`].filter(Boolean).join(', ')}: ${backend.loadedWeights.length} weights taken (${backend.loadedWeights.join(', ')})`);
  log(`${a.family === 'bilstm' ? `bilstm: ${a.hidden} per direction × ${a.seqLen} steps, pooling max${a.attnDim ? ' + attention' : ''}${a.entityPooling ? ' + entities' : ''}` : `cnn: ${a.windows.join(',')} × ${a.filters} filters`}, words ${backend.arch.wordDim}d + 2 × ${backend.arch.posDim}d positions, ${backend.arch.tuneRows} tuned word rows of ${backend.arch.vocabSize}; tasks ${modelTasks.join(',')}${multi ? (cnn.taskPrompt ? ' with task prompt' : ' without task prompt') : ''}; training on ${trainTasks.join(',')}`);
  const meta = {
    seed: config.seed,
    command: job.command ?? `biore wordvec finetune ${job.overrides.join(' ')}`.trim(),
    data: { tasks: trainTasks, trainExamples: trainEx.length, devExamples: dev.length, initFrom: config.initFrom || null },
  };
  const summary = await runTrainingJob(backend, { config, resolved: { train: config, cnn }, meta, select: { metric: 'f1', mode: 'max' }, controls: job });
  // Calibrate on dev, then test once, with the best model as exported (the file a runtime loads).
  const bestDir = path.join(config.outDir, BEST_DIR);
  const session = await createSession(path.join(bestDir, MODEL_FILE), { threads: config.threads });
  const offsets = multi ? taskOffsets(backend.arch.taskClasses) : [0];
  const forTask = (t: number, temperature = 1) => (ex: readonly CnnExample[]): Promise<RelationPrediction[]> => predictCnn(session, ex, { temperature, classRange: [offsets[t]!, offsets[t]! + taskLabels(modelTasks[t]!).length] });
  const cfgFile = path.join(bestDir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
  const results: Partial<Record<TaskName, CnnTaskResult>> = {};
  try {
    for (const task of trainTasks) {
      const t = modelTasks.indexOf(task);
      const mine = (ex: CnnExample[]): CnnExample[] => (multi ? ex.filter((e) => e.taskId === t) : ex);
      const devPreds = await forTask(t)(mine(dev));
      // The shipped file (quantized word table) against the training graph, on the selecting metric.
      const devExport = scoreCandidatePredictions(task, devDocs.get(task)!, candidatesOf(mine(dev)), devPreds).micro.f1;
      const devTrain = summary.best?.[multi ? `f1.${task}` : 'f1'];
      log(`${task}: dev F1 exported model ${devExport.toFixed(2)} vs training graph ${devTrain?.toFixed(2) ?? '?'} (word table ${cnn.wordTable})`);
      const temperature = fitTemperature(devPreds.map((p) => p.logits), mine(dev).map((e) => e.label));
      const testEx = mine(test);
      const preds = await forTask(t, temperature)(testEx);
      const s = scoreCandidatePredictions(task, testDocs.get(task)!, candidatesOf(testEx), preds);
      const withRules = DOCUMENT_RULE_TASKS.has(task) ? scoreCandidatePredictions(task, testDocs.get(task)!, candidatesOf(testEx), applyDocumentRules(task, testDocs.get(task)!, testEx.map((e) => e.candidate), taskLabels(task), preds)).micro : undefined;
      const cal = expectedCalibrationError(preds.map((p) => p.prob), preds.map((p, i) => p.label === testEx[i]!.label));
      results[task] = {
        precision: round2(s.micro.precision),
        recall: round2(s.micro.recall),
        f1: round2(s.micro.f1),
        byType: Object.fromEntries(Object.entries(s.byType).map(([k, v]) => [k, { precision: round2(v.precision), recall: round2(v.recall), f1: round2(v.f1) }])),
        ece: round2(cal.ece),
        temperature: +temperature.toFixed(4),
        devF1Exported: round2(devExport),
        ...(withRules ? { withDocumentRules: { precision: round2(withRules.precision), recall: round2(withRules.recall), f1: round2(withRules.f1) } } : {}),
      };
      const calibration = { temperature: +temperature.toFixed(4), fittedOn: 'dev', testEce: round2(cal.ece) };
      if (multi) ((cfg['tasks'] as Record<string, Record<string, unknown>>)[task]!)['calibration'] = calibration;
      else cfg['calibration'] = calibration;
    }
  } finally {
    await session.dispose();
  }
  cfg['test_metrics'] = results;
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 1) + '\n');
  return { summary, dev: summary.best, test: results, examples: { train: trainEx.length, dev: dev.length, test: test.length }, bestModel: bestDir, config: { train: config, cnn } };
}

/** CDR training candidates without the broader-concept negatives (cnnConfig `broaderNegatives`). */
function withoutBroaderNegatives(candidates: Candidate[], log: (line: string) => void): Candidate[] {
  const mesh = MeshHierarchy.parse(meshTreeText(path.join(dataRoot(), 'vocabularies')).text, 'MeSH 2024 descriptors');
  const drop = new Set(broaderNegatives(candidates.map((c) => ({ documentId: c.documentId, head: c.head.id, tail: c.tail.id, positive: c.label !== 'none' })), mesh));
  log(`cdr: ${drop.size} training negatives dropped as broader MeSH concepts of a positive pair (of ${candidates.filter((c) => c.label === 'none').length})`);
  return candidates.filter((_, i) => !drop.has(i));
}
