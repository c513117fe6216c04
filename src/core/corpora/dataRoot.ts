import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Folder holding the shared corpora. `BIORE_DATA` overrides it; otherwise `../shared/data`
 * beside the repository (found by walking up from this file, so it works from `src`, `out` and
 * `dist` alike), then `../shared/data` relative to the working directory.
 */
export function dataRoot(): string {
  const env = process.env['BIORE_DATA'];
  if (env) return path.resolve(env);
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      return path.resolve(dir, '..', 'shared', 'data');
    }
    dir = path.dirname(dir);
  }
  return path.resolve(process.cwd(), '..', 'shared', 'data');
}

/** True when the corpora are present (tests on real data skip, loudly, when not). */
export function hasData(): boolean {
  return fs.existsSync(path.join(dataRoot(), 'bc5cdr'));
}
