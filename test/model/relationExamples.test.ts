import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Document } from '../../src/core/document/document';
import { generateCandidates } from '../../src/core/tasks/candidates';
import { BioTokenizer } from '../../src/core/tokenizer/tokenizer';
import { encodeCandidates } from '../../src/core/training/transformer/relationExamples';
import { relationFeeds } from '../../src/core/training/transformer/relationModel';
import { taskLabels } from '../../src/core/tasks/definitions';

const tok = BioTokenizer.fromDirectory(path.resolve(__dirname, '../../../test/fixtures/tokenizer'));

function ddiDoc(): Document {
  const s = 'Aspirin increases the effect of warfarin and heparin.';
  const at = (w: string): { start: number; end: number } => ({ start: s.indexOf(w), end: s.indexOf(w) + w.length });
  return {
    id: 'd1',
    attributes: {},
    passages: [
      {
        offset: 0,
        text: s,
        attributes: { type: 'sentence' },
        annotations: ['Aspirin', 'warfarin', 'heparin'].map((w, i) => ({ id: `e${i}`, type: 'drug', spans: [at(w)], text: w, ids: [], attributes: {} })),
      },
    ],
    relations: [{ id: 'r', type: 'effect', args: [{ role: 'e1', ref: { kind: 'annotation', id: 'e0' } }, { role: 'e2', ref: { kind: 'annotation', id: 'e1' } }], attributes: {} }],
  };
}

test('prompt + markers: entity-start indices point at <e1>/<e2> in the evidence, labels follow gold', () => {
  const doc = ddiDoc();
  const cands = generateCandidates('ddi', doc);
  assert.equal(cands.length, 3);
  const ex = encodeCandidates(tok, [doc], cands, 'ddi', { prompt: true, pooling: 'entity-start', maxLength: 64 });
  const labels = taskLabels('ddi');
  const first = ex.find((e) => e.candidate.head.id === 'e0' && e.candidate.tail.id === 'e1')!;
  assert.equal(labels[first.label], 'effect');
  assert.equal(ex.filter((e) => e.label === 0).length, 2);
  const tokens = first.ids.map((i) => tok.idToToken(i));
  assert.equal(tokens[first.headIndex], '<e1>');
  assert.equal(tokens[first.tailIndex], '<e2>');
  // The markers used for pooling are the evidence's, after the prompt's [SEP].
  const sep = tokens.indexOf('[SEP]');
  assert.ok(first.headIndex > sep && first.tailIndex > first.headIndex);
  assert.ok(tokens.includes('[DDI]'));
  // Without prompt: one sequence, markers still found; CLS pooling uses index 0.
  const plain = encodeCandidates(tok, [doc], cands, 'ddi', { prompt: false, pooling: 'entity-start', maxLength: 64 })[0]!;
  assert.equal(tok.idToToken(plain.ids[plain.headIndex]!), '<e1>');
  assert.ok(!plain.ids.map((i) => tok.idToToken(i)).includes('[DDI]'));
  const cls = encodeCandidates(tok, [doc], cands, 'ddi', { prompt: true, pooling: 'cls', maxLength: 64 })[0]!;
  assert.equal(cls.headIndex, 0);
  // Feeds pad to the longest example and weight `none` examples as asked.
  const f = relationFeeds(ex, tok.specialIds.pad, 0.5);
  assert.equal(f['input_ids']!.dims[0], 3);
  assert.deepEqual([...(f['weights']!.data as Float32Array)].sort(), [0.5, 0.5, 1]);
});
