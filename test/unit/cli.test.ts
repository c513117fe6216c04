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

/** `n` copies of the sample with distinct PMIDs. */
function repeatedSample(n: number): string {
  const one = fs.readFileSync(SAMPLE, 'utf8').trimEnd() + '\n\n';
  let s = '';
  for (let i = 0; i < n; i++) s += one.replaceAll('99000001', String(10000000 + i));
  return s;
}

test('a file that breaks after documents were written: one line, no stream error, no output', { skip }, () => {
  // A broken line after n good documents: the writer has begun (a write may be in flight) when
  // the reader fails. Before the fix this printed ERR_STREAM_DESTROYED's stack after the message.
  for (const [i, n] of [1, 1, 2, 5, 10, 40].entries()) {
    const input = tmp('truncated.pubtator', repeatedSample(n) + '10000099\tbroken\n');
    const out = `${input}.${i}.json`;
    const r = biore('convert', input, out, '--to', 'biocjson');
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /truncated\.pubtator:\d+: /);
    assert.doesNotMatch(r.stderr, /ERR_STREAM|\n\s+at /);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(fs.readdirSync(path.dirname(input)).filter((f) => f.includes('.tmp-')), []);
  }
});

test('a reader that closes the pipe early (| head) ends the command quietly', { skip }, () => {
  const input = tmp('many.pubtator', repeatedSample(3000));
  for (const to of ['pubtator', 'bioc', 'biocjson']) {
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" convert "${input}" - --to ${to} | head -c 100 > /dev/null`], { encoding: 'utf8' });
    assert.equal(r.stderr, '', `${to}: ${r.stderr}`);
    assert.equal(r.status, 0, to);
  }
});

test('binary input is "not a text file", naming the file; nothing is echoed', { skip }, () => {
  const bytes = Buffer.alloc(3000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37) % 256;
  bytes.write('ELF', 1);
  for (const name of ['blob.pubtator', 'blob.txt', 'blob.xml', 'blob.json', 'blob.bin']) {
    const input = tmp(name);
    fs.writeFileSync(input, bytes);
    for (const args of [['inspect', input], ['convert', input, '-', '--to', 'pubtator']]) {
      const r = biore(...args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^biore: ${input.replace(/[.]/g, '\\.')}:1: not a text file`));
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  }
  // A text file with one NUL deep inside is refused at that line.
  const late = tmp('late.pubtator', repeatedSample(3) + '\0');
  assert.match(biore('inspect', late).stderr, /late\.pubtator:\d+: not a text file/);
});

test('--tasks and --min-score: bad values are one-line errors before any model loads', { skip }, () => {
  for (const cmd of ['annotate', 'extract']) {
    for (const [flag, value, msg] of [['--tasks', 'cdr,foo', /--tasks: unknown task "foo"/], ['--min-score', '1.5', /--min-score: "1.5" is not a number from 0 to 1/], ['--min-score', 'x', /--min-score/]] as const) {
      const r = biore(cmd, SAMPLE, flag, value);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  }
});
