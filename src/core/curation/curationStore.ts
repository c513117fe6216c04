/**
 * The curation sidecar: one JSON file per curated document file holding the model's suggestions
 * and the curator's decisions. Every change is written at once and atomically (a temporary file
 * in the same folder, flushed, then renamed over the old one), so a reload or a killed editor
 * loses nothing and a crash mid-write never leaves a half-written sidecar.
 *
 * The sidecar sits next to the document (`<file>.biore.json`); when that folder is not writable
 * it goes to a fallback folder (the extension's workspace storage), named after the file's path.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { FormatError } from '../shared/errors';
import { TASK_NAMES, type TaskName } from '../tasks/definitions';
import { effectiveDecisions, lastUndoable, type Decision, type DecisionBody, type Suggestion } from './decisions';

/** What the sidecar file holds. */
export interface SidecarData {
  format: 'biore-curation';
  version: 1;
  /** Base name of the curated file (informative; the sidecar's location is what links them). */
  file: string;
  /** Model suggestions per document id. */
  suggestions: Record<string, Suggestion[]>;
  /** Every decision in the order made. */
  decisions: Decision[];
  /** The relation task(s) the curator chose for this file (one schema per file), when asked. */
  tasks?: TaskName[];
}

export const SIDECAR_SUFFIX = '.biore.json';

const span = z.object({ start: z.number().int().nonnegative(), end: z.number().int().nonnegative() });
const ref = z.union([z.object({ kind: z.literal('annotation'), id: z.string() }), z.object({ kind: z.literal('concept'), id: z.string() })]);
const arg = z.object({ role: z.string(), ref });
const suggestion = z.object({
  key: z.string(),
  type: z.string(),
  args: z.array(arg),
  score: z.number().min(0).max(1),
  task: z.enum(TASK_NAMES as [string, ...string[]]),
  evidence: span,
  model: z.string(),
  rule: z.string().optional(),
});
const head = { seq: z.number().int().nonnegative(), at: z.string(), docId: z.string() };
const decision = z.discriminatedUnion('op', [
  z.object({ ...head, op: z.literal('relation/verdict'), key: z.string(), verdict: z.enum(['accepted', 'rejected']) }),
  z.object({ ...head, op: z.literal('relation/add'), key: z.string(), type: z.string(), args: z.array(arg), evidence: span.optional() }),
  z.object({ ...head, op: z.literal('mention/add'), id: z.string(), type: z.string(), span, text: z.string(), ids: z.array(z.string()), attributes: z.record(z.string(), z.string()).optional() }),
  z.object({ ...head, op: z.literal('mention/update'), id: z.string(), type: z.string().optional(), ids: z.array(z.string()).optional() }),
  z.object({ ...head, op: z.literal('mention/delete'), id: z.string() }),
  z.object({ ...head, op: z.literal('undo'), target: z.number().int().nonnegative() }),
]);
const sidecarSchema = z.object({
  format: z.literal('biore-curation'),
  version: z.literal(1),
  file: z.string(),
  suggestions: z.record(z.string(), z.array(suggestion)),
  decisions: z.array(decision),
  tasks: z.array(z.enum(TASK_NAMES as [string, ...string[]])).optional(),
});

/** True when the process may create files in `dir`. */
export function isWritableDir(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the sidecar of `file` lives: next to it when its folder is writable (or a sidecar is
 * already there), else in `fallbackDir` under a name unique to the file's absolute path.
 */
export function sidecarPathFor(file: string, fallbackDir?: string): string {
  const beside = file + SIDECAR_SUFFIX;
  if (fs.existsSync(beside) || isWritableDir(path.dirname(file)) || fallbackDir === undefined) return beside;
  const hash = crypto.createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 12);
  return path.join(fallbackDir, `${path.basename(file)}.${hash}${SIDECAR_SUFFIX}`);
}

/** Writes `text` to `file` atomically: temp file in the same folder, fsync, rename. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const fh = await fs.promises.open(tmp, 'w');
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}

/** An empty sidecar for `file`. */
export function emptySidecar(file: string): SidecarData {
  return { format: 'biore-curation', version: 1, file: path.basename(file), suggestions: {}, decisions: [] };
}

/** Parses and validates sidecar JSON; a damaged sidecar is a `FormatError` naming it. */
export function parseSidecar(text: string, source: string): SidecarData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new FormatError({ source }, `unreadable curation sidecar: ${(e as Error).message}`);
  }
  const r = sidecarSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new FormatError({ source, element: issue?.path.join('.') || 'root' }, `invalid curation sidecar: ${issue?.message ?? 'bad shape'}`);
  }
  return r.data as SidecarData;
}

/** The suggestions and decisions of one curated file, persisted on every change. */
export class CurationStore {
  private data: SidecarData;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    /** Path of the sidecar file. */
    readonly sidecarPath: string,
    data: SidecarData,
    /** Clock for decision timestamps (tests pin it). */
    private readonly now: () => Date,
  ) {
    this.data = data;
  }

  /** Opens the sidecar at `sidecarPath` (an empty store when there is none yet). */
  static async open(sidecarPath: string, curatedFile: string, now: () => Date = () => new Date()): Promise<CurationStore> {
    let data = emptySidecar(curatedFile);
    try {
      data = parseSidecar(await fs.promises.readFile(sidecarPath, 'utf8'), sidecarPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return new CurationStore(sidecarPath, data, now);
  }

  /** Every decision in order (including undone ones and the undos). */
  get decisions(): readonly Decision[] {
    return this.data.decisions;
  }

  /** The task(s) chosen for this file, when the curator was asked. */
  get tasks(): readonly TaskName[] | undefined {
    return this.data.tasks;
  }

  /** Keeps the curator's choice of task(s) for this file. */
  async setTasks(tasks: readonly TaskName[]): Promise<void> {
    this.data.tasks = [...tasks];
    await this.save();
  }

  /** Suggestions of one document. */
  suggestionsOf(docId: string): readonly Suggestion[] {
    return this.data.suggestions[docId] ?? [];
  }

  /** Documents that have suggestions or decisions. */
  get touchedDocuments(): string[] {
    return [...new Set([...Object.keys(this.data.suggestions), ...this.data.decisions.map((d) => d.docId)])];
  }

  /** The sequence number the next decision gets (unique ids for added mentions use it). */
  get nextSeq(): number {
    const last = this.data.decisions[this.data.decisions.length - 1];
    return last ? last.seq + 1 : 1;
  }

  /** Records a decision and persists the sidecar before resolving. */
  async record(docId: string, body: DecisionBody): Promise<Decision> {
    const d = { seq: this.nextSeq, at: this.now().toISOString(), docId, ...body } as Decision;
    this.data.decisions.push(d);
    await this.save();
    return d;
  }

  /** Records several decisions with a single write (bulk accept). */
  async recordMany(items: ReadonlyArray<{ docId: string; body: DecisionBody }>): Promise<Decision[]> {
    const out: Decision[] = [];
    for (const { docId, body } of items) {
      const d = { seq: this.nextSeq, at: this.now().toISOString(), docId, ...body } as Decision;
      this.data.decisions.push(d);
      out.push(d);
    }
    if (out.length) await this.save();
    return out;
  }

  /** Reverts the latest decision in force (of `docId`, when given); undefined when none is left. */
  async undo(docId?: string): Promise<Decision | undefined> {
    const target = lastUndoable(this.data.decisions, docId);
    if (!target) return undefined;
    await this.record(target.docId, { op: 'undo', target: target.seq });
    return target;
  }

  /** Replaces the suggestions of one document (a new extraction run) and persists. */
  async setSuggestions(docId: string, suggestions: readonly Suggestion[]): Promise<void> {
    this.data.suggestions[docId] = [...suggestions];
    await this.save();
  }

  /** Replaces the suggestions of several documents with one write (a whole-file run saves in batches). */
  async setSuggestionsMany(items: ReadonlyArray<{ docId: string; suggestions: readonly Suggestion[] }>): Promise<void> {
    if (items.length === 0) return;
    for (const { docId, suggestions } of items) this.data.suggestions[docId] = [...suggestions];
    await this.save();
  }

  /** Decisions in force, in order. */
  effective(): Decision[] {
    return effectiveDecisions(this.data.decisions);
  }

  /** A deep copy of the sidecar contents. */
  snapshot(): SidecarData {
    return structuredClone(this.data);
  }

  /** Writes the sidecar; writes are serialized so the last one always wins on disk. */
  save(): Promise<void> {
    const text = JSON.stringify(this.data, null, 1) + '\n';
    const next = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.sidecarPath, text));
    this.writing = next;
    return next;
  }
}
