/**
 * `biore corpus list|stats`: what the data folder holds, per corpus and split, after the leak
 * guard: documents, mentions, relations by type, candidates, positive ratio, recall ceiling,
 * leak-guard removals and offset mismatches.
 */
import type { Command } from 'commander';
import { CORPORA, findCorpus, loadSplit, splitAvailable } from '../../core/corpora/registry';
import { dataRoot } from '../../core/corpora/dataRoot';
import { checkOffsets, documentAnnotations, type Document } from '../../core/document/document';
import { generateAllCandidates, recallCeiling } from '../../core/tasks/candidates';
import { ddiFilterStats } from '../../core/tasks/ddi';
import { UserError } from '../userError';

/** One row of `corpus stats --json`. */
export interface SplitStats {
  corpus: string;
  split: string;
  role: string;
  documents: number;
  mentions: number;
  mentionsByType: Record<string, number>;
  relations: number;
  relationsByType: Record<string, number>;
  candidates: number | null;
  positiveCandidates: number | null;
  positiveRatio: number | null;
  recallCeiling: number | null;
  offsetMismatches: number;
  /** Relations with a concept argument that no mention of the document carries. */
  danglingRelations: number;
  leakGuardRemoved: number;
  leakGuardByReason: Record<string, number>;
  seconds: number;
}

function danglingRelations(doc: Document): number {
  const ids = new Set<string>();
  const annotationIds = new Set<string>();
  for (const a of documentAnnotations(doc)) {
    annotationIds.add(a.id);
    for (const id of a.ids) ids.add(id);
    const raw = a.attributes['pubtator:id'];
    if (raw !== undefined) ids.add(raw);
  }
  return doc.relations.filter((r) =>
    r.args.some((x) => (x.ref.kind === 'concept' ? !ids.has(x.ref.id) : !annotationIds.has(x.ref.id))),
  ).length;
}

function countBy(items: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of items) out[k] = (out[k] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Statistics of one corpus split (loads it through the registry, so the leak guard applies). */
export async function splitStats(corpusName: string, splitName: string): Promise<SplitStats> {
  const t0 = Date.now();
  const corpus = findCorpus(corpusName)!;
  const loaded = await loadSplit(corpusName, splitName);
  const docs = loaded.documents;
  const mentions = docs.flatMap(documentAnnotations);
  const relations = docs.flatMap((d) => d.relations);
  let candidates: number | null = null;
  let positives: number | null = null;
  let ceiling: number | null = null;
  if (corpus.task) {
    const cands = generateAllCandidates(corpus.task, docs);
    candidates = cands.length;
    positives = cands.filter((c) => c.label !== 'none').length;
    ceiling = relations.length ? +recallCeiling(docs, cands, corpus.task).ceiling.toFixed(2) : null;
  }
  return {
    corpus: corpusName,
    split: splitName,
    role: loaded.split.role,
    documents: docs.length,
    mentions: mentions.length,
    mentionsByType: countBy(mentions.map((m) => m.type)),
    relations: relations.length,
    relationsByType: countBy(relations.map((r) => r.type)),
    candidates,
    positiveCandidates: positives,
    positiveRatio: candidates ? +((100 * positives!) / candidates).toFixed(2) : null,
    recallCeiling: ceiling,
    offsetMismatches: docs.reduce((n, d) => n + checkOffsets(d).length, 0),
    danglingRelations: docs.reduce((n, d) => n + danglingRelations(d), 0),
    leakGuardRemoved: loaded.leakGuardRemoved,
    leakGuardByReason: loaded.leakGuardByReason,
    seconds: +((Date.now() - t0) / 1000).toFixed(2),
  };
}

function table(rows: SplitStats[]): string {
  const head = ['corpus', 'split', 'docs', 'mentions', 'relations', 'candidates', 'pos %', 'ceiling %', 'offset err', 'leak removed'];
  const body = rows.map((r) => [
    r.corpus,
    r.split,
    String(r.documents),
    String(r.mentions),
    String(r.relations),
    r.candidates === null ? '-' : String(r.candidates),
    r.positiveRatio === null ? '-' : r.positiveRatio.toFixed(2),
    r.recallCeiling === null ? '-' : r.recallCeiling.toFixed(2),
    String(r.offsetMismatches),
    String(r.leakGuardRemoved),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const types = rows
    .filter((r) => r.relations > 0)
    .map((r) => `  ${r.corpus}/${r.split}: ${Object.entries(r.relationsByType).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  return [line(head), ...body.map(line), '', 'relations by type:', ...types].join('\n');
}

export function registerCorpus(program: Command): void {
  const corpus = program.command('corpus').description(`corpora under the data folder (BIORE_DATA, default ../shared/data)`);
  corpus
    .command('ddi-filters')
    .description('DDI negative-pair filters: per rule, the candidate pairs removed and the gold pairs among them')
    .option('--split <name>', 'DDI split', 'train')
    .option('--json', 'print JSON')
    .action(async (o: { split: string; json?: boolean }) => {
      const docs = (await loadSplit('ddi', o.split).catch((e: unknown) => {
        throw new UserError((e as Error).message);
      })).documents;
      const stats = ddiFilterStats(docs);
      if (o.json) process.stdout.write(JSON.stringify({ split: o.split, ...stats }) + '\n');
      else for (const [rule, v] of Object.entries(stats)) process.stdout.write(`${rule.padEnd(14)} pairs ${String(v.pairs).padStart(6)}  gold ${String(v.positives).padStart(5)}\n`);
    });

  corpus
    .command('list')
    .description('list corpora and splits, and whether each is present')
    .action(() => {
      const root = dataRoot();
      process.stdout.write(`data folder: ${root}\n`);
      for (const c of CORPORA) {
        const splits = c.splits.map((s) => `${s.name}${s.protectedTest ? '*' : ''}${splitAvailable(s, root) ? '' : ' (missing)'}`);
        process.stdout.write(`${c.name.padEnd(14)} ${splits.join(', ').padEnd(36)} ${c.description}\n`);
      }
      process.stdout.write('* protected test split: the leak guard removes its documents from every other split\n');
    });
  corpus
    .command('stats')
    .description('documents, mentions, relations, candidates, recall ceiling, leak-guard removals, offset mismatches')
    .option('--corpus <names>', 'comma-separated corpus names (default: all present)')
    .option('--json', 'print one JSON array, one object per corpus and split')
    .action(async (opts: { corpus?: string; json?: boolean }) => {
      const root = dataRoot();
      const names = opts.corpus ? opts.corpus.split(',') : CORPORA.map((c) => c.name);
      for (const n of names) if (!findCorpus(n)) throw new UserError(`unknown corpus "${n}" (see biore corpus list)`);
      const rows: SplitStats[] = [];
      for (const n of names) {
        for (const s of findCorpus(n)!.splits) {
          if (!splitAvailable(s, root)) continue;
          if (process.stderr.isTTY) process.stderr.write(`\rloading ${n}/${s.name}...`.padEnd(40));
          rows.push(await splitStats(n, s.name));
        }
      }
      if (process.stderr.isTTY) process.stderr.write('\r'.padEnd(41) + '\r');
      if (rows.length === 0) throw new UserError(`no corpus found under ${root} (set BIORE_DATA)`);
      process.stdout.write(opts.json ? JSON.stringify(rows, null, 1) + '\n' : table(rows) + '\n');
    });
}
