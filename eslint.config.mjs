// Flat config. The layering is enforced here (README, "Architecture"):
// - core, CLI, worker, protocol and webview code never import `vscode`, so the core runs in the
//   CLI, in tests and in worker threads without an editor;
// - only the runtime session (src/core/runtime/session.ts) imports onnxruntime;
// - nothing in core below training imports training (inference never does);
// - the webview imports only the panel protocol.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const vscode = { name: 'vscode', message: 'Only src/extension/** may import vscode.' };
const onnxruntime = { name: 'onnxruntime-node', message: 'Only src/core/runtime/session.ts imports onnxruntime; use createSession.' };
const training = { group: ['**/training', '**/training/**'], message: 'Training sits on top of inference and curation: nothing below it imports it.' };
const outsideProtocol = { group: ['**/core/**', '**/extension/**', '**/worker/**', '**/cli/**'], message: 'The webview imports only src/protocol/**.' };

/** One no-restricted-imports rule from its parts (flat config replaces a rule's options, so each file set gets all of its own). */
const restrict = (paths, patterns = []) => ({ 'no-restricted-imports': ['error', { paths, patterns }] });

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '**/*.mjs', '**/*.cjs', '.ci/**', '.e2e/**', '.package/**', 'runs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      curly: ['error', 'multi-line'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // A promise nobody awaits loses its error (and, in the extension, a curator's decision).
    files: ['src/**/*.ts'],
    ignores: ['src/webview/**'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  { files: ['src/**/*.ts'], rules: restrict([onnxruntime]) },
  { files: ['src/cli/**/*.ts', 'src/worker/**/*.ts', 'src/protocol/**/*.ts'], rules: restrict([vscode, onnxruntime]) },
  { files: ['src/core/**/*.ts'], ignores: ['src/core/training/**'], rules: restrict([vscode, onnxruntime], [training]) },
  { files: ['src/core/training/**/*.ts'], rules: restrict([vscode, onnxruntime]) },
  { files: ['src/core/runtime/session.ts'], rules: restrict([vscode], [training]) },
  { files: ['src/webview/**/*.ts'], rules: restrict([vscode, onnxruntime], [outsideProtocol]) },
);
