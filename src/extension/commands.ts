/**
 * The command table: each `biore.*` command as a small handler over the sessions, the engine
 * client and the panel. Editor types are converted at this boundary: CancellationToken to
 * AbortSignal, selections to document offsets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { relationKey, type Suggestion } from '../core/curation/decisions';
import { exportCurated, type ExportFormat } from '../core/curation/curatedExport';
import { MENTION_TYPES } from '../core/curation/entityCategories';
import { findRelationModels, findTaggerModel, isModelFolder, type ModelFolder } from '../core/inference/modelFolders';
import { relationRoles } from '../core/formats/pubtator';
import { documentText, type Annotation, type RelationArgument } from '../core/document/document';
import { TASK_NAMES, TASK_RELATION_TYPES, type TaskName } from '../core/tasks/definitions';
import { relationModelTasks, routeTasks } from '../core/inference/relations/relationHeads';
import { suggestionsFromPredictions, type PredictionLike } from '../core/curation/suggestionPolicy';
import { resolveFileTasks } from '../core/curation/fileSchema';
import type { Settings } from '../core/settings';
import type { EngineClient } from '../worker/engineClient';
import { readSettings, setModelPath } from './config';
import type { CurationSessions, FileSession } from './curationSessions';
import type { CurationPanel } from './curationPanel';
import type { ModelStatusBar } from './statusBar';

/** Arguments of `biore.extractRelations` (all optional; tests and CodeLens pass them). */
interface ExtractArgs {
  uri?: string;
  docId?: string;
  scope?: 'document' | 'file';
  /** The file's tasks, as if the curator had picked them (kept in the sidecar). */
  tasks?: TaskName[];
}

export interface CommandContext {
  sessions: CurationSessions;
  panel: () => CurationPanel;
  engine: () => EngineClient;
  statusBar: ModelStatusBar;
  log: vscode.LogOutputChannel;
  /** Folders searched for bundled and saved `relation-*` models. */
  modelRoots: string[];
  /** Extension storage; fine-tuned versions go to its `models/` folder. */
  storageDir: string;
  /** Model folders used before (most recent first), so Use Model can revert. */
  recentModels: { list(): string[]; add(dir: string): Promise<void> };
}

/** Points biore.model.path at `dir`, remembering the folder in use before (for reverting). */
async function switchModel(ctx: CommandContext, dir: string): Promise<void> {
  const previous = readSettings().modelPath;
  if (previous && previous !== dir) await ctx.recentModels.add(previous);
  await setModelPath(dir);
  ctx.statusBar.setModel(modelLabel(readSettings(), ctx.modelRoots));
}

/** Model folders to run: the configured one, else the bundled/saved ones for the tasks (all when none are given). */
export function activeModels(settings: Settings, roots: readonly string[], tasks: readonly TaskName[] = settings.tasks): ModelFolder[] {
  if (settings.modelPath) return [{ dir: settings.modelPath, label: path.basename(settings.modelPath) }];
  // Fine-tuned versions run only when chosen (Use Model…), so they are never listed as in use here.
  return findRelationModels(roots).filter((m) => {
    if (FINE_TUNED.test(m.label)) return false;
    const task = /^relation-([a-z]+)/.exec(m.label)?.[1];
    return !task || !(TASK_NAMES as readonly string[]).includes(task) || tasks.length === 0 || tasks.includes(task as TaskName);
  });
}

/** During a whole-file extraction, suggestions are saved (and shown) at most this often. */
const SAVE_BATCH_MS = 500;
/** ... and progress is reported at most this often. */
const REPORT_MS = 250;

/** Folder names of fine-tuned versions (`relation-cdr-ft-20260101-120000`). */
const FINE_TUNED = /-ft-\d{8}-\d{6}$/;

const TASK_CHOICES: Array<vscode.QuickPickItem & { tasks: TaskName[] }> = [
  { label: 'CID', description: 'chemical-induced disease (BioCreative V CDR)', tasks: ['cdr'] },
  { label: 'DDI', description: 'drug-drug interactions: mechanism, effect, advise, int (DDI-2013)', tasks: ['ddi'] },
  { label: 'DrugProt', description: 'chemical-protein, 13 types (BioCreative VII)', tasks: ['drugprot'] },
  { label: 'BioRED', description: '8 types between chemicals, genes, diseases and variants', tasks: ['biored'] },
];

/**
 * The task(s) to suggest for a file: the setting, the sidecar's earlier answer, or what the file
 * says (core fileSchema); otherwise the curator is asked once and the answer kept in the sidecar.
 */
async function tasksForFile(ctx: CommandContext, session: FileSession, settings: Settings, given?: TaskName[]): Promise<TaskName[] | undefined> {
  if (given?.length) {
    await session.store.setTasks(given);
    return given;
  }
  const docs = session.file.documents.map((ed) => session.curated(ed.doc.id)?.document ?? ed.doc);
  const resolved = resolveFileTasks(settings.tasks, session.store.tasks, docs);
  if (resolved) {
    ctx.log.info(`${path.basename(session.uri.path)}: suggesting ${resolved.tasks.join(', ')} (${resolved.reason})`);
    return resolved.tasks;
  }
  const pick = await vscode.window.showQuickPick(TASK_CHOICES, {
    title: `BioRE: which relations should ${path.basename(session.uri.path)} get? (asked once, kept with the file)`,
    placeHolder: 'The file does not say which annotation scheme it follows',
  });
  if (!pick) return undefined;
  await session.store.setTasks(pick.tasks);
  return pick.tasks;
}

export function modelLabel(settings: Settings, roots: readonly string[]): string {
  const models = activeModels(settings, roots);
  return models.length ? models.map((m) => m.label).join(', ') : 'no model';
}

async function sessionOf(ctx: CommandContext, uri?: string): Promise<{ session: FileSession; editor?: vscode.TextEditor } | undefined> {
  const editor = uri ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri) : vscode.window.activeTextEditor;
  const doc = editor?.document ?? (uri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(uri)) : undefined);
  if (!doc) {
    void vscode.window.showWarningMessage('BioRE: open a PubTator, BioC or plain-text file first.');
    return undefined;
  }
  const session = await ctx.sessions.open(doc);
  if (!session) return undefined;
  if (session.file.documents.length === 0) {
    void vscode.window.showWarningMessage(`BioRE: ${path.basename(doc.uri.path)} holds no readable document (see the Problems panel).`);
    return undefined;
  }
  return editor ? { session, editor } : { session };
}

function abortSignalOf(token: vscode.CancellationToken): AbortSignal {
  const ac = new AbortController();
  if (token.isCancellationRequested) ac.abort();
  token.onCancellationRequested(() => ac.abort());
  return ac.signal;
}

async function extractRelations(ctx: CommandContext, arg?: ExtractArgs): Promise<void> {
  const found = await sessionOf(ctx, arg?.uri);
  if (!found) return;
  const { session, editor } = found;
  const settings = readSettings(session.uri);
  const tasks = await tasksForFile(ctx, session, settings, arg?.tasks?.filter((t) => (TASK_NAMES as readonly string[]).includes(t)));
  if (!tasks) return;
  const models = activeModels(settings, ctx.modelRoots, tasks);
  const missing = models.find((m) => !isModelFolder(m.dir));
  if (models.length === 0 || missing) {
    const where = missing ? missing.dir : ctx.modelRoots.map((r) => path.join(r, 'relation-*')).join(', ');
    const pick = await vscode.window.showErrorMessage(
      `BioRE: no relation model at ${where}. Set "biore.model.path" to a model folder (model.onnx, config.json, tokenizer.json) or pick one with "BioRE: Use Model…".`,
      'Use Model…',
      'Open Settings',
    );
    if (pick === 'Use Model…') await vscode.commands.executeCommand('biore.useModel');
    if (pick === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'biore.model.path');
    return;
  }
  let docs = session.file.documents;
  if (arg?.docId) docs = docs.filter((d) => d.doc.id === arg.docId);
  else if (docs.length > 1 && arg?.scope !== 'file') {
    const cursorDoc = editor ? session.documentAt(editor.document.offsetAt(editor.selection.active)) : undefined;
    const choice =
      arg?.scope === 'document'
        ? 'document'
        : (
            await vscode.window.showQuickPick(
              [
                { label: `Document at the cursor (${cursorDoc?.doc.id ?? '?'})`, scope: 'document' as const },
                { label: `Whole file (${docs.length} documents)`, scope: 'file' as const },
              ],
              { title: 'BioRE: Extract Relations' },
            )
          )?.scope;
    if (!choice) return;
    if (choice === 'document' && cursorDoc) docs = [cursorDoc];
  }
  // Each task is answered by the first model that has it (routeTasks); a folder that declares
  // no task it knows runs as it is.
  const routed = routeTasks(models.map((m) => ({ dir: m.dir, tasks: relationModelTasks(m.dir) })), tasks);
  const plan: { model: ModelFolder; task?: TaskName }[] = models.flatMap((m) => {
    if (relationModelTasks(m.dir).length === 0) return [{ model: m }];
    return [...routed].filter(([, dir]) => dir === m.dir).map(([task]) => ({ model: m, task }));
  });
  const started = Date.now();
  let kept = 0;
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'BioRE: extracting relations', cancellable: true },
      async (progress, token) => {
        const signal = abortSignalOf(token);
        let done = 0;
        // A whole-file run saves and redraws in batches (one sidecar write, one panel delta, one
        // editor refresh per SAVE_BATCH_MS), not once per document: the sidecar of a 500-abstract
        // file is megabytes. A single document is saved at once, as before.
        let batch: Array<{ docId: string; suggestions: Suggestion[] }> = [];
        let pendingIncrement = 0;
        let lastReport = 0;
        let batchStarted = Date.now();
        const flush = async (): Promise<void> => {
          const items = batch;
          batch = [];
          batchStarted = Date.now();
          await session.setSuggestionsMany(items);
        };
        for (const ed of docs) {
          if (signal.aborted) break;
          // The window redraws the notification and the status bar on each report: at most a few a second.
          pendingIncrement += 100 / docs.length;
          if (Date.now() - lastReport >= REPORT_MS || done === 0) {
            progress.report({ message: `${ed.doc.id} (${done + 1}/${docs.length})`, increment: pendingIncrement });
            ctx.statusBar.busy(done, docs.length);
            pendingIncrement = 0;
            lastReport = Date.now();
          }
          // Predict on the curated document, so mentions the curator added take part.
          const doc = session.curated(ed.doc.id)?.document ?? ed.doc;
          const predictions: Array<PredictionLike & { task: TaskName }> = [];
          for (const { model, task } of plan) {
            const predicted = await ctx.engine().predictRelations(model.dir, doc, { threads: settings.threads, signal, ...(task ? { task } : {}) });
            predictions.push(...predicted.map((p) => ({ ...p, modelLabel: model.label })));
          }
          if (signal.aborted) break;
          // One row per pair across this run's models and schemas (the file's first task wins).
          const suggestions: Suggestion[] = suggestionsFromPredictions(predictions, { tasks, threshold: settings.threshold }, '');
          batch.push({ docId: ed.doc.id, suggestions });
          if (Date.now() - batchStarted >= SAVE_BATCH_MS) await flush();
          kept += suggestions.length;
          done++;
        }
        await flush();
      },
    );
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    ctx.log.error(`extract relations: ${message}`);
    void vscode.window.showErrorMessage(`BioRE: ${message}`);
    return;
  } finally {
    ctx.statusBar.idle();
  }
  ctx.log.info(`extracted ${kept} suggestions in ${docs.length} document(s) in ${Date.now() - started} ms`);
  const summary = `BioRE: ${kept} relation suggestion(s) in ${docs.length} document(s).`;
  // One document: straight to triage. A whole-file run does not pop the panel up (it may be
  // long; the curator is reading meanwhile): the message offers it, and an open panel updates.
  if (docs.length === 1 || ctx.panel().isOpen) {
    void vscode.window.showInformationMessage(summary);
    if (docs.length === 1) ctx.panel().show(session);
    return;
  }
  void vscode.window.showInformationMessage(summary, 'Open Curation Panel').then((pick) => pick && ctx.panel().show(session));
}

const EXPORT_CHOICES: Array<{ label: string; format: ExportFormat; ext: string }> = [
  { label: 'PubTator', format: 'pubtator', ext: '.pubtator' },
  { label: 'BioC XML', format: 'bioc', ext: '.xml' },
  { label: 'BioC JSON', format: 'biocjson', ext: '.json' },
];

async function exportCuratedFile(ctx: CommandContext, arg?: { format?: ExportFormat; target?: string; uri?: string }): Promise<void> {
  const found = await sessionOf(ctx, arg?.uri);
  if (!found) return;
  const { session } = found;
  const choice = arg?.format ? EXPORT_CHOICES.find((c) => c.format === arg.format) : await vscode.window.showQuickPick(EXPORT_CHOICES, { title: 'BioRE: Export Curated — format' });
  if (!choice) return;
  let target = arg?.target ? vscode.Uri.file(arg.target) : undefined;
  if (!target) {
    const base = session.uri.path.replace(/(\.bioc)?\.(pubtator|xml|json|txt)$/i, '');
    target = await vscode.window.showSaveDialog({ defaultUri: session.uri.with({ path: `${base}.curated${choice.ext}` }), title: 'BioRE: Export Curated' });
    if (!target) return;
  }
  const collection = { source: 'BioRE Curator', date: new Date().toISOString().slice(0, 10), key: '', attributes: {}, documents: session.file.documents.map((d) => d.doc) };
  const text = exportCurated(collection, session.store, choice.format);
  await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
  const relations = session.file.documents.reduce((n, ed) => n + (session.curated(ed.doc.id)?.document.relations.length ?? 0), 0);
  void vscode.window.showInformationMessage(`BioRE: exported ${collection.documents.length} document(s) with ${relations} relation(s) to ${path.basename(target.path)}.`);
}

function requireEditorSession(ctx: CommandContext): { session: FileSession; editor: vscode.TextEditor } | undefined {
  const editor = vscode.window.activeTextEditor;
  const session = editor && ctx.sessions.get(editor.document.uri);
  if (!editor || !session) {
    void vscode.window.showWarningMessage('BioRE: place the cursor in a curated file first.');
    return undefined;
  }
  return { session, editor };
}

async function addMention(ctx: CommandContext, arg?: { type?: string; ids?: string[] }): Promise<void> {
  const found = requireEditorSession(ctx);
  if (!found) return;
  const { session, editor } = found;
  const sel = editor.selection;
  const startFile = editor.document.offsetAt(sel.start);
  const ed = session.documentAt(startFile);
  const start = ed?.fromFile(startFile);
  const end = ed?.fromFile(editor.document.offsetAt(sel.end));
  if (!ed || sel.isEmpty || start === undefined || end === undefined || end <= start) {
    void vscode.window.showWarningMessage('BioRE: select the mention text inside a title or abstract first.');
    return;
  }
  const seen = new Set(ed.doc.passages.flatMap((p) => p.annotations.map((a) => a.type)));
  const type = arg?.type ?? (await vscode.window.showQuickPick([...new Set([...MENTION_TYPES, ...seen])], { title: 'BioRE: mention type' }));
  if (!type) return;
  const idText = arg?.ids ? arg.ids.join('|') : await vscode.window.showInputBox({ title: 'BioRE: concept ID (optional)', prompt: 'e.g. MeSH D008094 or NCBI Gene 7157; leave empty when unknown' });
  if (idText === undefined) return;
  const curated = session.curated(ed.doc.id);
  const text = documentText(curated?.document ?? ed.doc).slice(start, end);
  const ids = idText.split('|').map((s) => s.trim()).filter((s) => s !== '');
  await session.decide(ed.doc.id, { op: 'mention/add', id: session.newMentionId(), type, span: { start, end }, text, ids });
}

/**
 * Detect Mentions: the tagger reads the document at the cursor (or the whole file) and every
 * mention it finds that overlaps none already there becomes a recorded `mention/add` decision,
 * with the concept id the lexicon gives (a document-local id when it knows none).
 */
async function detectMentions(ctx: CommandContext, arg?: { uri?: string; scope?: 'document' | 'file' }): Promise<void> {
  const found = await sessionOf(ctx, arg?.uri);
  if (!found) return;
  const { session, editor } = found;
  const dir = findTaggerModel(ctx.modelRoots);
  if (!dir) {
    void vscode.window.showErrorMessage(`BioRE: no mention tagger at ${ctx.modelRoots.map((r) => path.join(r, 'ner')).join(', ')} (a folder written by \`biore ner train\`).`);
    return;
  }
  let docs = session.file.documents;
  if (arg?.scope !== 'file' && docs.length > 1) {
    const cursorDoc = editor ? session.documentAt(editor.document.offsetAt(editor.selection.active)) : undefined;
    if (cursorDoc) docs = [cursorDoc];
  }
  const settings = readSettings(session.uri);
  let added = 0;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'BioRE: detecting mentions', cancellable: true }, async (progress, token) => {
    const signal = abortSignalOf(token);
    for (const [i, ed] of docs.entries()) {
      if (signal.aborted) break;
      progress.report({ message: `${ed.doc.id} (${i + 1}/${docs.length})`, increment: 100 / docs.length });
      const doc = session.curated(ed.doc.id)?.document ?? ed.doc;
      const have = doc.passages.flatMap((p) => p.annotations.flatMap((a) => a.spans));
      const mentions = await ctx.engine().detectMentions(dir, doc, { threads: settings.threads, signal });
      for (const m of mentions) {
        const span = m.spans[0]!;
        if (have.some((h) => h.start < span.end && span.start < h.end)) continue;
        await session.decide(ed.doc.id, { op: 'mention/add', id: session.newMentionId(), type: m.type, span: { start: span.start, end: span.end }, text: m.text, ids: m.ids, attributes: { ...m.attributes } });
        have.push(span);
        added++;
      }
    }
  });
  void vscode.window.showInformationMessage(`BioRE: ${added} new mention(s) detected in ${docs.length} document(s); each is a recorded decision (Undo removes it).`);
}

function mentionAtCursor(ctx: CommandContext): { session: FileSession; docId: string; mention: Annotation } | undefined {
  const found = requireEditorSession(ctx);
  if (!found) return undefined;
  const hit = found.session.mentionAt(found.editor.document.offsetAt(found.editor.selection.active));
  if (!hit) {
    void vscode.window.showWarningMessage('BioRE: place the cursor on a mention first.');
    return undefined;
  }
  return { session: found.session, docId: hit.ed.doc.id, mention: hit.mention };
}

async function fixMention(ctx: CommandContext): Promise<void> {
  const hit = mentionAtCursor(ctx);
  if (!hit) return;
  const what = await vscode.window.showQuickPick(['Change type', 'Change concept ID'], { title: `BioRE: fix "${hit.mention.text}" (${hit.mention.type}, ${hit.mention.ids.join('|') || 'no id'})` });
  if (what === 'Change type') {
    const type = await vscode.window.showQuickPick([...MENTION_TYPES], { title: 'BioRE: new type' });
    if (type) await hit.session.decide(hit.docId, { op: 'mention/update', id: hit.mention.id, type });
  } else if (what === 'Change concept ID') {
    const idText = await vscode.window.showInputBox({ title: 'BioRE: concept ID', value: hit.mention.ids.join('|') });
    if (idText !== undefined) await hit.session.decide(hit.docId, { op: 'mention/update', id: hit.mention.id, ids: idText.split('|').map((s) => s.trim()).filter((s) => s !== '') });
  }
}

async function deleteMention(ctx: CommandContext): Promise<void> {
  const hit = mentionAtCursor(ctx);
  if (hit) await hit.session.decide(hit.docId, { op: 'mention/delete', id: hit.mention.id });
}

async function addRelation(ctx: CommandContext, arg?: { docId?: string; arg1?: string; arg2?: string; type?: string }): Promise<void> {
  const found = requireEditorSession(ctx);
  if (!found) return;
  const { session, editor } = found;
  const cursor = editor.document.offsetAt(editor.selection.active);
  const ed = arg?.docId ? session.editorDocument(arg.docId) : session.documentAt(cursor);
  const curated = ed && session.curated(ed.doc.id);
  if (!ed || !curated) return;
  const mentions = curated.document.passages.flatMap((p) => p.annotations);
  const under = session.mentionAt(cursor)?.mention;
  const items = mentions.map((m) => ({ label: m.text, description: `${m.type} ${m.ids.join('|') || 'no id'}`, detail: `at ${m.spans[0]?.start}`, mention: m }));
  if (under) items.sort((a, b) => Number(b.mention.id === under.id) - Number(a.mention.id === under.id));
  const pickMention = async (title: string, given?: string): Promise<Annotation | undefined> =>
    given ? mentions.find((m) => m.id === given || m.text === given) : (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.mention;
  const first = await pickMention('BioRE: add relation — first argument', arg?.arg1);
  if (!first) return;
  const second = await pickMention('BioRE: add relation — second argument', arg?.arg2);
  if (!second) return;
  const settings = readSettings(session.uri);
  const fileTasks = resolveFileTasks(settings.tasks, session.store.tasks, [curated.document])?.tasks ?? TASK_NAMES;
  const types = [...new Set([...session.rows().map((r) => r.type), ...fileTasks.flatMap((t) => TASK_RELATION_TYPES[t])])];
  const type = arg?.type ?? (await vscode.window.showQuickPick(types, { title: 'BioRE: relation type' }));
  if (!type) return;
  // Concept-level when both mentions are normalized (BC5CDR/BioRED style), else between the mentions.
  const roles = relationRoles(type);
  const args: RelationArgument[] =
    first.ids.length === 1 && second.ids.length === 1
      ? [{ role: roles[0], ref: { kind: 'concept', id: first.ids[0]! } }, { role: roles[1], ref: { kind: 'concept', id: second.ids[0]! } }]
      : [{ role: roles[0], ref: { kind: 'annotation', id: first.id } }, { role: roles[1], ref: { kind: 'annotation', id: second.id } }];
  await session.decide(ed.doc.id, { op: 'relation/add', key: relationKey(type, args), type, args });
}

async function undoDecision(ctx: CommandContext): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const session = (editor && ctx.sessions.get(editor.document.uri)) ?? ctx.sessions.all()[0];
  if (!session) return;
  const undone = await session.undo();
  if (!undone) void vscode.window.showInformationMessage('BioRE: nothing to undo.');
}

async function useModel(ctx: CommandContext): Promise<void> {
  const settings = readSettings();
  const models = findRelationModels(ctx.modelRoots);
  type Item = vscode.QuickPickItem & { dir?: string; browse?: boolean };
  const listed = new Set(models.map((m) => m.dir));
  const recent = [settings.modelPath, ...ctx.recentModels.list()].filter((d) => d !== '' && !listed.has(d) && isModelFolder(d));
  const items: Item[] = [
    { label: 'Bundled models', description: settings.modelPath === '' ? '(in use)' : '', detail: 'the relation-* folders shipped with the extension, one per task', dir: '' },
    ...models.map((m) => ({ label: m.label, description: settings.modelPath === m.dir ? '(in use)' : FINE_TUNED.test(m.label) ? '(fine-tuned version, not in use)' : '', detail: m.dir, dir: m.dir })),
    ...[...new Set(recent)].map((d) => ({ label: path.basename(d), description: settings.modelPath === d ? '(in use)' : '(used before)', detail: d, dir: d })),
    { label: 'Browse for a model folder…', browse: true },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'BioRE: Use Model', matchOnDetail: true });
  if (!pick) return;
  let dir = pick.dir;
  if (pick.browse) {
    const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'BioRE: relation model folder' });
    dir = chosen?.[0]?.fsPath;
    if (dir && !isModelFolder(dir)) {
      void vscode.window.showErrorMessage(`BioRE: ${dir} holds no model.onnx or config.json.`);
      return;
    }
  }
  if (dir === undefined) return;
  await switchModel(ctx, dir);
}

/** A document as the fine-tune reads it: its reviewed rows as relations with their status. */
function reviewedDocument(session: FileSession, docId: string) {
  const curated = session.curated(docId);
  if (!curated) return undefined;
  const relations = curated.rows
    .filter((r) => r.status === 'accepted' || r.status === 'added' || r.status === 'rejected')
    .map((r) => ({ id: r.key, type: r.type, args: r.args, attributes: {}, status: r.status }));
  return { ...curated.document, relations };
}

async function fineTune(ctx: CommandContext, storageDir: string): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('BioRE: fine-tuning is off in a restricted workspace. Trust the workspace to use it.');
    return;
  }
  const settings = readSettings();
  const models = activeModels(settings, ctx.modelRoots).filter((m) => isModelFolder(m.dir) && fs.existsSync(path.join(m.dir, 'config.json')));
  if (models.length === 0) {
    void vscode.window.showErrorMessage('BioRE: no relation model folder to fine-tune. Set "biore.model.path" to one or pick one with "BioRE: Use Model…".');
    return;
  }
  const documents = ctx.sessions.all().flatMap((s) => s.file.documents.flatMap((ed) => reviewedDocument(s, ed.doc.id) ?? [])).filter((d) => d.relations.length > 0);
  const decisions = documents.reduce((n, d) => n + d.relations.length, 0);
  if (decisions === 0) {
    void vscode.window.showInformationMessage('BioRE: no decisions yet. Accept, reject or add relations first (in any open curated file).');
    return;
  }
  const model =
    models.length === 1 ? models[0] : await vscode.window.showQuickPick(models.map((m) => ({ ...m, description: m.dir })), { title: 'BioRE: model to fine-tune' });
  if (!model) return;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const name = `${model.label.replace(/-ft-[0-9-]+$/, '')}-ft-${stamp}`;
  const outDir = path.join(storageDir, 'models', name);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `BioRE: fine-tuning ${model.label} on ${decisions} decision(s)`, cancellable: true },
    (progress, token) =>
      ctx.engine().fineTuneOnDecisions(model.dir, outDir, documents, {
        threads: settings.threads,
        signal: abortSignalOf(token),
        onProgress: (p) => progress.report({ message: `step ${p.step}/${p.steps}, loss ${p.loss.toFixed(3)}` }),
      }),
  );
  ctx.log.info(`fine-tuned ${model.dir} -> ${result.outDir}: ${JSON.stringify(result)}`);
  const message = `BioRE: ${fineTuneSummary(model.label, decisions, result)} Saved as ${name}, not in use yet: "Use It" here, or pick it later in "BioRE: Use Model…".`;
  const pick = await vscode.window.showInformationMessage(message, 'Use It');
  if (pick === 'Use It') await switchModel(ctx, result.outDir);
}

/** A held-out set smaller than this gives no meaningful accuracy; the message says so instead. */
const MIN_HELD_OUT = 20;

/**
 * The fine-tune result in words: how many of the curator's decisions became training pairs (an
 * added relation between mentions the model never pairs, or a decision on another task's row, is
 * no pair), how many were held out, and the held-out score only when there are enough to mean it.
 */
export function fineTuneSummary(label: string, decisions: number, r: { seconds: number; examples: { train: number; heldOut: number }; before: { accuracy: number; f1: number }; after: { accuracy: number; f1: number } }): string {
  const usable = r.examples.train + r.examples.heldOut;
  const head = `fine-tuned ${label} in ${r.seconds.toFixed(1)} s on ${r.examples.train} pair(s) from your ${decisions} decision(s)${usable < decisions ? ` (${decisions - usable} are no pair the model scores)` : ''}`;
  if (r.examples.heldOut === 0) return `${head}; none held out to score it (that starts at 10 usable decisions).`;
  const scores = `accuracy ${r.before.accuracy.toFixed(0)}% → ${r.after.accuracy.toFixed(0)}%, F1 ${r.before.f1.toFixed(0)} → ${r.after.f1.toFixed(0)}`;
  if (r.examples.heldOut < MIN_HELD_OUT) return `${head}; ${r.examples.heldOut} held out, too few for a score to mean anything (${scores} on them).`;
  return `${head}; on ${r.examples.heldOut} held-out decisions ${scores}.`;
}

/** Registers every command; returns their disposables. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const guard =
    <A extends unknown[]>(f: (...a: A) => Promise<void>) =>
    (...a: A): Promise<void> =>
      f(...a).catch((e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        ctx.log.error(message);
        void vscode.window.showErrorMessage(`BioRE: ${message}`);
      });
  return [
    vscode.commands.registerCommand('biore.extractRelations', guard((arg?: ExtractArgs) => extractRelations(ctx, arg))),
    vscode.commands.registerCommand('biore.openPanel', guard(async () => {
      const e = vscode.window.activeTextEditor;
      const session = e ? await ctx.sessions.open(e.document) : undefined;
      ctx.panel().show(session);
    })),
    vscode.commands.registerCommand('biore.exportCurated', guard((arg?: { format?: ExportFormat; target?: string; uri?: string }) => exportCuratedFile(ctx, arg))),
    vscode.commands.registerCommand('biore.addMention', guard((arg?: { type?: string; ids?: string[] }) => addMention(ctx, arg))),
    vscode.commands.registerCommand('biore.detectMentions', guard((arg?: { uri?: string; scope?: 'document' | 'file' }) => detectMentions(ctx, arg))),
    vscode.commands.registerCommand('biore.fixMention', guard(() => fixMention(ctx))),
    vscode.commands.registerCommand('biore.deleteMention', guard(() => deleteMention(ctx))),
    vscode.commands.registerCommand('biore.addRelation', guard((arg?: { docId?: string; arg1?: string; arg2?: string; type?: string }) => addRelation(ctx, arg))),
    vscode.commands.registerCommand('biore.undoDecision', guard(() => undoDecision(ctx))),
    vscode.commands.registerCommand('biore.useModel', guard(() => useModel(ctx))),
    vscode.commands.registerCommand('biore.fineTune', guard(() => fineTune(ctx, ctx.storageDir))),
  ];
}
