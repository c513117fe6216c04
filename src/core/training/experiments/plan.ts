/**
 * The relation experiments behind docs/results.md: the paper's table (target-only, merged-only,
 * merged + target), the ablations the paper lacks (prompt, pre-training), the low-resource
 * curve, and the classical floor. Each experiment is one training run with fixed settings; its
 * result JSON records the command, wall time and throughput, and the report is rebuilt from them.
 *
 * Settings shared by every CNN run (decided on DDI dev, see docs/results.md): skip-gram 200d
 * vectors, windows 3-5 × 100 filters, entity blinding, one max over the sentence (piecewise
 * pooling measured worse on DDI dev: 64.24 vs 65.84), `none` weighted 0.3.
 */
import type { TaskName } from '../../tasks/definitions';

export type ExperimentGroup = 'paper' | 'ablation' | 'low-resource' | 'baseline';

export interface Experiment {
  id: string;
  group: ExperimentGroup;
  /** One line for the report. */
  what: string;
  kind: 'cnn' | 'ngram';
  /** The tasks whose test numbers the run reports. */
  tasks: TaskName[];
  /** key=value overrides of `biore wordvec finetune` (cnn) or `biore baseline` (ngram). */
  overrides: string[];
  /** Runs that must have finished first (their best models are this run's initFrom). */
  after: string[];
}

const VECTORS = 'vectors=runs/wordvec-sg200';
const COMMON = [VECTORS, 'noneWeight=0.3', 'threads=2'];
const MERGED_TASKS = 'ddi,cdr,drugprot,biored';
export const EXPERIMENT_DIR = 'runs/exp';
const out = (id: string): string => `outDir=${EXPERIMENT_DIR}/${id}`;
const best = (id: string): string => `initFrom=${EXPERIMENT_DIR}/${id}/best`;

function targetOnly(task: TaskName, extra: string[] = [], id = `${task}-target`, group: ExperimentGroup = 'paper', what = `${task}: target corpus only`): Experiment {
  return { id, group, what, kind: 'cnn', tasks: [task], overrides: [`task=${task}`, ...COMMON, out(id), ...extra], after: [] };
}

function stage2(task: TaskName, from: string, extra: string[] = [], id = `${task}-merged+target`, group: ExperimentGroup = 'paper', what = `${task}: merged corpus, then target corpus`): Experiment {
  return { id, group, what, kind: 'cnn', tasks: [task], overrides: [`task=${task}`, `target=${task}`, ...COMMON, best(from), out(id), 'maxSteps=2500', 'warmupSteps=50', 'learningRate=0.0005', ...extra], after: [from] };
}

const TARGETS: TaskName[] = ['ddi', 'cdr', 'drugprot'];

export const EXPERIMENTS: readonly Experiment[] = [
  ...TARGETS.map((t) => targetOnly(t)),
  { id: 'merged', group: 'paper', what: 'merged corpus only (DDI + BC5CDR + DrugProt + BioRED, BioREx-style labels), no target fine-tune', kind: 'cnn', tasks: ['ddi', 'cdr', 'drugprot', 'biored'], overrides: ['task=ddi', `tasks=${MERGED_TASKS}`, ...COMMON, out('merged'), 'maxSteps=5000', 'evalEvery=1000', 'checkpointEvery=1000'], after: [] },
  ...TARGETS.map((t) => stage2(t, 'merged')),
  ...TARGETS.map((t): Experiment => ({ id: `ngram-${t}`, group: 'baseline', what: `${t}: logistic regression on hashed n-grams`, kind: 'ngram', tasks: [t], overrides: [`task=${t}`], after: [] })),
  { id: 'merged-noprompt', group: 'ablation', what: 'merged corpus only, without the task prompt (tasks share every filter)', kind: 'cnn', tasks: ['ddi', 'cdr', 'drugprot', 'biored'], overrides: ['task=ddi', `tasks=${MERGED_TASKS}`, 'taskPrompt=false', ...COMMON, out('merged-noprompt'), 'maxSteps=5000', 'evalEvery=1000', 'checkpointEvery=1000'], after: [] },
  targetOnly('ddi', ['randomVectors=true'], 'ddi-target-randomvec', 'ablation', 'ddi: target only, random word vectors instead of skip-gram (no pre-training)'),
  targetOnly('cdr', ['mergeDev=true'], 'cdr-target-mergedev', 'ablation', 'cdr: target only, trained on train + dev (10 % of the union held out for selection)'),
  stage2('cdr', 'merged', ['mergeDev=true'], 'cdr-merged+target-mergedev', 'ablation', 'cdr: merged corpus, then BC5CDR train + dev (10 % of the union held out for selection)'),
  targetOnly('ddi', ['maxWords=50'], 'ddi-target-window50', 'ablation', 'ddi: target only, at most 50 words around the pair'),
  targetOnly('ddi', ['pooling=piecewise'], 'ddi-target-piecewise', 'ablation', 'ddi: target only, piecewise max pooling (left / between / right of the pair) instead of one max'),
  {
    id: 'merged-noddi',
    group: 'low-resource',
    what: 'merged corpus without DDI (BC5CDR + DrugProt + BioRED; DDI head untrained): the transfer source for the DDI curve',
    kind: 'cnn',
    tasks: ['cdr', 'drugprot', 'biored'],
    overrides: ['task=cdr', `tasks=${MERGED_TASKS}`, 'exclude=ddi', ...COMMON, out('merged-noddi'), 'maxSteps=4000', 'evalEvery=1000', 'checkpointEvery=1000'],
    after: [],
  },
  ...[10, 25, 50, 100].flatMap((pct) => [
    ...(pct === 100 ? [] : [targetOnly('ddi', [`trainShare=${pct / 100}`, 'maxSteps=2500'], `ddi-target-${pct}pct`, 'low-resource', `ddi: ${pct} % of the training documents, target only`)]),
    stage2('ddi', 'merged-noddi', [`trainShare=${pct / 100}`], `ddi-transfer-${pct}pct`, 'low-resource', `ddi: ${pct} % of the training documents, after the merged model without DDI`),
  ]),
];

export function findExperiment(id: string): Experiment | undefined {
  return EXPERIMENTS.find((e) => e.id === id);
}
