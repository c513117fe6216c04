/**
 * Extension entry point: wiring only. The curation features arrive with the extension issue;
 * for now it registers one command that parses the active PubTator document with the core and
 * reports its counts, proving the core bundles into the extension host.
 */
import * as vscode from 'vscode';
import { parsePubTator } from '../core/formats/pubtator';
import { documentAnnotations } from '../core/model/document';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('biore.showDocumentStats', () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      try {
        const col = parsePubTator(editor.document.getText(), editor.document.uri.fsPath);
        const mentions = col.documents.reduce((n, d) => n + documentAnnotations(d).length, 0);
        const relations = col.documents.reduce((n, d) => n + d.relations.length, 0);
        void vscode.window.showInformationMessage(
          `BioRE: ${col.documents.length} documents, ${mentions} mentions, ${relations} relations`,
        );
      } catch (e) {
        void vscode.window.showErrorMessage(`BioRE: ${(e as Error).message}`);
      }
    }),
  );
}

export function deactivate(): void {}
