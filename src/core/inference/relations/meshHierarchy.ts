/**
 * The MeSH hierarchy of the C (diseases) and D (chemicals) trees, as a relation model folder
 * carries it (`mesh-tree.tsv`: descriptor id, its tree numbers; built by `biore mesh-tree` from
 * the MeSH 2024 vocabulary). BC5CDR annotates the most specific concept a text supports, so when
 * a model relates a chemical both to a disease and to one of that disease's MeSH ancestors, the
 * broader pair is the one BC5CDR leaves out (Gu et al. 2016 handle hypernyms this way).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const MESH_TREE_FILE = 'mesh-tree.tsv';

export class MeshHierarchy {
  private constructor(private readonly trees: ReadonlyMap<string, readonly string[]>) {}

  /** One line per descriptor: `D000001<TAB>D02.355.291|D03.633.100`. */
  static parse(text: string, source: string): MeshHierarchy {
    const trees = new Map<string, string[]>();
    text.split('\n').forEach((line, i) => {
      if (line === '' || line.startsWith('#')) return;
      const [id, numbers] = line.split('\t');
      if (!id || !numbers) throw new Error(`${source}:${i + 1}: expected "descriptor<TAB>tree numbers"`);
      trees.set(id, numbers.split('|'));
    });
    return new MeshHierarchy(trees);
  }

  /** The hierarchy a model folder carries, or undefined when it has none. */
  static loadFrom(dir: string): MeshHierarchy | undefined {
    const file = path.join(dir, MESH_TREE_FILE);
    return fs.existsSync(file) ? MeshHierarchy.parse(fs.readFileSync(file, 'utf8'), file) : undefined;
  }

  get size(): number {
    return this.trees.size;
  }

  /** True when `broader` is a proper MeSH ancestor of `narrower` (in any of their tree positions). */
  isAncestor(broader: string, narrower: string): boolean {
    const a = this.trees.get(broader);
    const b = this.trees.get(narrower);
    if (!a || !b || broader === narrower) return false;
    return a.some((x) => b.some((y) => y.startsWith(x + '.')));
  }
}

/**
 * Indexes of positive pairs to drop: for each head concept, a tail that is a MeSH ancestor of
 * another predicted tail of the same head (and likewise a head that is an ancestor of another
 * predicted head of the same tail). Concept ids are the pair's argument ids.
 */
export function broaderPairs(pairs: ReadonlyArray<{ documentId: string; head: string; tail: string; positive: boolean }>, mesh: MeshHierarchy): number[] {
  const byHead = new Map<string, number[]>();
  const byTail = new Map<string, number[]>();
  pairs.forEach((p, i) => {
    if (!p.positive) return;
    const h = `${p.documentId}\t${p.head}`;
    const t = `${p.documentId}\t${p.tail}`;
    byHead.set(h, [...(byHead.get(h) ?? []), i]);
    byTail.set(t, [...(byTail.get(t) ?? []), i]);
  });
  const drop = new Set<number>();
  for (const group of byHead.values()) for (const i of group) if (group.some((j) => mesh.isAncestor(pairs[i]!.tail, pairs[j]!.tail))) drop.add(i);
  for (const group of byTail.values()) for (const i of group) if (group.some((j) => mesh.isAncestor(pairs[i]!.head, pairs[j]!.head))) drop.add(i);
  return [...drop].sort((a, b) => a - b);
}

/**
 * Indexes of negative pairs that are broader versions of a positive one in the same document:
 * the tail a MeSH ancestor of a positive tail of the same head, or the head an ancestor of a
 * positive head of the same tail. BC5CDR annotates only the most specific concept, so such a
 * pair is not a real negative (Gu et al. 2016 drop them from training). Training data only:
 * `positive` is the gold label.
 */
export function broaderNegatives(pairs: ReadonlyArray<{ documentId: string; head: string; tail: string; positive: boolean }>, mesh: MeshHierarchy): number[] {
  const tailsOfHead = new Map<string, string[]>();
  const headsOfTail = new Map<string, string[]>();
  for (const p of pairs) {
    if (!p.positive) continue;
    const h = `${p.documentId}\t${p.head}`;
    const t = `${p.documentId}\t${p.tail}`;
    tailsOfHead.set(h, [...(tailsOfHead.get(h) ?? []), p.tail]);
    headsOfTail.set(t, [...(headsOfTail.get(t) ?? []), p.head]);
  }
  const out: number[] = [];
  pairs.forEach((p, i) => {
    if (p.positive) return;
    const tails = tailsOfHead.get(`${p.documentId}\t${p.head}`) ?? [];
    const heads = headsOfTail.get(`${p.documentId}\t${p.tail}`) ?? [];
    if (tails.some((t) => mesh.isAncestor(p.tail, t)) || heads.some((h) => mesh.isAncestor(p.head, h))) out.push(i);
  });
  return out;
}
