import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOffsets, documentText, type Document } from '../../src/core/document/document';

function doc(): Document {
  return {
    id: '1',
    attributes: {},
    relations: [],
    passages: [
      { offset: 0, text: 'Aspirin title.', attributes: { type: 'title' }, annotations: [
        { id: 'a', type: 'Chemical', spans: [{ start: 0, end: 7 }], text: 'Aspirin', ids: ['D001241'], attributes: {} },
      ] },
      { offset: 15, text: 'Causes ulcers.', attributes: { type: 'abstract' }, annotations: [
        { id: 'b', type: 'Disease', spans: [{ start: 22, end: 28 }], text: 'ulcers', ids: [], attributes: {} },
      ] },
    ],
  };
}

test('documentText joins passages at their offsets with spaces', () => {
  assert.equal(documentText(doc()), 'Aspirin title. Causes ulcers.');
});

test('checkOffsets finds no mismatch in a consistent document and one in a broken one', () => {
  const d = doc();
  assert.deepEqual(checkOffsets(d), []);
  d.passages[1]!.annotations[0]!.spans = [{ start: 21, end: 27 }];
  const m = checkOffsets(d);
  assert.equal(m.length, 1);
  assert.equal(m[0]!.actual, ' ulcer');
});
