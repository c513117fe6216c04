/**
 * One curation session per open curated file: the file as read by the core (documents, offset
 * maps, problems), its sidecar store, and the curated documents recomputed after every change.
 * Also publishes the file's problems as diagnostics. Editor events come in here; everything the
 * UI shows (decorations, hovers, CodeLens, the panel) reads sessions and listens to `onDidChange`.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readEditorFileAsync, type EditorDocument, type EditorFile } from '../core/curation/editorDocuments';
import { CurationStore, sidecarPathFor } from '../core/curation/curationStore';
import { curateDocument, type CuratedDocument, type RelationRow } from '../core/curation/curatedDocument';
import type { DecisionBody } from '../core/curation/decisions';
import { annotationExtent, type Annotation } from '../core/document/document';

/** Language ids we contribute; files of other languages join only when sniffed or asked for. */
export const CURATION_LANGUAGES: ReadonlySet<string> = new Set(['pubtator', 'bioc', 'biocjson']);

/** True when a text document looks like a file we curate without being asked. */
export function looksCuratable(doc: vscode.TextDocument): boolean {
  if (CURATION_LANGUAGES.has(doc.languageId)) return true;
  const head = doc.getText(new vscode.Range(0, 0, 20, 0));
  if (doc.languageId === 'plaintext') return /^[^|\t\s]+\|t\|/.test(head);
  if (doc.languageId === 'xml') return /<collection[\s>]/.test(head);
  if (doc.languageId === 'json' || doc.languageId === 'jsonc') return /"documents"\s*:/.test(doc.getText().slice(0, 4000)) && /"passages"/.test(doc.getText().slice(0, 20000));
  return false;
}

/** A mention under a file offset. */
export interface MentionHit {
  ed: EditorDocument;
  curated: CuratedDocument;
  mention: Annotation;
}

export class FileSession {
  private curatedDocs = new Map<string, CuratedDocument>();
  private readVersion = 0;

  private constructor(
    readonly uri: vscode.Uri,
    public file: EditorFile,
    readonly store: CurationStore,
  ) {}

  /** Reads the file and replays its curation, a slice at a time (large files never block the host). */
  static async create(uri: vscode.Uri, text: string, store: CurationStore): Promise<FileSession> {
    const session = new FileSession(uri, await readEditorFileAsync(text, uri.path), store);
    await session.recomputeAll();
    return session;
  }

  /** Re-reads the file after an edit; false when a newer edit overtook this read. */
  async reread(text: string): Promise<boolean> {
    const version = ++this.readVersion;
    const file = await readEditorFileAsync(text, this.uri.path);
    if (version !== this.readVersion) return false;
    this.file = file;
    await this.recomputeAll();
    return true;
  }

  /** Replays the sidecar over every document, yielding to the event loop between slices. */
  async recomputeAll(): Promise<void> {
    const next = new Map<string, CuratedDocument>();
    let since = Date.now();
    for (const ed of this.file.documents) {
      next.set(ed.doc.id, curateDocument(ed.doc, this.store.suggestionsOf(ed.doc.id), this.store.decisions));
      if (Date.now() - since > 15) {
        await new Promise((r) => setImmediate(r));
        since = Date.now();
      }
    }
    this.curatedDocs = next;
  }

  /** Replays one document (after a decision about it). */
  recomputeDocument(docId: string): void {
    const ed = this.editorDocument(docId);
    if (ed) this.curatedDocs.set(docId, curateDocument(ed.doc, this.store.suggestionsOf(docId), this.store.decisions));
  }

  curated(docId: string): CuratedDocument | undefined {
    return this.curatedDocs.get(docId);
  }

  editorDocument(docId: string): EditorDocument | undefined {
    return this.file.documents.find((d) => d.doc.id === docId);
  }

  /** All rows of all documents, in file order. */
  rows(): RelationRow[] {
    return this.file.documents.flatMap((ed) => this.curatedDocs.get(ed.doc.id)?.rows ?? []);
  }

  /** The document whose lines hold a file offset, else the last one starting before it. */
  documentAt(fileOffset: number): EditorDocument | undefined {
    let best: EditorDocument | undefined;
    for (const ed of this.file.documents) {
      if (ed.fileSpan.start <= fileOffset) best = ed;
      if (fileOffset <= ed.fileSpan.end && fileOffset >= ed.fileSpan.start) return ed;
    }
    return best ?? this.file.documents[0];
  }

  /** The (curated) mention at a file offset. */
  mentionAt(fileOffset: number): MentionHit | undefined {
    const ed = this.documentAt(fileOffset);
    if (!ed) return undefined;
    const off = ed.fromFile(fileOffset);
    const curated = this.curatedDocs.get(ed.doc.id);
    if (off === undefined || !curated) return undefined;
    for (const p of curated.document.passages) {
      for (const m of p.annotations) {
        if (m.spans.some((s) => off >= s.start && off <= s.end)) return { ed, curated, mention: m };
      }
    }
    return undefined;
  }

  /** Rows in which a mention takes part (as itself or through its concept ids). */
  rowsOfMention(docId: string, m: Annotation): RelationRow[] {
    const rows = this.curatedDocs.get(docId)?.rows ?? [];
    return rows.filter((r) => r.args.some((a) => (a.ref.kind === 'annotation' ? a.ref.id === m.id : m.ids.includes(a.ref.id))));
  }

  /** First mention of a concept id or the mention with an id, for labels. */
  mentionFor(docId: string, ref: { kind: 'annotation' | 'concept'; id: string }): Annotation | undefined {
    const doc = this.curatedDocs.get(docId)?.document;
    if (!doc) return undefined;
    const all = doc.passages.flatMap((p) => p.annotations).sort((a, b) => annotationExtent(a).start - annotationExtent(b).start);
    return all.find((a) => (ref.kind === 'annotation' ? a.id === ref.id : a.ids.includes(ref.id)));
  }
}

export class CurationSessions implements vscode.Disposable {
  private readonly sessions = new Map<string, FileSession>();
  private readonly opening = new Map<string, Promise<FileSession | undefined>>();
  private readonly changed = new vscode.EventEmitter<FileSession>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('biore');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Fires after a session's file or curation changed. */
  readonly onDidChange = this.changed.event;

  constructor(
    /** Folder for sidecars of files whose own folder is read-only (and of unsaved files). */
    private readonly fallbackDir: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly onRead: (file: string, documents: number, ms: number) => void = () => {},
  ) {
    this.disposables.push(
      this.changed,
      this.diagnostics,
      vscode.workspace.onDidOpenTextDocument((d) => void this.openIfCuratable(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.scheduleReread(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.close(d.uri)),
    );
    for (const d of vscode.workspace.textDocuments) void this.openIfCuratable(d);
  }

  get(uri: vscode.Uri): FileSession | undefined {
    return this.sessions.get(uri.toString());
  }

  all(): FileSession[] {
    return [...this.sessions.values()];
  }

  private async openIfCuratable(doc: vscode.TextDocument): Promise<void> {
    if (looksCuratable(doc)) await this.open(doc);
  }

  /** The session of a document, created on first use (any text file can be curated on request). */
  open(doc: vscode.TextDocument): Promise<FileSession | undefined> {
    const key = doc.uri.toString();
    const existing = this.sessions.get(key);
    if (existing) return Promise.resolve(existing);
    let p = this.opening.get(key);
    if (!p) {
      p = this.create(doc).finally(() => this.opening.delete(key));
      this.opening.set(key, p);
    }
    return p;
  }

  private sidecarFor(uri: vscode.Uri): string {
    // A restricted (untrusted) workspace gets no files written into it: sidecars go to storage.
    if (uri.scheme === 'file' && vscode.workspace.isTrusted) return sidecarPathFor(uri.fsPath, this.fallbackDir);
    const hash = crypto.createHash('sha256').update(uri.toString()).digest('hex').slice(0, 12);
    return path.join(this.fallbackDir, `${path.basename(uri.path) || 'untitled'}.${hash}.biore.json`);
  }

  private async create(doc: vscode.TextDocument): Promise<FileSession | undefined> {
    const sidecar = this.sidecarFor(doc.uri);
    let store: CurationStore;
    try {
      store = await CurationStore.open(sidecar, doc.uri.fsPath);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.log.error(message);
      void vscode.window.showErrorMessage(`BioRE: ${message}. Fix or move the sidecar file, then reopen ${path.basename(doc.uri.path)}.`);
      return undefined;
    }
    const started = Date.now();
    const session = await FileSession.create(doc.uri, doc.getText(), store);
    const ms = Date.now() - started;
    this.onRead(path.basename(doc.uri.path), session.file.documents.length, ms);
    this.log.info(`opened ${doc.uri.fsPath}: ${session.file.documents.length} documents in ${ms} ms; sidecar ${sidecar}`);
    this.sessions.set(doc.uri.toString(), session);
    this.publishProblems(session, doc);
    this.changed.fire(session);
    return session;
  }

  private scheduleReread(doc: vscode.TextDocument): void {
    const session = this.get(doc.uri);
    if (!session) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    // Re-read after typing pauses: a large file is not parsed on every keystroke.
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void session.reread(doc.getText()).then((current) => {
          if (!current || this.get(doc.uri) !== session) return;
          this.publishProblems(session, doc);
          this.changed.fire(session);
        });
      }, 300),
    );
  }

  private publishProblems(session: FileSession, doc: vscode.TextDocument): void {
    const diags = session.file.problems.map((p) => {
      const line = Math.min(p.line, Math.max(0, doc.lineCount - 1));
      const text = doc.lineAt(line);
      const range = p.column !== undefined ? new vscode.Range(line, Math.min(p.column, text.text.length), line, text.text.length) : text.range;
      const d = new vscode.Diagnostic(range, p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = 'BioRE';
      return d;
    });
    this.diagnostics.set(doc.uri, diags);
  }

  /** Records a decision, replays the curation and notifies the UI. */
  async decide(session: FileSession, docId: string, body: DecisionBody): Promise<void> {
    await session.store.record(docId, body);
    this.refresh(session, [docId]);
  }

  /** Replays the given documents and notifies (after store changes made elsewhere: undo, suggestions, bulk). */
  refresh(session: FileSession, docIds: readonly string[]): void {
    for (const id of new Set(docIds)) session.recomputeDocument(id);
    this.changed.fire(session);
  }

  private close(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.sessions.delete(key);
    this.diagnostics.delete(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
