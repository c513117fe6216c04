/** The status-bar item: the active relation model, and progress while relations are extracted. */
import * as vscode from 'vscode';

export class ModelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('biore.status', vscode.StatusBarAlignment.Right, 100);
  private model = '';

  constructor() {
    this.item.name = 'BioRE';
    this.item.command = 'biore.openPanel';
    this.idle();
    this.item.show();
  }

  setModel(label: string): void {
    this.model = label;
    this.idle();
  }

  idle(): void {
    this.item.text = `$(beaker) BioRE · ${this.model || 'no model'}`;
    this.item.tooltip = 'BioRE Curator: relation model in use. Click to open the curation panel.';
  }

  busy(done: number, total: number): void {
    this.item.text = `$(sync~spin) BioRE · extracting ${done}/${total}`;
  }

  dispose(): void {
    this.item.dispose();
  }
}
