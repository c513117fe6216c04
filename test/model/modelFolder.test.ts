/**
 * Model folders: our encoder exported in float32 and float16 (sizes and output agreement), a
 * BERT-layout graph with token_type_ids (as a BERT-family export made elsewhere would have),
 * weights read back from model.onnx, and the runtime encoding texts through the tokenizer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Autodiff } from '../../src/core/engine/autodiff';
import { fromHalf, toHalf } from '../../src/core/engine/graph';
import { initialize } from '../../src/core/engine/initialize';
import { DEFAULT_ENCODER, encode, encoderParams, type EncoderConfig } from '../../src/core/engine/layers/transformerEncoder';
import { readModelWeights, writeModelFolder } from '../../src/core/inference/modelFolders';
import { EncoderRuntime } from '../../src/core/inference/encoderRuntime';
import { BioTokenizer } from '../../src/core/tokenizer/tokenizer';

const TOKENIZER = path.resolve(__dirname, '../../../test/fixtures/tokenizer');

test('float16 conversion: exact on representable values, round-to-nearest otherwise, specials kept', () => {
  const xs = Float32Array.from([0, -0, 1, -2.5, 65504, 6.103515625e-5, 5.960464477539063e-8, Infinity, -Infinity, 1e6, 1.0009765625]);
  const back = fromHalf(toHalf(xs));
  assert.deepEqual([...back].slice(0, 7), [0, -0, 1, -2.5, 65504, 6.103515625e-5, 5.960464477539063e-8]);
  assert.equal(back[7], Infinity);
  assert.equal(back[8], -Infinity);
  assert.equal(back[9], Infinity);
  assert.equal(back[10], 1.0009765625);
  assert.ok(Number.isNaN(fromHalf(toHalf(Float32Array.of(NaN)))[0]));
  const r = fromHalf(toHalf(Float32Array.of(0.1)))[0]!;
  assert.ok(Math.abs(r - 0.1) < 1e-4);
});

function exportEncoder(cfg: EncoderConfig, weights: Map<string, Float32Array>, half: boolean, withTypes: boolean): Uint8Array {
  const ad = new Autodiff('enc', { training: false, weights, halfWeights: half });
  const ids = ad.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = ad.input('attention_mask', 'int64', ['batch', 'seq']);
  const types = withTypes ? ad.input('token_type_ids', 'int64', ['batch', 'seq']) : undefined;
  ad.g.output(encode(ad, cfg, encoderParams(ad, cfg), ids, mask, types), 'last_hidden_state');
  return ad.g.toBytes();
}

test('encoder folders: fp32 vs fp16 export, BERT layout with token types, runtime encodes text', async () => {
  const tok = BioTokenizer.fromDirectory(TOKENIZER);
  const cfg: EncoderConfig = { ...DEFAULT_ENCODER, vocabSize: tok.vocabSize, dModel: 32, layers: 2, heads: 4, ffn: 64, maxPositions: 64, typeVocabSize: 2 };
  const probe = new Autodiff('probe', { training: false });
  encode(probe, cfg, encoderParams(probe, cfg), probe.input('input_ids', 'int64', ['b', 's']), undefined, probe.input('token_type_ids', 'int64', ['b', 's']));
  const weights = initialize(probe.params, 3);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-'));
  const dirs = { fp32: path.join(root, 'fp32'), fp16: path.join(root, 'fp16'), bert: path.join(root, 'bert') };
  writeModelFolder(dirs.fp32, exportEncoder({ ...cfg, typeVocabSize: 0 }, weights, false, false), { model_type: 'biore-encoder' }, TOKENIZER);
  writeModelFolder(dirs.fp16, exportEncoder({ ...cfg, typeVocabSize: 0 }, weights, true, false), { model_type: 'biore-encoder' }, TOKENIZER);
  writeModelFolder(dirs.bert, exportEncoder(cfg, weights, false, true), { model_type: 'bert' }, TOKENIZER);
  const size = (d: string): number => fs.statSync(path.join(d, 'model.onnx')).size;
  assert.ok(size(dirs.fp16) < 0.6 * size(dirs.fp32), `fp16 ${size(dirs.fp16)} vs fp32 ${size(dirs.fp32)}`);

  // Weights read back from model.onnx (fp16 ones converted back to float32).
  const w32 = readModelWeights(dirs.fp32);
  const w16 = readModelWeights(dirs.fp16);
  assert.deepEqual([...w32.get('layer1.ffn.in.w')!], [...weights.get('layer1.ffn.in.w')!]);
  const a = w16.get('layer1.ffn.in.w')!;
  a.forEach((v, i) => assert.ok(Math.abs(v - weights.get('layer1.ffn.in.w')![i]!) < 1e-4));

  const texts = ['Aspirin inhibits COX-1 and NF-κB signalling.', 'Warfarin'];
  const r32 = await EncoderRuntime.load(dirs.fp32);
  const r16 = await EncoderRuntime.load(dirs.fp16);
  const rb = await EncoderRuntime.load(dirs.bert);
  assert.deepEqual([...rb.inputNames].sort(), ['attention_mask', 'input_ids', 'token_type_ids']);
  const h32 = await r32.encode(texts);
  const h16 = await r16.encode(texts);
  const hb = await rb.encode(texts);
  assert.equal(h32.dims[0], 2);
  assert.equal(h32.dims[2], 32);
  let maxDiff = 0;
  h32.hidden.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - h16.hidden[i]!))));
  assert.ok(maxDiff < 0.05, `fp16 vs fp32 max abs diff ${maxDiff}`);
  // Token type 0 adds the same row everywhere, so the BERT layout differs but stays finite.
  assert.ok(hb.hidden.every(Number.isFinite));
  // Padding does not change the real tokens' states: encode the short text alone.
  const alone = await r32.encode(['Warfarin']);
  const T = h32.dims[1];
  const D = h32.dims[2];
  const n = alone.dims[1];
  for (let t = 0; t < n; t++) {
    for (let d = 0; d < D; d++) {
      assert.ok(Math.abs(alone.hidden[t * D + d]! - h32.hidden[(T + t) * D + d]!) < 1e-4, `padding leaks into position ${t}`);
    }
  }
  await Promise.all([r32.dispose(), r16.dispose(), rb.dispose()]);
});
