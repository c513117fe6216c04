/**
 * The editor's side of curation sessions: one core CurationSession per open curated file, created
 * when a file opens, re-read after edits, closed with the file; publishes the file's problems as
 * diagnostics. Editor events come in here; everything the
 * UI shows (decorations, hovers, CodeLens, the panel) reads sessions and listens to `onDidChange`.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CurationStore, sidecarPathFor } from '../core/curation/curationStore';
import { CurationSession } from '../core/curation/curationSession';

export type { MentionHit } from '../core/curation/curationSession';

/** The core curation session of a file open in the editor. */
export type FileSession = CurationSession<vscode.Uri>;

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

export class CurationSessions implements vscode.Disposable {
  private readonly sessions = new Map<string, FileSession>();
  private readonly opening = new Map<string, Promise<FileSession | undefined>>();
  private readonly changed = new vscode.EventEmitter<FileSession>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('biore');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changedDocuments = new vscode.EventEmitter<{ session: FileSession; docIds?: readonly string[] }>();
  /** Fires after a session's file or curation changed. */
  readonly onDidChange = this.changed.event;
  /** Like onDidChange, with the documents a recorded change touched (none given: the whole file changed). */
  readonly onDidChangeDocuments = this.changedDocuments.event;

  constructor(
    /** Folder for sidecars of files whose own folder is read-only (and of unsaved files). */
    private readonly fallbackDir: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly onRead: (file: string, documents: number, ms: number) => void = () => {},
  ) {
    this.disposables.push(
      this.changed,
      this.changedDocuments,
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
    const session = await CurationSession.create(doc.uri, doc.getText(), store);
    session.onDidChange((docIds) => {
      if (this.get(doc.uri) !== session) return;
      this.changed.fire(session);
      this.changedDocuments.fire({ session, docIds });
    });
    const ms = Date.now() - started;
    this.onRead(path.basename(doc.uri.path), session.file.documents.length, ms);
    this.log.info(`opened ${doc.uri.fsPath}: ${session.file.documents.length} documents in ${ms} ms; sidecar ${sidecar}`);
    this.sessions.set(doc.uri.toString(), session);
    this.publishProblems(session, doc);
    this.changed.fire(session);
    this.changedDocuments.fire({ session });
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
          this.changedDocuments.fire({ session });
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
