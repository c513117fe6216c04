/**
 * Extension entry point: wiring only. Builds the curation sessions (files, sidecars, problems),
 * the editor views (highlights, evidence notes, hovers, CodeLens, outline), the status bar, the
 * panel (restored after reload by its serializer) and the commands. The engine worker starts on
 * first use, so opening a file never waits for onnxruntime.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineClient } from '../worker/engineClient';
import { CurationSessions, type FileSession } from './curationSessions';
import { DecorationController, DocumentCountsLensProvider, DocumentOutlineProvider, MentionHoverProvider } from './editorViews';
import { CurationPanel, PANEL_VIEW_TYPE } from './curationPanel';
import { ModelStatusBar } from './statusBar';
import { PerformanceMonitor } from './performance';
import { modelLabel, registerCommands } from './commands';
import { affectsSettings, readSettings } from './config';

let engine: EngineClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const started = Date.now();
  try {
    const log = vscode.window.createOutputChannel('BioRE', { log: true });
    const storage = (context.storageUri ?? context.globalStorageUri).fsPath;
    const modelRoots = [path.join(context.extensionPath, 'models'), path.join(context.globalStorageUri.fsPath, 'models')];
    const perf = new PerformanceMonitor();
    const sessions = new CurationSessions(path.join(storage, 'sidecars'), log, (file, n, ms) => perf.recordOpen(file, n, ms));
    const statusBar = new ModelStatusBar();
    statusBar.setModel(modelLabel(readSettings(), modelRoots));
    const getEngine = (): EngineClient => (engine ??= new EngineClient(context.asAbsolutePath('dist/engineWorker.js'), { background: readSettings().inferencePriority === 'background' }));
    const revealEvidence = async (session: FileSession, docId: string, key: string): Promise<void> => {
      const row = session.curated(docId)?.rows.find((r) => r.key === key);
      const ed = session.editorDocument(docId);
      const span = row?.evidence && ed?.spanToFile(row.evidence);
      const doc = await vscode.workspace.openTextDocument(session.uri);
      const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
      if (!span) return;
      const range = new vscode.Range(doc.positionAt(span.start), doc.positionAt(span.end));
      editor.selection = new vscode.Selection(range.start, range.end);
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    };
    const panel = new CurationPanel(context.extensionUri, sessions, () => modelLabel(readSettings(), modelRoots), revealEvidence);
    const languages = [{ language: 'pubtator' }, { language: 'bioc' }, { language: 'biocjson' }, { language: 'plaintext' }, { language: 'xml' }, { language: 'json' }];
    const lenses = new DocumentCountsLensProvider(sessions);
    const outline = new DocumentOutlineProvider(sessions);
    context.subscriptions.push(
      perf,
      vscode.commands.registerCommand('biore.showPerformance', () => {
        const line = perf.report();
        log.info(line);
        void vscode.window.showInformationMessage(`BioRE performance: ${line}`);
      }),
      log,
      sessions,
      statusBar,
      panel,
      lenses,
      new DecorationController(sessions, context.extensionUri, log),
      vscode.languages.registerHoverProvider(languages, new MentionHoverProvider(sessions)),
      vscode.languages.registerCodeLensProvider(languages, lenses),
      vscode.languages.registerDocumentSymbolProvider({ language: 'pubtator' }, outline),
      vscode.languages.registerFoldingRangeProvider({ language: 'pubtator' }, outline),
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (webviewPanel) => panel.restore(webviewPanel),
      }),
      // Menus of curated files that are not of our languages (a .txt in PubTator layout, BioC in .xml).
      vscode.window.onDidChangeActiveTextEditor((e) => void vscode.commands.executeCommand('setContext', 'biore.curatedFile', !!(e && sessions.get(e.document.uri)))),
      sessions.onDidChange(() => {
        const e = vscode.window.activeTextEditor;
        void vscode.commands.executeCommand('setContext', 'biore.curatedFile', !!(e && sessions.get(e.document.uri)));
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsSettings(e)) statusBar.setModel(modelLabel(readSettings(), modelRoots));
      }),
      ...registerCommands({ sessions, panel: () => panel, engine: getEngine, statusBar, log, modelRoots, storageDir: context.globalStorageUri.fsPath,
        recentModels: {
          list: () => context.globalState.get<string[]>('biore.recentModels', []),
          add: async (dir) => context.globalState.update('biore.recentModels', [dir, ...context.globalState.get<string[]>('biore.recentModels', []).filter((d) => d !== dir)].slice(0, 8)),
        },
      }),
    );
    log.info(`activated in ${Date.now() - started} ms; models in ${modelRoots.join(', ')}`);
  } catch (e) {
    void vscode.window.showErrorMessage(`BioRE failed to start: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
}

export async function deactivate(): Promise<void> {
  await engine?.dispose();
  engine = undefined;
}
