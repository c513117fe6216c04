// Content check of the platform VSIXs that `npm run package` writes: each holds our bundles, the
// panel, the models and exactly one onnxruntime binary, its own target's, and declares that target.
// usage: node test/e2e/checkVsix.mjs DIR   (DIR holds biore-curator-<target>-<version>.vsix)
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = path.resolve(process.argv[2] ?? ROOT);
const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
const TARGETS = { 'linux-x64': 'linux/x64', 'linux-arm64': 'linux/arm64', 'darwin-x64': 'darwin/x64', 'darwin-arm64': 'darwin/arm64', 'win32-x64': 'win32/x64' };
const LIBRARY = { linux: /libonnxruntime\.so\.1$/, darwin: /libonnxruntime\.[0-9.]*dylib$/, win32: /onnxruntime\.dll$/ };
let failed = 0;
for (const [target, bin] of Object.entries(TARGETS)) {
  const file = path.join(dir, `biore-curator-${target}-${version}.vsix`);
  try {
    assert.ok(fs.existsSync(file), `${path.basename(file)} exists`);
    const entries = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter(Boolean);
    for (const f of ['extension/dist/extension.js', 'extension/dist/engineWorker.js', 'extension/dist/webview/panel.js', 'extension/package.json', 'extension/media/panel.css', 'extension/media/relation-note.svg', 'extension/models/ner/model.onnx', 'extension/node_modules/onnxruntime-node/dist/index.js', 'extension/node_modules/onnxruntime-common/dist/cjs/index.js']) {
      assert.ok(entries.includes(f), `${target}: has ${f}`);
    }
    const bindings = entries.filter((e) => e.endsWith('onnxruntime_binding.node'));
    assert.deepEqual(bindings, [`extension/node_modules/onnxruntime-node/bin/napi-v6/${bin}/onnxruntime_binding.node`], `${target}: exactly its own binding`);
    const natives = entries.filter((e) => /\.(node|so(\.\d+)*|dylib|dll)$/.test(e));
    assert.ok(natives.every((e) => e.includes(`/bin/napi-v6/${bin}/`)), `${target}: no other platform's native file: ${natives.join(', ')}`);
    assert.ok(natives.some((e) => LIBRARY[bin.split('/')[0]].test(e)), `${target}: the onnxruntime library itself`);
    assert.ok(!entries.some((e) => /^extension\/(src|test|out|node_modules\/\.bin)\//.test(e) || e.endsWith('.map')), `${target}: no sources, tests or source maps`);
    const manifest = execFileSync('unzip', ['-p', file, 'extension.vsixmanifest'], { encoding: 'utf8' });
    assert.match(manifest, new RegExp(`TargetPlatform="${target}"`), `${target}: declares its platform`);
    const pkg = JSON.parse(execFileSync('unzip', ['-p', file, 'extension/package.json'], { encoding: 'utf8' }));
    assert.equal(pkg.main, './dist/extension.js');
    const ort = JSON.parse(execFileSync('unzip', ['-p', file, 'extension/node_modules/onnxruntime-node/package.json'], { encoding: 'utf8' }));
    const common = JSON.parse(execFileSync('unzip', ['-p', file, 'extension/node_modules/onnxruntime-common/package.json'], { encoding: 'utf8' }));
    assert.equal(ort.dependencies['onnxruntime-common'], common.version, `${target}: onnxruntime-node and -common of one release`);
    console.log(`vsix ${target}: ok (${entries.length} files, ${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MB, onnxruntime-node ${ort.version}, ${bindings[0]})`);
  } catch (e) {
    failed++;
    console.log(`vsix ${target}: FAIL ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
