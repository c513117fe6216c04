/**
 * Model folders in the Hugging Face layout: `model.onnx` (forward-only, weights as
 * initializers), `config.json` (architecture, labels, task, metrics, resolved training config,
 * seed, data hashes, the command that rebuilt it) and `tokenizer.json` (+ its sidecars).
 * The runtime loads exactly this; the training core writes exactly this.
 *
 * The one place that knows how model folders are laid out, what kind each one is, and how they
 * are found (the CLI, the worker and the extension all ask here).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeInitializers, tensorFloats, DataType } from '../engine/onnxProto';
import { FP16_SUFFIX, INT8_SUFFIX, SCALE_SUFFIX, fromHalf } from '../engine/graph';

export const MODEL_FILE = 'model.onnx';
export const CONFIG_FILE = 'config.json';
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'tokenizer_meta.json'] as const;
/** The normalization lexicon inside a mention tagger folder. */
export const LEXICON_FILE = 'lexicon.tsv';
/** `model_type` of the CNN relation model folders. */
export const RELATION_MODEL_TYPE = 'biore-cnn-relation';
/** `model_type` of the BiLSTM relation model folders (same inputs and outputs as the CNN's). */
export const BILSTM_RELATION_MODEL_TYPE = 'biore-bilstm-relation';
/**
 * `model_type` of an ensemble folder: member model folders in subfolders, whose calibrated
 * probabilities are averaged (inference/relations/relationEnsemble.ts).
 */
export const ENSEMBLE_RELATION_MODEL_TYPE = 'biore-relation-ensemble';
/** Every relation `model_type` this runtime loads. */
export const RELATION_MODEL_TYPES: ReadonlySet<string> = new Set([RELATION_MODEL_TYPE, BILSTM_RELATION_MODEL_TYPE, ENSEMBLE_RELATION_MODEL_TYPE]);
/** `model_type` of the mention tagger folder (the CNN family). */
export const TAGGER_MODEL_TYPE = 'biore-cnn-ner';
/** `model_type` of a BiLSTM tagger folder (inputs and outputs as its config.json lists them). */
export const BILSTM_TAGGER_MODEL_TYPE = 'biore-bilstm-ner';
/** Every tagger `model_type` this runtime loads. */
export const TAGGER_MODEL_TYPES: ReadonlySet<string> = new Set([TAGGER_MODEL_TYPE, BILSTM_TAGGER_MODEL_TYPE]);
/** Folder name of the mention tagger among the bundled models. */
export const TAGGER_FOLDER = 'ner';

/**
 * The `models/` folder shipped with this package, found from this module's own location (so
 * `biore annotate` works from any folder, and from an installed package): the `models/` folder
 * beside the nearest `package.json` above the running code (the bundle in `dist/`, or the compiled
 * tests in `out/`). Falls back to `models` in the working folder.
 */
export function bundledModelsRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'models'))) return path.join(dir, 'models');
    if (path.dirname(dir) === dir) return 'models';
  }
}

/** The shipped mention tagger folder (`<bundledModelsRoot>/ner`). */
export function bundledTaggerFolder(from?: string): string {
  return path.join(bundledModelsRoot(from), TAGGER_FOLDER);
}

/** Error for a folder that is not a usable model folder; the message names the path and a fix. */
export class ModelFolderError extends Error {
  override name = 'ModelFolderError';
}

/** A model folder as pickers and status lines list it. */
export interface ModelFolder {
  dir: string;
  /** Folder name, shown to the user. */
  label: string;
}

/** True when `dir` holds a model (`model.onnx` or a `config.json` naming one). */
export function isModelFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, MODEL_FILE)) || fs.existsSync(path.join(dir, CONFIG_FILE));
}

/** The `model_type` a folder's config.json declares; undefined when it has none or cannot be read. */
export function modelTypeOf(dir: string): string | undefined {
  try {
    const t = readModelConfig(dir)['model_type'];
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Relation model folders in each root, in order: a root that is itself a model folder stands for
 * itself (its kind is checked when it is loaded); otherwise its subfolders whose config.json says
 * `biore-cnn-relation`, sorted by name. Missing roots are skipped.
 */
export function findRelationModels(roots: readonly string[]): ModelFolder[] {
  const out: ModelFolder[] = [];
  for (const root of roots) {
    if (fs.existsSync(path.join(root, CONFIG_FILE))) {
      out.push({ dir: root, label: path.basename(root) });
      continue;
    }
    let names: string[];
    try {
      names = fs.readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue;
    }
    for (const n of names.sort()) if (RELATION_MODEL_TYPES.has(modelTypeOf(path.join(root, n)) ?? '')) out.push({ dir: path.join(root, n), label: n });
  }
  return out;
}

/** The relation model folders of `dir` (findRelationModels); throws ModelFolderError when there are none. */
export function relationModelFolders(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new ModelFolderError(`${dir}: no such folder; set biore.model.path (or --model) to a relation model folder`);
  const found = findRelationModels([dir]);
  if (found.length === 0) throw new ModelFolderError(`${dir}: holds no relation model folder (config.json with model_type ${RELATION_MODEL_TYPE})`);
  return found.map((m) => m.dir);
}

/** The mention tagger folder: `ner/` in the first root that has one with a config.json. */
export function findTaggerModel(roots: readonly string[]): string | undefined {
  return roots.map((r) => path.join(r, TAGGER_FOLDER)).find((d) => fs.existsSync(path.join(d, CONFIG_FILE)));
}

/** Write a model folder; files are written to temporary names and renamed into place. */
export function writeModelFolder(dir: string, onnx: Uint8Array, config: Record<string, unknown>, tokenizerDir?: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const put = (name: string, data: string | Uint8Array): void => {
    const tmp = path.join(dir, `.${name}.tmp-${process.pid}`);
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, path.join(dir, name));
  };
  put(MODEL_FILE, onnx);
  if (tokenizerDir) {
    for (const f of TOKENIZER_FILES) {
      const src = path.join(tokenizerDir, f);
      if (fs.existsSync(src) && path.resolve(src) !== path.resolve(dir, f)) put(f, fs.readFileSync(src));
    }
  }
  put(CONFIG_FILE, JSON.stringify(config, null, 1) + '\n');
}

/** Rewrites a model folder's config.json (temporary file, then rename), e.g. after a calibration. */
export function writeModelConfig(dir: string, config: Record<string, unknown>): void {
  const tmp = path.join(dir, `.${CONFIG_FILE}.tmp-${process.pid}`);
  fs.writeFileSync(tmp, JSON.stringify(config, null, 1) + '\n');
  fs.renameSync(tmp, path.join(dir, CONFIG_FILE));
}

/** The config.json of a model folder; throws naming the folder when absent or invalid. */
export function readModelConfig(dir: string): Record<string, unknown> {
  const file = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(file)) throw new Error(`${dir}: no ${CONFIG_FILE} (not a model folder)`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** The float32 weights stored in a model folder's model.onnx, by initializer name. */
export function readModelWeights(dir: string): Map<string, Float32Array> {
  const bytes = fs.readFileSync(path.join(dir, MODEL_FILE));
  const out = new Map<string, Float32Array>();
  const int8 = new Map<string, Int8Array>();
  for (const t of decodeInitializers(bytes)) {
    if (t.name === undefined) continue;
    if (t.dataType === DataType.FLOAT) out.set(t.name, tensorFloats(t));
    else if (t.dataType === DataType.INT8 && t.name.endsWith(INT8_SUFFIX)) int8.set(t.name.slice(0, -INT8_SUFFIX.length), new Int8Array(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength));
    else if (t.dataType === DataType.FLOAT16 && t.name.endsWith(FP16_SUFFIX)) {
      const bits = new Uint16Array(t.raw.length / 2);
      new Uint8Array(bits.buffer).set(t.raw);
      out.set(t.name.slice(0, -FP16_SUFFIX.length), fromHalf(bits));
    }
  }
  // Row-quantized tables come back as float32 (codes × row scale) under their plain name.
  for (const [name, codes] of int8) {
    const scales = out.get(name + SCALE_SUFFIX);
    if (!scales) continue;
    const cols = codes.length / scales.length;
    out.set(name, Float32Array.from(codes, (c, i) => c * scales[Math.floor(i / cols)]!));
    out.delete(name + SCALE_SUFFIX);
  }
  return out;
}
