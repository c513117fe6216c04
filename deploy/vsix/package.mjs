// One platform-specific .vsix per target (VS Code's marketplace convention), each with only its
// own onnxruntime binaries: biore-curator-<target>-<version>.vsix in the repository root (or --out DIR).
//
// usage: node deploy/vsix/package.mjs [--out DIR] [TARGET...]   (run `node esbuild.mjs --production` first;
//        `npm run package` does both). Offline: vsce packs local files.
//
// Each target is staged in .package/<target>/: the bundles in dist/ (all our JavaScript), media/,
// models/, README, and node_modules/onnxruntime-node (its JavaScript plus bin/napi-v6/<platform>/<arch>
// only) with onnxruntime-common. onnxruntime-node 1.30 ships no macOS x64 binary; darwin-x64 gets
// the whole 1.23.2 package (the last release with one: the devDependency `onnxruntime-node-darwin-x64`)
// with its own onnxruntime-common, so its JavaScript and binary match.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const require = (p) => JSON.parse(fs.readFileSync(p, 'utf8'));

/** Target → where its onnxruntime-node comes from and which bin/napi-v6 folder it keeps. */
export const TARGETS = {
  'linux-x64': { ort: 'node_modules/onnxruntime-node', bin: 'linux/x64' },
  'linux-arm64': { ort: 'node_modules/onnxruntime-node', bin: 'linux/arm64' },
  'darwin-x64': { ort: 'node_modules/onnxruntime-node-darwin-x64', bin: 'darwin/x64' },
  'darwin-arm64': { ort: 'node_modules/onnxruntime-node', bin: 'darwin/arm64' },
  'win32-x64': { ort: 'node_modules/onnxruntime-node', bin: 'win32/x64' },
};

function copy(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true, dereference: true });
}

/** onnxruntime-common beside an onnxruntime-node folder: its own nested copy, else the top-level one. */
function commonFor(ortDir) {
  const nested = path.join(ortDir, 'node_modules', 'onnxruntime-common');
  return fs.existsSync(nested) ? nested : path.join(ROOT, 'node_modules', 'onnxruntime-common');
}

function stage(target, dir) {
  const { ort, bin } = TARGETS[target];
  const ortDir = path.join(ROOT, ort);
  const binDir = path.join(ortDir, 'bin', 'napi-v6', bin);
  if (!fs.existsSync(path.join(binDir, 'onnxruntime_binding.node'))) throw new Error(`${target}: no onnxruntime binary at ${path.relative(ROOT, binDir)} (run npm ci)`);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const f of ['dist/extension.js', 'dist/engineWorker.js', 'dist/webview/panel.js', 'media', 'models', 'README.md', 'LICENSE']) {
    if (fs.existsSync(path.join(ROOT, f))) copy(path.join(ROOT, f), path.join(dir, f));
  }
  const ortPkg = require(path.join(ortDir, 'package.json'));
  const commonDir = commonFor(ortDir);
  const commonPkg = require(path.join(commonDir, 'package.json'));
  // onnxruntime-node as it runs: its JavaScript and this target's binaries. Its other
  // dependencies serve only its install script, which never runs in an extension.
  const to = path.join(dir, 'node_modules', 'onnxruntime-node');
  copy(path.join(ortDir, 'dist'), path.join(to, 'dist'));
  copy(binDir, path.join(to, 'bin', 'napi-v6', bin));
  for (const f of ['LICENSE', 'README.md']) if (fs.existsSync(path.join(ortDir, f))) copy(path.join(ortDir, f), path.join(to, f));
  fs.writeFileSync(path.join(to, 'package.json'), JSON.stringify({ ...ortPkg, name: 'onnxruntime-node', dependencies: { 'onnxruntime-common': commonPkg.version }, scripts: {} }, null, 2));
  const common = path.join(dir, 'node_modules', 'onnxruntime-common');
  copy(path.join(commonDir, 'dist', 'cjs'), path.join(common, 'dist', 'cjs'));
  for (const f of ['LICENSE', 'README.md']) if (fs.existsSync(path.join(commonDir, f))) copy(path.join(commonDir, f), path.join(common, f));
  fs.writeFileSync(path.join(common, 'package.json'), JSON.stringify({ ...commonPkg, scripts: {} }, null, 2));
  // The manifest as installed: everything but onnxruntime-node is bundled into dist/.
  const manifest = require(path.join(ROOT, 'package.json'));
  delete manifest.devDependencies;
  delete manifest.scripts;
  delete manifest.bin;
  manifest.dependencies = { 'onnxruntime-node': ortPkg.version };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  // Everything staged ships, except source maps and type declarations.
  fs.writeFileSync(path.join(dir, '.vscodeignore'), '**/*.map\n**/*.d.ts\n**/*.d.mts\n**/esm/**\n');
  return { ort: ortPkg.version, common: commonPkg.version };
}

const args = process.argv.slice(2);
let outDir = ROOT;
const targets = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out') outDir = path.resolve(args[++i]);
  else if (TARGETS[args[i]]) targets.push(args[i]);
  else {
    console.error(`package: unknown target "${args[i]}" (use ${Object.keys(TARGETS).join(', ')})`);
    process.exit(1);
  }
}
const version = require(path.join(ROOT, 'package.json')).version;
for (const f of ['dist/extension.js', 'dist/engineWorker.js', 'dist/webview/panel.js']) {
  if (!fs.existsSync(path.join(ROOT, f))) {
    console.error(`package: ${f} is missing; run node esbuild.mjs --production first`);
    process.exit(1);
  }
}
const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
fs.mkdirSync(outDir, { recursive: true });
for (const target of targets.length ? targets : Object.keys(TARGETS)) {
  const dir = path.join(ROOT, '.package', target);
  const versions = stage(target, dir);
  const out = path.join(outDir, `biore-curator-${target}-${version}.vsix`);
  execFileSync(process.execPath, [vsce, 'package', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--target', target, '-o', out], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`${path.relative(process.cwd(), out) || out}: ${(fs.statSync(out).size / 2 ** 20).toFixed(1)} MB, onnxruntime-node ${versions.ort} (${TARGETS[target].bin})`);
  fs.rmSync(dir, { recursive: true, force: true });
}
fs.rmSync(path.join(ROOT, '.package'), { recursive: true, force: true });
