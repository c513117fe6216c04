/**
 * The one place that writes webview HTML: strict CSP (nothing but our own script, by nonce, and
 * styles and fonts from the extension's own folders) and resource URIs under the allowed roots.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

/** Roots a webview may load from: the bundled webview code and static media only. */
export function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, opts: { title: string; script: string; style: string }): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', opts.script));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', opts.style));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${opts.title}</title>
</head>
<body>
<div id="app" tabindex="0"></div>
<script type="module" nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
