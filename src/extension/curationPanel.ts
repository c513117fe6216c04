/**
 * Host side of the BioRE panel. The panel shows the curation of the most recently active curated
 * file; the host owns that state and sends a full snapshot when the panel is ready, becomes
 * visible or switches file, and otherwise deltas: the rows of the documents a change touched,
 * at most one message per DELTA_INTERVAL_MS, one every two seconds while many documents change at once (a hidden panel gets nothing until it is shown).
 * Intents from the panel (accept, reject, undo, bulk accept, reveal evidence) become recorded
 * decisions through the sessions.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostToPanel, PanelDelta, PanelRow, PanelSnapshot, PanelToHost } from '../protocol/panel';
import { annotationExtent, documentText, type Annotation, type RelationArgument } from '../core/document/document';
import type { CurationSessions, FileSession } from './curationSessions';
import { webviewHtml, webviewRoots } from './webviewHtml';
import { readSettings } from './config';

export const PANEL_VIEW_TYPE = 'biore.panel';

/** The panel's rows of one document. */
function documentRows(session: FileSession, docId: string): PanelRow[] {
  const curated = session.curated(docId);
  if (!curated) return [];
  const text = documentText(curated.document);
  // Labels from one lookup per document (a mention by id, a concept by its first mention), as
  // argumentLabel gives them, without a search per argument: a delta may carry thousands of rows.
  const mentions = curated.document.passages.flatMap((p) => p.annotations).sort((a, b) => annotationExtent(a).start - annotationExtent(b).start);
  const byId = new Map(mentions.map((m) => [m.id, m] as const));
  const byConcept = new Map<string, Annotation>();
  for (const m of mentions) for (const id of m.ids) if (!byConcept.has(id)) byConcept.set(id, m);
  const label = (ref: RelationArgument['ref']): { label: string; conceptId: string; entityType: string } => {
    const m = ref.kind === 'annotation' ? byId.get(ref.id) : byConcept.get(ref.id);
    return { label: m?.text ?? ref.id, conceptId: ref.kind === 'concept' ? ref.id : (m?.ids.join('|') ?? ''), entityType: m?.type ?? '' };
  };
  return curated.rows.map((r) => {
    const row: PanelRow = {
      key: r.key,
      docId: r.docId,
      type: r.type,
      status: r.status,
      gold: r.gold,
      added: r.added,
      args: r.args.map((a) => ({ role: a.role, ...label(a.ref) })),
    };
    if (r.score !== undefined) row.score = r.score;
    if (r.task !== undefined) row.task = r.task;
    if (r.model !== undefined) row.model = path.basename(r.model);
    // The panel shows one line of it (Enter jumps to the whole sentence): a 5,000-row file then
    // costs a fraction of the message bytes.
    if (r.evidence) row.evidence = text.slice(r.evidence.start, Math.min(r.evidence.end, r.evidence.start + EVIDENCE_CHARS)).replace(/\s+/g, ' ');
    return row;
  });
}

/** The panel's rows for one file. */
export function panelSnapshot(session: FileSession | undefined, threshold: number, model: string, focusDocId?: string): PanelSnapshot {
  if (!session) return { documents: [], rows: [], threshold, model };
  return {
    fileName: path.basename(session.uri.path),
    documents: session.file.documents.map((ed) => ({ id: ed.doc.id, title: ed.doc.passages[0]?.text.slice(0, 120) ?? '' })),
    rows: session.file.documents.flatMap((ed) => documentRows(session, ed.doc.id)),
    threshold,
    model,
    ...(focusDocId ? { focusDocId } : {}),
  };
}

/** The rows of the documents that changed. */
export function panelDelta(session: FileSession, docIds: Iterable<string>, focus?: PanelDelta['focus']): PanelDelta {
  return { fileName: path.basename(session.uri.path), documents: [...docIds].map((id) => ({ id, rows: documentRows(session, id) })), ...(focus ? { focus } : {}) };
}

/** Characters of a row's evidence sentence sent to the panel. */
const EVIDENCE_CHARS = 240;

/** At most one delta per this many ms: a whole-file run changes a document every few ms. */
const DELTA_INTERVAL_MS = 250;
/**
 * The interval while many documents change at once (a whole-file extraction, Detect Mentions):
 * the rows then stream at one message every two seconds: every message costs the window (which
 * the engine worker yields to) a copy, a parse and a rebuild of the list, time the extraction
 * waits for on a machine with few cores; a curator's own decision (one document) still answers
 * within DELTA_INTERVAL_MS.
 */
const BULK_INTERVAL_MS = 2000;
/** More documents than this waiting for the next message make it a bulk change. */
const BULK_DOCUMENTS = 10;

export class CurationPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private current: FileSession | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Documents changed since the last message; `full` when a snapshot is due instead. */
  private dirty = new Set<string>();
  private full = false;
  private focus: PanelDelta['focus'];
  private timer: NodeJS.Timeout | undefined;
  private lastSent = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sessions: CurationSessions,
    private readonly modelLabel: () => string,
    private readonly revealEvidence: (session: FileSession, docId: string, key: string) => Promise<void>,
  ) {
    this.disposables.push(
      sessions.onDidChangeDocuments(({ session, docIds }) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString() === session.uri.toString();
        if (session === this.current && this.sessions.get(session.uri)) this.schedule(docIds);
        else if (!this.current || !this.sessions.get(this.current.uri) || active) {
          // The file being worked on (Detect Mentions, an extraction) is what the panel shows.
          this.current = session;
          this.schedule();
        }
      }),
      vscode.window.onDidChangeActiveTextEditor((e) => {
        const s = e && this.sessions.get(e.document.uri);
        if (s && s !== this.current) {
          this.current = s;
          this.post();
        }
      }),
    );
  }

  /** Queues the rows of `docIds` (all documents when absent) and sends them within DELTA_INTERVAL_MS. */
  private schedule(docIds?: readonly string[]): void {
    if (docIds) for (const id of docIds) this.dirty.add(id);
    else this.full = true;
    if (!this.panel?.visible) return;
    if (this.timer) return;
    const interval = this.full || this.dirty.size > BULK_DOCUMENTS ? BULK_INTERVAL_MS : DELTA_INTERVAL_MS;
    const wait = Math.max(0, this.lastSent + interval - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (!this.panel?.visible) return;
    const session = this.current && this.sessions.get(this.current.uri) ? this.current : undefined;
    if (this.full || !session) {
      this.post();
      return;
    }
    if (this.dirty.size === 0 && !this.focus) return;
    const msg: HostToPanel = { type: 'panel/delta', delta: panelDelta(session, this.dirty, this.focus) };
    this.dirty = new Set();
    this.focus = undefined;
    this.lastSent = Date.now();
    void this.panel.webview.postMessage(msg);
  }

  /** True while the panel is open (visible or in a background tab). */
  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Opens (or reveals) the panel beside the editor. */
  show(session?: FileSession): void {
    if (session) this.current = session;
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      this.post();
      return;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'BioRE Curation', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: webviewRoots(this.extensionUri),
    });
    this.attach(panel);
  }

  /** Takes over a panel restored after a reload (registerWebviewPanelSerializer). */
  restore(panel: vscode.WebviewPanel): void {
    panel.webview.options = { enableScripts: true, localResourceRoots: webviewRoots(this.extensionUri) };
    this.attach(panel);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.current ??= this.activeSession();
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, { title: 'BioRE Curation', script: 'panel.js', style: 'panel.css' });
    panel.webview.onDidReceiveMessage((m: PanelToHost) => void this.onMessage(m).catch((e: unknown) => void vscode.window.showErrorMessage(`BioRE: ${(e as Error).message}`)), undefined, this.disposables);
    panel.onDidChangeViewState(() => panel.visible && this.post(), undefined, this.disposables);
    panel.onDidDispose(
      () => {
        this.panel = undefined;
        clearTimeout(this.timer);
        this.timer = undefined;
      },
      undefined,
      this.disposables,
    );
  }

  private activeSession(): FileSession | undefined {
    const e = vscode.window.activeTextEditor;
    return (e && this.sessions.get(e.document.uri)) ?? this.sessions.all()[0];
  }

  /** Sends a full snapshot, opening at the document under the editor's cursor. */
  private post(): void {
    if (!this.panel) return;
    const session = this.current && this.sessions.get(this.current.uri) ? this.current : this.activeSession();
    const editor = vscode.window.visibleTextEditors.find((e) => session && e.document.uri.toString() === session.uri.toString());
    const focusDocId = editor && session ? session.documentAt(editor.document.offsetAt(editor.selection.active))?.doc.id : undefined;
    const msg: HostToPanel = { type: 'panel/state', snapshot: panelSnapshot(session, readSettings(session?.uri).threshold, this.modelLabel(), focusDocId) };
    this.dirty = new Set();
    this.full = false;
    this.focus = undefined;
    this.lastSent = Date.now();
    void this.panel.webview.postMessage(msg);
  }

  private async onMessage(m: PanelToHost): Promise<void> {
    const session = this.current ?? this.activeSession();
    switch (m.type) {
      case 'panel/ready':
        this.post();
        return;
      case 'relation/verdict':
        if (session) await session.decide(m.docId, { op: 'relation/verdict', key: m.key, verdict: m.verdict });
        return;
      case 'relation/undo': {
        const undone = session && (await session.undo());
        // The restored row becomes the selection again.
        if (undone?.op === 'relation/verdict') {
          this.focus = { docId: undone.docId, key: undone.key };
          this.schedule([undone.docId]);
        }
        return;
      }
      case 'relation/bulkAccept': {
        if (!session) return;
        const wanted = new Set(m.keys.map((k) => `${k.docId}\n${k.key}`));
        const items = session
          .rows()
          .filter((r) => r.status === 'suggested' && (r.score ?? 0) >= m.threshold && wanted.has(`${r.docId}\n${r.key}`))
          .map((r) => ({ docId: r.docId, body: { op: 'relation/verdict' as const, key: r.key, verdict: 'accepted' as const } }));
        await session.decideMany(items);
        void vscode.window.showInformationMessage(`BioRE: accepted ${items.length} relation(s) at or above ${m.threshold}`);
        return;
      }
      case 'evidence/reveal':
        if (session) await this.revealEvidence(session, m.docId, m.key);
        return;
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
