/**
 * Settings of the CNN relation model family (see cnnGraph.ts): defaults, presets, key=value
 * overrides. The shared loop settings stay in TrainConfig.
 */
import { z } from 'zod';
import { TrainConfigSchema, resolveFamilyConfig, type TrainConfig } from '../trainConfig';

/** CNN settings (the shared loop settings stay in TrainConfig). */
export const CnnConfigSchema = z.object({
  /** Word-vector folder written by `biore wordvec train`. */
  vectors: z.string().default('runs/wordvec'),
  /** Convolution widths, comma-separated. */
  windows: z.string().regex(/^[1-9]\d*(,[1-9]\d*)*$/, 'comma-separated positive widths').default('3,4,5'),
  /** Filters per width. */
  filters: z.number().int().positive().default(100),
  /** Size of each relative-position embedding. */
  posDim: z.number().int().positive().default(10),
  /** Relative distances are clipped to ±maxDistance. */
  maxDistance: z.number().int().positive().default(50),
  /** Words per example at most (a window around the two arguments is kept). */
  maxWords: z.number().int().min(8).default(150),
  /** Replace the pair's mentions by DRUG1/DRUG2 and other mentions by DRUG0. */
  blinding: z.boolean().default(true),
  /** Fine-tune the word vectors (as a trainable offset); false keeps them frozen. */
  tuneEmbeddings: z.boolean().default(true),
  /**
   * Subtract the mean of the trained word vectors first. Skip-gram vectors share one large common
   * direction (Mimno & Thompson 2017; it dominates on a corpus this small), which carries no
   * information about a word and makes every input look alike to the convolutions.
   */
  centerVectors: z.boolean().default(true),
  /**
   * Tasks trained together, comma-separated (e.g. `ddi,cdr,drugprot,biored`: BioREx-style merged
   * training, each task with its own label slice and its own `none`); empty = the loop's `task`
   * alone. The exported model takes a `task_id` input when several tasks share it.
   */
  tasks: z.string().regex(/^$|^(ddi|cdr|drugprot|biored)(,(ddi|cdr|drugprot|biored))*$/, 'comma-separated task names').default(''),
  /**
   * The prompt, CNN style: a learned per-task bias on every convolution filter, so the whole
   * input is read in the light of the task asked about, as the prompt sentence does for a
   * transformer. false = tasks share every weight except their label slices (the ablation).
   */
  taskPrompt: z.boolean().default(true),
  /**
   * Train only this task's examples although `initFrom`'s model knows several (stage 2 of deep
   * transfer: merged model → target corpus). Empty = every task in `tasks`.
   */
  target: z.string().regex(/^$|^(ddi|cdr|drugprot|biored)$/).default(''),
  /**
   * Tasks the model has heads for but stage 1 does not train on (comma-separated): a merged model
   * that never saw the target corpus, for the low-resource transfer curve.
   */
  exclude: z.string().regex(/^$|^(ddi|cdr|drugprot|biored)(,(ddi|cdr|drugprot|biored))*$/).default(''),
  /**
   * Replace the skip-gram vectors by random ones (same vocabulary; N(0, 0.1²)): the "without
   * pre-training" ablation.
   */
  randomVectors: z.boolean().default(false),
  /**
   * Max over the whole sentence, or piecewise (Zeng et al. 2015): one max over the words up to
   * the first argument, one between the arguments, one after the second, so the words between the
   * pair (where most relations are said) are not drowned by the rest of a long sentence.
   */
  pooling: z.enum(['max', 'piecewise']).default('max'),
  /**
   * Focal loss exponent γ (Lin et al. 2017; lever 3 of the relation issue, class imbalance): the
   * loss of a pair the model already gets right is scaled by (1 − p)^γ. 0 is plain cross-entropy.
   */
  focalGamma: z.number().min(0).default(0),
  /**
   * Weight of the detection loss (relation or none, from the same softmax; relationLoss.ts) added
   * to the cross-entropy: the two-stage / auxiliary-binary form of the class-imbalance lever.
   * Single-task models only. 0 is none.
   */
  detectionWeight: z.number().min(0).default(0),
  /** How the exported model stores its word table: int8 rows with a scale each (¼ of float32), or float16. */
  wordTable: z.enum(['int8', 'fp16']).default('int8'),
  /**
   * The encoder over the same inputs: the CNN (cnnGraph.ts), or a BiLSTM (bilstmGraph.ts, Zhou et
   * al. 2018 / Sahu & Anand 2018 style) with max, additive-attention and entity-position pooling.
   * A BiLSTM's training graph is unrolled over `maxWords` steps (every batch padded to it).
   */
  family: z.enum(['cnn', 'bilstm']).default('cnn'),
  /**
   * DDI: drop the negative pairs of tasks/ddiFilters.ts before training, and have the exported
   * model drop them at prediction too (recorded in its config.json as `negative_filters`).
   */
  negativeFilters: z.boolean().default(false),
  /**
   * BC5CDR: drop training negatives that are a broader MeSH concept of a positive pair of the
   * same document (the disease an ancestor of a gold disease of the same chemical, or the
   * chemical of a gold chemical with the same disease); the MeSH 2024 C and D trees come from
   * `<data>/vocabularies`. Training split only: selection and test keep every pair.
   */
  broaderNegatives: z.enum(['keep', 'drop']).default('keep'),
  /** BiLSTM: hidden units per direction. */
  hidden: z.number().int().positive().default(200),
  /** BiLSTM: width of the additive-attention scorer (0 = no attention head). */
  attnDim: z.number().int().min(0).default(100),
  /** BiLSTM: mean of the states over the head and over the tail mention as two more heads. */
  entityPooling: z.boolean().default(true),
  /**
   * BiLSTM: a language-model folder (`wordvec lm`, trained on these vectors) whose LSTM reads the
   * words beside the relation LSTM, frozen, its states part of that LSTM's input (ELMo-style
   * features; bilstmGraph.ts `lmFeatures`). Empty = none. `initFrom=` the same folder instead
   * initializes the relation LSTM itself.
   */
  lmFeatures: z.string().default(''),
  /** BiLSTM: position-aware attention (the scorer also reads each token's two position embeddings; bilstmGraph.ts). */
  positionAttention: z.boolean().default(false),
});

/** Resolved CNN settings. */
export type CnnConfig = z.infer<typeof CnnConfigSchema>;

/**
 * Loop settings the CNN starts from, before key=value overrides: the classic recipe (Adam 1e-3,
 * batch 50, dropout 0.5), 10 passes over DDI's ~25k training candidates, dev every pass.
 */
export const CNN_TRAIN_DEFAULTS: Partial<TrainConfig> = {
  objective: 'classify',
  task: 'ddi',
  outDir: 'runs/cnn-ddi',
  batchSize: 50,
  learningRate: 1e-3,
  warmupSteps: 100,
  maxSteps: 5000,
  decay: 'linear',
  minLrRatio: 0.1,
  dropout: 0.5,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  clipNorm: 5,
  evalEvery: 500,
  checkpointEvery: 500,
  logEvery: 50,
};

/** Parse `key=value` overrides into the loop config (CNN_TRAIN_DEFAULTS < overrides) and the CNN config. */
export function resolveCnnConfig(pairs: readonly string[]): { train: TrainConfig; cnn: CnnConfig } {
  const { train, model } = resolveFamilyConfig(CnnConfigSchema, CNN_TRAIN_DEFAULTS, pairs, 'CNN', 'classify');
  return { train, cnn: model };
}

/** Keys `resolveCnnConfig` understands (for help texts). */
export function cnnConfigKeys(): string[] {
  return [...Object.keys(CnnConfigSchema.shape), ...Object.keys(TrainConfigSchema.shape)];
}

/** Convolution widths of a config. */
export function parseWindows(s: string): number[] {
  return s.split(',').map(Number);
}
