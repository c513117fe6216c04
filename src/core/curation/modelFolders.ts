/**
 * Where relation models are: the folder the user set, or the bundled `models/relation-*` folders
 * (one per task), plus fine-tuned or downloaded versions kept in extension storage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A relation model folder as the model picker lists it. */
export interface ModelFolder {
  dir: string;
  /** Folder name, shown to the user. */
  label: string;
}

/** True when `dir` holds a model (`model.onnx` or a `config.json` naming one). */
export function isModelFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'model.onnx')) || fs.existsSync(path.join(dir, 'config.json'));
}

/** `relation-*` model folders directly under each root (missing roots are skipped), sorted by name. */
export function findRelationModels(roots: readonly string[]): ModelFolder[] {
  const out: ModelFolder[] = [];
  for (const root of roots) {
    let names: string[];
    try {
      names = fs.readdirSync(root);
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      const dir = path.join(root, n);
      if (n.startsWith('relation-') && isModelFolder(dir)) out.push({ dir, label: n });
    }
  }
  return out;
}
