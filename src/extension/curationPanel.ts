/**
 * Host side of the BioRE panel. The panel shows the curation of the most recently active curated
 * file; the host owns that state and sends a full snapshot whenever the panel is ready, becomes
 * visible, or the curation changes. Intents from the panel (accept, reject, undo, bulk accept,
 * reveal evidence) become recorded decisions through the sessions.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostToPanel, PanelRow, PanelSnapshot, PanelToHost } from '../protocol/panel';
import { documentText } from '../core/document/document';
import type { CurationSessions, FileSession } from './curationSessions';
import { argumentLabel } from './editorViews';
import { webviewHtml, webviewRoots } from './webviewHtml';
import { readSettings } from './config';

export const PANEL_VIEW_TYPE = 'biore.panel';

/** The panel's rows for one file. */
export function panelSnapshot(session: FileSession | undefined, threshold: number, model: string): PanelSnapshot {
  if (!session) return { documents: [], rows: [], threshold, model };
  const rows: PanelRow[] = [];
  for (const ed of session.file.documents) {
    const curated = session.curated(ed.doc.id);
    if (!curated) continue;
    const text = documentText(curated.document);
    for (const r of curated.rows) {
      const row: PanelRow = {
        key: r.key,
        docId: r.docId,
        type: r.type,
        status: r.status,
        gold: r.gold,
        added: r.added,
        args: r.args.map((a, i) => ({ role: a.role, ...argumentLabel(session, r, i) })),
      };
      if (r.score !== undefined) row.score = r.score;
      if (r.task !== undefined) row.task = r.task;
      if (r.model !== undefined) row.model = path.basename(r.model);
      if (r.evidence) row.evidence = text.slice(r.evidence.start, r.evidence.end).replace(/\s+/g, ' ');
      rows.push(row);
    }
  }
  return {
    fileName: path.basename(session.uri.path),
    documents: session.file.documents.map((ed) => ({ id: ed.doc.id, title: ed.doc.passages[0]?.text.slice(0, 120) ?? '' })),
    rows,
    threshold,
    model,
  };
}

export class CurationPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private current: FileSession | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly sessions: CurationSessions,
    private readonly modelLabel: () => string,
    private readonly revealEvidence: (session: FileSession, docId: string, key: string) => Promise<void>,
  ) {
    this.disposables.push(
      sessions.onDidChange((s) => {
        if (!this.current || s === this.current || !this.sessions.get(this.current.uri)) {
          this.current = s;
          this.post();
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
    panel.onDidDispose(() => (this.panel = undefined), undefined, this.disposables);
  }

  private activeSession(): FileSession | undefined {
    const e = vscode.window.activeTextEditor;
    return (e && this.sessions.get(e.document.uri)) ?? this.sessions.all()[0];
  }

  private post(): void {
    if (!this.panel) return;
    const session = this.current && this.sessions.get(this.current.uri) ? this.current : this.activeSession();
    const msg: HostToPanel = { type: 'panel/state', snapshot: panelSnapshot(session, readSettings(session?.uri).threshold, this.modelLabel()) };
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
      case 'relation/undo':
        if (session) await session.undo();
        return;
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
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
