/**
 * `biore annotate` and `biore extract` with the shipped models, run as a user runs them: from a
 * folder other than the repository (the models resolve from the package), and with the relation
 * selection flags `--tasks`, `--min-score` and `--scores`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parsePubTator } from '../../src/core/formats/pubtator';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const skip = !fs.existsSync(CLI) && 'dist/cli.js not built (npm run build)';
const ELSEWHERE = fs.mkdtempSync(path.join(os.tmpdir(), 'biore-elsewhere-'));
const TEXT = path.join(ELSEWHERE, 'abstract.txt');
fs.copyFileSync(path.join(ROOT, 'samples', 'sample.txt'), TEXT);

function biore(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ELSEWHERE });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Relation lines of a PubTator text, as columns. */
function relationLines(pubtator: string): string[][] {
  return pubtator.split('\n').map((l) => l.split('\t')).filter((c) => c.length >= 4 && !/^\d+$/.test(c[1]!));
}

test('annotate from another folder finds the package models; --tasks, --min-score and --scores select and keep scores', { skip }, () => {
  assert.equal(fs.existsSync(path.join(ELSEWHERE, 'models')), false);
  const all = biore('annotate', TEXT, '--format', 'pubtator', '--scores');
  assert.equal(all.code, 0, all.stderr);
  const rows = relationLines(all.stdout);
  assert.ok(new Set(rows.map((r) => r[1])).size > 1, 'several schemas without --tasks');
  for (const r of rows) assert.match(r[r.length - 1]!, /^score=(0|1)\.\d{4}$/);

  const cdr = biore('annotate', TEXT, '--format', 'pubtator', '--tasks', 'cdr', '--min-score', '0.6', '--scores');
  assert.equal(cdr.code, 0, cdr.stderr);
  const cdrRows = relationLines(cdr.stdout);
  assert.ok(cdrRows.length >= 1);
  for (const r of cdrRows) {
    assert.equal(r[1], 'CID');
    assert.ok(Number(r[r.length - 1]!.slice('score='.length)) >= 0.6, r.join(' '));
  }
  // Fewer than with no floor, and every kept row is one the unfiltered run has.
  const cdrAll = relationLines(all.stdout).filter((r) => r[1] === 'CID');
  assert.ok(cdrRows.length <= cdrAll.length);
  // The scored file reads back: relations are suggestions with their scores.
  const doc = parsePubTator(cdr.stdout, 'cdr.pubtator').documents[0]!;
  assert.ok(doc.relations.every((r) => r.status === 'suggested' && (r.score ?? 0) >= 0.6));

  // Without --scores the output is plain 4-column PubTator.
  const plain = biore('annotate', TEXT, '--format', 'pubtator', '--tasks', 'cdr');
  assert.ok(relationLines(plain.stdout).every((r) => r.length === 4));
});

test('extract honours --tasks and --min-score; BioC output keeps the score infon', { skip }, () => {
  const mentions = path.join(ELSEWHERE, 'mentions.pubtator');
  const a = biore('annotate', TEXT, '--format', 'pubtator', '--relations', 'none', '--out', mentions);
  assert.equal(a.code, 0, a.stderr);
  const x = biore('extract', mentions, '--tasks', 'cdr,ddi', '--min-score', '0.5', '--format', 'bioc');
  assert.equal(x.code, 0, x.stderr);
  const types = [...x.stdout.matchAll(/<infon key="type">([^<]+)<\/infon>/g)].map((m) => m[1]);
  const tasks = new Set([...x.stdout.matchAll(/<infon key="task">([^<]+)<\/infon>/g)].map((m) => m[1]));
  assert.ok([...tasks].every((t) => t === 'cdr' || t === 'ddi'), [...tasks].join());
  const scores = [...x.stdout.matchAll(/<infon key="score">([^<]+)<\/infon>/g)].map((m) => Number(m[1]));
  assert.ok(scores.length >= 1 && scores.every((s) => s >= 0.5), scores.join());
  assert.ok(types.length >= scores.length);
  const none = biore('extract', mentions, '--tasks', 'cdr', '--model', path.join(ROOT, 'models', 'relation-ddi'));
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no relation model for task cdr/);
});
