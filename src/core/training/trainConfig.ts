/**
 * One training configuration, nanoGPT style: documented defaults, named presets, then command
 * line overrides, resolved in one function. The resolved config is saved beside every
 * checkpoint and exported model, so a model can always be rebuilt.
 */
import { z } from 'zod';

export const TrainConfigSchema = z.object({
  // ---- what to train
  /**
   * Objective: masked-language modelling, ELECTRA replaced-token detection, a classifier, or the
   * BiLSTM's next/previous-word language model (bilstmRelation/lstmLmJob.ts).
   */
  objective: z.enum(['mlm', 'electra', 'classify', 'lm']).default('mlm'),
  /** Output folder for checkpoints, logs and the exported model. */
  outDir: z.string().default('runs/default'),
  /** Tokenizer folder (tokenizer.json). */
  tokenizer: z.string().default('models/tokenizer'),
  /** Initialize from this model folder or checkpoint (empty: random init). */
  initFrom: z.string().default(''),

  // ---- model (the encoder)
  layers: z.number().int().positive().default(4),
  dModel: z.number().int().positive().default(256),
  heads: z.number().int().positive().default(4),
  ffn: z.number().int().positive().default(1024),
  maxPositions: z.number().int().positive().default(512),
  dropout: z.number().min(0).max(0.9).default(0.1),
  activation: z.enum(['gelu', 'gelu-sigmoid']).default('gelu'),
  /** ELECTRA generator width as a fraction of the discriminator's (the paper uses 1/4 to 1/3). */
  generatorScale: z.number().positive().max(1).default(0.25),

  // ---- data
  /** Tokens per training sequence. */
  seqLen: z.number().int().min(8).default(128),
  /** Sequences per optimizer step. */
  batchSize: z.number().int().positive().default(32),
  /** Share of tokens masked for MLM / replaced for ELECTRA. */
  maskProb: z.number().min(0).max(1).default(0.15),
  /** Mask whole words (all pieces of a word together) rather than single word pieces. */
  wholeWordMask: z.boolean().default(true),
  /** Share of documents held out for evaluation (by document hash, never trained on). */
  heldOutShare: z.number().min(0).max(0.5).default(0.01),

  // ---- optimization
  learningRate: z.number().positive().default(5e-4),
  /** Steps of linear warm-up from 0. */
  warmupSteps: z.number().int().min(0).default(500),
  /** Total optimizer steps (the schedule decays to minLrRatio·lr at the end). */
  maxSteps: z.number().int().positive().default(20000),
  /** Stop after this many minutes of wall time, whatever maxSteps says (0 = no limit). */
  maxMinutes: z.number().min(0).default(0),
  decay: z.enum(['linear', 'cosine', 'constant']).default('linear'),
  minLrRatio: z.number().min(0).max(1).default(0.1),
  weightDecay: z.number().min(0).default(0.01),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.98),
  epsilon: z.number().positive().default(1e-6),
  clipNorm: z.number().min(0).default(1.0),
  /**
   * Polyak averaging: evaluation, best-model selection and export use an exponential moving
   * average of the weights (decay min(averageDecay, (1+t)/(10+t)) at step t, so early steps are
   * not frozen in), while training steps the live weights as before; 0 = off (the live weights).
   * With it on, backends also report the live weights' F1 (`liveF1`) at each evaluation, so one
   * run compares both. Honoured by the families built on graphTrainer.ts (the tagger, the CNN and
   * BiLSTM relation models, the transformer relation fine-tuning); the pre-training loops (MLM,
   * ELECTRA) ignore it.
   */
  averageDecay: z.number().min(0).max(0.99999).default(0),

  // ---- relation fine-tuning (objective 'classify')
  /** Relation task whose candidates are classified. */
  task: z.enum(['ddi', 'cdr', 'drugprot', 'biored']).default('ddi'),
  /** Put the prompt sentence (`What is [TASK] between <e1>…</e1> and <e2>…</e2> ?`) in front. */
  prompt: z.boolean().default(true),
  /** Relation representation: the two entity-start markers, or the [CLS] token. */
  pooling: z.enum(['entity-start', 'cls']).default('entity-start'),
  /** Share of training documents held out as the development set (by document hash). */
  devShare: z.number().min(0).max(0.5).default(0.1),
  /**
   * Which devShare-wide slice of the document hash is held out (corpora/taskSplits.ts): 0 is the
   * usual split; devShare=0.2 with devFold=0…4 trains the five models of a cross-validation,
   * scored together by `biore cross-validate`.
   */
  devFold: z.number().int().min(0).default(0),
  /**
   * Corpora with an official dev set (BC5CDR, BioRED): train on train + dev and hold out
   * `devShare` of the union by document hash for selection, as DDI and DrugProt do (the usual
   * BC5CDR practice of training on train + dev, with selection kept off the test set).
   */
  mergeDev: z.boolean().default(false),
  /** Use only this share of the remaining training documents (low-resource curves). */
  trainShare: z.number().min(0).max(1).default(1),
  /** Loss weight of `none` examples (class imbalance). */
  noneWeight: z.number().min(0).default(1),
  /**
   * Learning rate of the weights taken from `initFrom` (a pre-trained encoder: the transformer's,
   * the BiLSTM language model's LSTM) relative to the rest (the new head); graphTrainer.ts.
   */
  encoderLrScale: z.number().min(0).default(1),

  // ---- bookkeeping
  seed: z.number().int().default(1337),
  /** onnxruntime intra-op threads. */
  threads: z.number().int().positive().default(2),
  evalEvery: z.number().int().positive().default(500),
  /** Batches used per evaluation. */
  evalBatches: z.number().int().positive().default(20),
  checkpointEvery: z.number().int().positive().default(1000),
  logEvery: z.number().int().positive().default(50),
});

export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/** Named presets: partial configs applied over the defaults. */
export const PRESETS: Record<string, Partial<TrainConfig>> = {
  /** A few steps on a tiny model: for tests and smoke runs. */
  tiny: { layers: 1, dModel: 32, heads: 2, ffn: 64, seqLen: 32, batchSize: 8, maxSteps: 20, warmupSteps: 2, evalEvery: 10, evalBatches: 2, checkpointEvery: 10, logEvery: 5, maxPositions: 64 },
  /** The encoder sized for a laptop: 4 layers, 256 wide, MLM. */
  'mlm-small': { objective: 'mlm', layers: 4, dModel: 256, heads: 4, ffn: 1024, seqLen: 128, batchSize: 32 },
  /** Relation classifier fine-tuning on top of an encoder (set task, initFrom). */
  'finetune-small': { objective: 'classify', layers: 4, dModel: 256, heads: 4, ffn: 1024, seqLen: 160, batchSize: 16, learningRate: 5e-5, warmupSteps: 200, maxSteps: 3000, evalEvery: 500, checkpointEvery: 500, weightDecay: 0.01, beta2: 0.999, epsilon: 1e-8 },
  /** Same discriminator trained with ELECTRA's replaced-token detection. */
  'electra-small': { objective: 'electra', layers: 4, dModel: 256, heads: 4, ffn: 1024, seqLen: 128, batchSize: 32, learningRate: 1e-3, generatorScale: 0.25 },
};

/** Defaults (schema) < preset < overrides; validated. Throws a readable Error on bad values. */
export function resolveConfig(preset: string | undefined, overrides: Record<string, unknown> = {}): TrainConfig {
  const base = preset ? PRESETS[preset] : {};
  if (!base) throw new Error(`unknown preset "${preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
  const r = TrainConfigSchema.safeParse({ ...base, ...overrides });
  if (!r.success) {
    throw new Error(`invalid training config: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

/** A spelled config key as the schemas name it: `--max-words` and `max-words` are `maxWords`. */
export function camelKey(k: string): string {
  return k.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * One model family's settings from `key=value` pairs: the family's own keys (`schema`) with
 * their defaults, the loop's TrainConfig from the family's `defaults` < the remaining overrides,
 * with the family's objective.
 */
export function resolveFamilyConfig<S extends z.ZodObject>(schema: S, defaults: Partial<TrainConfig>, pairs: readonly string[], what: string, objective: TrainConfig['objective'], normalizeKey: (k: string) => string = camelKey): { train: TrainConfig; model: z.infer<S> } {
  const { model, rest } = splitModelOverrides(schema, pairs, what, normalizeKey);
  return { train: resolveConfig(undefined, { ...defaults, ...parseOverrides(rest), objective }), model };
}

/**
 * Parse `key=value` overrides from the command line. Keys may be camelCase or kebab-case;
 * values are coerced to the type of the key's default.
 */
export function parseOverrides(pairs: readonly string[]): Record<string, unknown> {
  const defaults = TrainConfigSchema.parse({}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`override "${pair}" is not key=value`);
    const key = camelKey(pair.slice(0, eq));
    const raw = pair.slice(eq + 1);
    if (!(key in defaults)) throw new Error(`unknown config key "${key}"`);
    const d = defaults[key];
    if (typeof d === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(`${key} needs a number, got "${raw}"`);
      out[key] = n;
    } else if (typeof d === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new Error(`${key} needs true or false, got "${raw}"`);
      out[key] = raw === 'true';
    } else out[key] = raw;
  }
  return out;
}

/** Learning rate at a 1-based step: linear warm-up, then the configured decay. */
export function learningRateAt(step: number, c: Pick<TrainConfig, 'learningRate' | 'warmupSteps' | 'maxSteps' | 'decay' | 'minLrRatio'>): number {
  if (c.warmupSteps > 0 && step <= c.warmupSteps) return (c.learningRate * step) / c.warmupSteps;
  if (c.decay === 'constant') return c.learningRate;
  const span = Math.max(1, c.maxSteps - c.warmupSteps);
  const progress = Math.min(1, (step - c.warmupSteps) / span);
  const floor = c.minLrRatio * c.learningRate;
  const shape = c.decay === 'linear' ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
  return floor + (c.learningRate - floor) * shape;
}

/**
 * Split `key=value` pairs between a model's own settings (`schema`, e.g. the CNN's or the
 * tagger's) and the loop's TrainConfig: pairs whose key the schema has are typed from the
 * schema's defaults (numbers, true/false, strings) and validated by it; the rest are returned
 * for `parseOverrides`. `normalizeKey` maps a spelled key to the schema's (default: as is).
 */
export function splitModelOverrides<S extends z.ZodObject>(schema: S, pairs: readonly string[], what: string, normalizeKey: (k: string) => string = (k) => k): { model: z.infer<S>; rest: string[] } {
  const defaults = schema.parse({}) as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  const rest: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? normalizeKey(pair.slice(0, eq)) : '';
    if (!(key in defaults)) {
      rest.push(pair);
      continue;
    }
    const v = pair.slice(eq + 1);
    const d = defaults[key];
    if (typeof d === 'number') {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`${key} needs a number, got "${v}"`);
      raw[key] = n;
    } else if (typeof d === 'boolean') {
      if (v !== 'true' && v !== 'false') throw new Error(`${key} needs true or false, got "${v}"`);
      raw[key] = v === 'true';
    } else raw[key] = v;
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new Error(`invalid ${what} config: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { model: r.data, rest };
}
