/**
 * Builds a relation model folder's `mesh-tree.tsv` (see inference/relations/meshHierarchy.ts)
 * from the MeSH 2024 descriptors in the shared vocabularies: every descriptor with a C (diseases)
 * or D (chemicals and drugs) tree number, with those tree numbers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export const MESH_DESCRIPTORS = 'mesh2024/descriptors.tsv.gz';

/** Writes `out` from `<vocabularies>/mesh2024/descriptors.tsv.gz`; returns the descriptors written. */
export function writeMeshTreeFile(vocabularies: string, out: string): number {
  const { text, descriptors } = meshTreeText(vocabularies);
  fs.writeFileSync(out, text);
  return descriptors;
}

/** The `mesh-tree.tsv` text of the C and D trees (what writeMeshTreeFile writes) and its descriptor count. */
export function meshTreeText(vocabularies: string): { text: string; descriptors: number } {
  const file = path.join(vocabularies, MESH_DESCRIPTORS);
  if (!fs.existsSync(file)) throw new Error(`${file}: no such file (the MeSH descriptors of the shared vocabularies)`);
  const lines = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n');
  const header = lines[0]!.split('\t');
  const idCol = header.indexOf('descriptor_ui');
  const treeCol = header.indexOf('tree_numbers');
  if (idCol < 0 || treeCol < 0) throw new Error(`${file}:1: expected columns descriptor_ui and tree_numbers`);
  const rows: string[] = ['# MeSH 2024 descriptors of the C and D trees: id, tree numbers (built by biore mesh-tree)'];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const f = line.split('\t');
    const trees = (f[treeCol] ?? '').split('|').filter((t) => t.startsWith('C') || t.startsWith('D'));
    if (trees.length) rows.push(`${f[idCol]}\t${trees.join('|')}`);
  }
  return { text: rows.join('\n') + '\n', descriptors: rows.length - 1 };
}
