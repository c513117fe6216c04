/**
 * Transformer encoder (BERT layout: post-LayerNorm blocks, learned positions, GELU FFN) written
 * through the autodiff, so the same function builds the training graph and the exported
 * inference graph. Batch and sequence dimensions may be symbolic.
 */
import type { Autodiff, Param } from '../autodiff';
import type { Dim, Value } from '../graph';
import { attr } from '../graph';

export interface EncoderConfig {
  vocabSize: number;
  dModel: number;
  layers: number;
  heads: number;
  ffn: number;
  maxPositions: number;
  /** Dropout on embeddings, attention output and FFN output (training graphs only). */
  dropout: number;
  layerNormEps: number;
  /** Std of the normal initializer (BERT: 0.02). */
  initStd: number;
  /** FFN activation: exact GELU (erf) or its sigmoid approximation x·σ(1.702x) (cheaper). */
  activation: 'gelu' | 'gelu-sigmoid';
  /** Token-type (segment) embeddings as in BERT; 0 for none (our encoders use none). */
  typeVocabSize?: number;
  /** Prefix of every parameter name (ELECTRA's generator uses `gen.`; the exported encoder none). */
  namePrefix?: string;
}

export const DEFAULT_ENCODER: EncoderConfig = {
  vocabSize: 30000,
  dModel: 256,
  layers: 4,
  heads: 4,
  ffn: 1024,
  maxPositions: 512,
  dropout: 0.1,
  layerNormEps: 1e-12,
  initStd: 0.02,
  activation: 'gelu',
};

/** The encoder's parameters, by role (names are stable: checkpoints and exports use them). */
export interface EncoderParams {
  wordEmbeddings: Param;
  positionEmbeddings: Param;
  embLnGamma: Param;
  embLnBeta: Param;
  tokenTypeEmbeddings?: Param;
}

/** Declare all encoder parameters (HF-like names). */
export function encoderParams(ad: Autodiff, c: EncoderConfig): EncoderParams {
  const n = { kind: 'normal' as const, std: c.initStd };
  const px = c.namePrefix ?? '';
  const types = c.typeVocabSize ? { tokenTypeEmbeddings: ad.param(`${px}embeddings.token_type`, [c.typeVocabSize, c.dModel], n) } : {};
  return {
    ...types,
    wordEmbeddings: ad.param(`${px}embeddings.word`, [c.vocabSize, c.dModel], n),
    positionEmbeddings: ad.param(`${px}embeddings.position`, [c.maxPositions, c.dModel], n),
    embLnGamma: ad.param(`${px}embeddings.ln.gamma`, [c.dModel], { kind: 'ones' }, true),
    embLnBeta: ad.param(`${px}embeddings.ln.beta`, [c.dModel], { kind: 'zeros' }, true),
  };
}

/**
 * Encode `inputIds` [batch, seq] (int64) with `attentionMask` [batch, seq] (1/0, int64 or float, or
 * undefined for no padding). Returns hidden states [batch, seq, dModel].
 */
export function encode(ad: Autodiff, c: EncoderConfig, emb: EncoderParams, inputIds: Value, attentionMask: Value | undefined, tokenTypeIds?: Value): Value {
  const g = ad.g;
  const [B, T] = inputIds.shape as [Dim, Dim];
  const D = c.dModel;
  const H = c.heads;
  const dk = D / H;
  const n = { kind: 'normal' as const, std: c.initStd };

  // Positions 0..seq-1 computed in the graph, so one graph serves every sequence length.
  const seqLen = g.op('Gather', [g.shapeOf(inputIds), g.constI64([1], [])], { axis: attr.i(0) }, [], 'int64');
  const positions = g.op('Range', [g.constI64([0], []), seqLen, g.constI64([1], [])], {}, [T], 'int64');
  let x = ad.add(ad.gather(emb.wordEmbeddings, inputIds), ad.gather(emb.positionEmbeddings, positions));
  if (emb.tokenTypeEmbeddings && tokenTypeIds) x = ad.add(x, ad.gather(emb.tokenTypeEmbeddings, tokenTypeIds));
  x = ad.dropout(ad.layerNorm(x, emb.embLnGamma, emb.embLnBeta, c.layerNormEps), c.dropout);

  // Additive attention bias: 0 where attended, -10000 at padding, shaped [batch, 1, 1, seq].
  let bias: Value | undefined;
  if (attentionMask) {
    // HF-style int64 masks are accepted as well as float ones.
    const m = attentionMask.dtype === 'float32' ? attentionMask : g.op('Cast', [attentionMask], { to: attr.i(1) }, [B, T]);
    const shifted = g.op('Mul', [g.op('Sub', [m, g.constF(1)], {}, [B, T]), g.constF(10000)], {}, [B, T]);
    bias = g.op('Unsqueeze', [shifted, g.constI64([1, 2])], {}, [B, 1, 1, T]);
  }

  for (let l = 0; l < c.layers; l++) {
    const P = (name: string, shape: number[], noDecay = false, init: Param['init'] = n): Param => ad.param(`${c.namePrefix ?? ''}layer${l}.${name}`, shape, init, noDecay);
    const wq = P('attn.q.w', [D, D]);
    const bq = P('attn.q.b', [D], true, { kind: 'zeros' });
    const wk = P('attn.k.w', [D, D]);
    const bk = P('attn.k.b', [D], true, { kind: 'zeros' });
    const wv = P('attn.v.w', [D, D]);
    const bv = P('attn.v.b', [D], true, { kind: 'zeros' });
    const wo = P('attn.out.w', [D, D]);
    const bo = P('attn.out.b', [D], true, { kind: 'zeros' });
    const ln1g = P('attn.ln.gamma', [D], true, { kind: 'ones' });
    const ln1b = P('attn.ln.beta', [D], true, { kind: 'zeros' });
    const w1 = P('ffn.in.w', [D, c.ffn]);
    const b1 = P('ffn.in.b', [c.ffn], true, { kind: 'zeros' });
    const w2 = P('ffn.out.w', [c.ffn, D]);
    const b2 = P('ffn.out.b', [D], true, { kind: 'zeros' });
    const ln2g = P('ffn.ln.gamma', [D], true, { kind: 'ones' });
    const ln2b = P('ffn.ln.beta', [D], true, { kind: 'zeros' });

    const heads = (t: Value, perm: number[]): Value => ad.transpose(ad.reshape(t, [0, 0, H, dk], [B, T, H, dk]), perm);
    const q = heads(ad.linear(x, wq, bq), [0, 2, 1, 3]);
    const kT = heads(ad.linear(x, wk, bk), [0, 2, 3, 1]);
    const v = heads(ad.linear(x, wv, bv), [0, 2, 1, 3]);
    let scores = ad.scale(ad.bmm(q, kT), 1 / Math.sqrt(dk));
    if (bias) scores = ad.add(scores, bias);
    const ctx = ad.reshape(ad.transpose(ad.bmm(ad.softmax(scores), v), [0, 2, 1, 3]), [0, 0, D], [B, T, D]);
    x = ad.layerNorm(ad.add(x, ad.dropout(ad.linear(ctx, wo, bo), c.dropout)), ln1g, ln1b, c.layerNormEps);
    const hidden = ad.linear(x, w1, b1);
    const act = c.activation === 'gelu' ? ad.gelu(hidden) : ad.mul(hidden, ad.sigmoid(ad.scale(hidden, 1.702)));
    const f = ad.linear(act, w2, b2);
    x = ad.layerNorm(ad.add(x, ad.dropout(f, c.dropout)), ln2g, ln2b, c.layerNormEps);
  }
  return x;
}
