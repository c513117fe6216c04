/**
 * The CLI as a user runs it (the bundled dist/cli.js): exit codes, one-line errors naming the
 * input, conversions that round-trip, scorer output. `npm test` builds before running these.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { hasData } from '../../src/core/corpora/dataRoot';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SAMPLE = path.join(ROOT, 'samples', 'sample.pubtator');
const skip = !fs.existsSync(CLI) && 'dist/cli.js not built (npm run build)';

function biore(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function tmp(name: string, content?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'biore-cli-'));
  const file = path.join(dir, name);
  if (content !== undefined) fs.writeFileSync(file, content);
  return file;
}

test('convert PubTator -> BioC XML -> BioC JSON -> PubTator reproduces the sample', { skip }, () => {
  const xml = tmp('s.xml');
  const json = tmp('s.json');
  const back = tmp('s.pubtator');
  assert.equal(biore('convert', SAMPLE, xml).code, 0);
  assert.equal(biore('convert', xml, json).code, 0);
  const r = biore('convert', json, back);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.readFileSync(back, 'utf8'), fs.readFileSync(SAMPLE, 'utf8'));
});

test('bad input: non-zero exit, one line naming the input file, no stack trace, no output file', { skip }, () => {
  const cases: [string, string][] = [
    ['bad.pubtator', '1|t|abc\n1\t0\t9\tabcdefghi\tChemical\tD1\n'],
    ['empty.pubtator', ''],
    ['bad.xml', '<collection><document><id>1</id><passage><offset>x</offset></passage></document></collection>'],
    ['bomb.xml', '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><collection><source>&b;</source></collection>'],
    ['bad.json', '{"source": "x", "documents": [ {"id": 1, '],
  ];
  for (const [name, content] of cases) {
    const input = tmp(name, content);
    const out = `${input}.out.json`;
    const r = biore('convert', input, out);
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    assert.ok(r.stderr.includes(input), `${name}: message names the input: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${name}: one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(fs.existsSync(out), false, `${name}: no partial output`);
  }
  const missing = biore('convert', '/nonexistent/x.pubtator', tmp('o.xml'));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nonexistent/);
});

test('every command has --help', { skip }, () => {
  for (const cmd of [[], ['convert'], ['inspect'], ['corpus', 'stats'], ['score'], ['eval', 'splitter'], ['bench', 'stream']]) {
    const r = biore(...cmd, '--help');
    assert.equal(r.code, 0, cmd.join(' '));
    assert.match(r.stdout, /Usage: biore/);
  }
});

test('score: gold against itself is 100, an empty prediction is 0', { skip: skip || (!hasData() && 'corpora not found') }, () => {
  const self = JSON.parse(biore('score', '--task', 'cdr', 'bc5cdr:test', 'bc5cdr:test', '--json').stdout) as { micro: { f1: number }; gold: number };
  assert.equal(self.gold, 1066);
  assert.equal(self.micro.f1, 100);
  const empty = tmp('empty.pubtator', '');
  const none = JSON.parse(biore('score', '--task', 'cdr', 'bc5cdr:test', empty, '--json').stdout) as { micro: { f1: number } };
  assert.equal(none.micro.f1, 0);
});

test('corpus stats --json has the documented fields', { skip: skip || (!hasData() && 'corpora not found') }, () => {
  const r = biore('corpus', 'stats', '--corpus', 'ddi,drugprot', '--json');
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
  for (const k of ['corpus', 'split', 'documents', 'mentions', 'relations', 'relationsByType', 'candidates', 'offsetMismatches', 'leakGuardRemoved']) {
    assert.ok(k in rows[0]!, k);
  }
  const dev = rows.find((x) => x['corpus'] === 'drugprot' && x['split'] === 'dev')!;
  assert.equal(dev['relations'], 3765);
  const ddiTest = rows.find((x) => x['corpus'] === 'ddi' && x['split'] === 'test')!;
  assert.deepEqual(ddiTest['relationsByType'], { advise: 221, effect: 360, int: 96, mechanism: 302 });
});

test('evaluate --split: a split the corpus lacks, or a task it does not apply to, is one clear error', { skip: skip || (!hasData() && 'corpora not found') }, () => {
  const bad = biore('evaluate', '--task', 'ddi', '--split', 'nope', '--json');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /corpus ddi has no split "nope"/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/);
  const ner = biore('evaluate', '--task', 'ner-bc5cdr', '--split', 'dev');
  assert.notEqual(ner.code, 0);
  assert.match(ner.stderr, /--split does not apply to ner-bc5cdr/);
});
