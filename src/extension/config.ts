/**
 * The only reader of the editor configuration: maps `biore.*` settings to the core `Settings`.
 * To add a setting: schema in package.json, field in core Settings, mapping here, then use it.
 */
import * as vscode from 'vscode';
import { normalizeSettings, type Settings } from '../core/settings';

export function readSettings(scope?: vscode.Uri): Settings {
  const c = vscode.workspace.getConfiguration('biore', scope);
  return normalizeSettings({
    modelPath: c.get('model.path'),
    threshold: c.get('threshold'),
    tasks: c.get('tasks'),
    threads: c.get('threads'),
    relationNotes: c.get('relationNotes'),
    inferencePriority: c.get('inferencePriority'),
  });
}

/** Points `biore.model.path` at another model folder (user settings). */
export async function setModelPath(dir: string): Promise<void> {
  await vscode.workspace.getConfiguration('biore').update('model.path', dir, vscode.ConfigurationTarget.Global);
}

/** True when a configuration change touches one of our settings. */
export function affectsSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('biore');
}
