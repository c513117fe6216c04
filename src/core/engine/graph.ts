/**
 * A typed ONNX graph builder: values with (possibly symbolic) shapes, nodes, constants,
 * inputs, outputs and initializers, serialized with onnxProto. The autodiff (autodiff.ts) and
 * every model architecture write their graphs through it.
 *
 * Shapes are tracked so that ops can check ranks and backward rules can tell which axes were
 * broadcast. A dimension is a number (static) or a string (symbolic, e.g. `batch`, `seq`):
 * one graph then serves every batch and sequence size, so no per-bucket sessions are needed.
 */
import type { AttributeValue, NodeSpec, TensorLiteral, ValueInfo } from './onnxProto';
import { DataType, encodeModel } from './onnxProto';

export type Dim = number | string;
export type DType = 'float32' | 'int64' | 'bool';

/** A named tensor in the graph. */
export interface Value {
  readonly name: string;
  readonly shape: readonly Dim[];
  readonly dtype: DType;
}

const DATA_TYPE: Record<DType, DataType> = { float32: DataType.FLOAT, int64: DataType.INT64, bool: DataType.BOOL };

/** Attribute helpers, so call sites say what type an attribute has. */
export const attr = {
  i: (value: number): AttributeValue => ({ kind: 'int', value }),
  f: (value: number): AttributeValue => ({ kind: 'float', value }),
  s: (value: string): AttributeValue => ({ kind: 'string', value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttributeValue => ({ kind: 'floats', value }),
  tensor: (value: TensorLiteral): AttributeValue => ({ kind: 'tensor', value }),
};

/** Number of elements of a static shape (throws on symbolic dims). */
export function numel(shape: readonly Dim[]): number {
  return shape.reduce<number>((n, d) => {
    if (typeof d !== 'number') throw new TypeError(`shape ${JSON.stringify(shape)} is not static`);
    return n * d;
  }, 1);
}

/** Raw little-endian bytes of a typed array (no copy). */
export function rawBytes(a: Float32Array | BigInt64Array | Uint8Array | Uint16Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Suffixes of an int8 row-quantized table (see Graph.gatherInt8Rows). */
export const INT8_SUFFIX = '.int8';
export const SCALE_SUFFIX = '.scale';

/**
 * Symmetric per-row int8 quantization of a [rows, cols] table: q = round(x / s), s = max|x| / 127
 * per row (a zero row gets scale 0). Returns the codes and the scales.
 */
export function quantizeRows(data: Float32Array, rows: number, cols: number): { codes: Int8Array; scales: Float32Array } {
  const codes = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let k = 0; k < cols; k++) m = Math.max(m, Math.abs(data[r * cols + k]!));
    const sc = m / 127;
    scales[r] = sc;
    if (sc > 0) for (let k = 0; k < cols; k++) codes[r * cols + k] = Math.round(data[r * cols + k]! / sc);
  }
  return { codes, scales };
}

/** Suffix of float16-stored initializers (see Graph.initializerHalf). */
export const FP16_SUFFIX = '.fp16';

/** IEEE half-precision bits of each float (round to nearest even; overflow to ±Inf). */
export function toHalf(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < src.length; i++) {
    f[0] = src[i]!;
    const x = u[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      if (rem > mid || (rem === mid && (half & 1))) half++;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
    out[i] = sign | half;
  }
  return out;
}

/** Float values of IEEE half-precision bits. */
export function fromHalf(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    out[i] = e === 0 ? sign * m * 2 ** -24 : e === 0x1f ? (m ? NaN : sign * Infinity) : sign * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

export class Graph {
  readonly nodes: NodeSpec[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  readonly initializers: TensorLiteral[] = [];
  private counter = 0;
  private readonly constants = new Map<string, Value>();
  private readonly names = new Set<string>();

  constructor(readonly name: string) {}

  /** A new unique value name. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.names.has(n));
    this.names.add(n);
    return n;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: duplicate value name ${name}`);
    this.names.add(name);
    return name;
  }

  /** A graph input. */
  input(name: string, dtype: DType, shape: readonly Dim[]): Value {
    this.inputs.push({ name: this.claim(name), dataType: DATA_TYPE[dtype], shape });
    return { name, shape, dtype };
  }

  /** A weight stored in the model file. */
  initializer(name: string, data: Float32Array | BigInt64Array, shape: readonly number[]): Value {
    const dtype: DType = data instanceof Float32Array ? 'float32' : 'int64';
    this.initializers.push({ name: this.claim(name), dataType: DATA_TYPE[dtype], dims: shape, raw: rawBytes(data) });
    return { name, shape, dtype };
  }

  /**
   * A float32 weight stored as float16 in the file (half the size) and cast back to float32 by a
   * Cast node that onnxruntime constant-folds at load: the value is named `name`, the stored
   * initializer `name` + FP16_SUFFIX.
   */
  initializerHalf(name: string, data: Float32Array, shape: readonly number[]): Value {
    const stored = this.claim(name + FP16_SUFFIX);
    this.initializers.push({ name: stored, dataType: DataType.FLOAT16, dims: shape, raw: rawBytes(toHalf(data)) });
    this.claim(name);
    this.nodes.push({ opType: 'Cast', inputs: [stored], outputs: [name], attributes: { to: attr.i(DataType.FLOAT) } });
    return { name, shape, dtype: 'float32' };
  }

  /**
   * Rows of a [rows, cols] float table stored as int8 codes with a float scale per row (a quarter
   * of the float32 size), looked up by `indices`: only the gathered rows are dequantized, so the
   * table stays int8 in memory too. Inference only (no gradient).
   */
  gatherInt8Rows(name: string, data: Float32Array, shape: readonly [number, number], indices: Value): Value {
    const [rows, cols] = shape;
    const { codes, scales } = quantizeRows(data, rows, cols);
    const q = this.claim(name + INT8_SUFFIX);
    this.initializers.push({ name: q, dataType: DataType.INT8, dims: [rows, cols], raw: new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength) });
    const sc = this.initializer(name + SCALE_SUFFIX, scales, [rows]);
    const outShape = [...indices.shape, cols];
    // The gathered codes are int8 at run time (the graph's dtype tags cover only what autodiff needs).
    const codesRows = this.op('Gather', [{ name: q, shape: [rows, cols], dtype: 'float32' }, indices], {}, outShape);
    const asFloat = this.op('Cast', [codesRows], { to: attr.i(DataType.FLOAT) }, outShape);
    const rowScale = this.op('Unsqueeze', [this.op('Gather', [sc, indices], {}, indices.shape), this.constI64([-1])], {}, [...indices.shape, 1]);
    return this.op('Mul', [asFloat, rowScale], {}, outShape);
  }

  /** A float32 constant (deduplicated); a scalar when `shape` is []. */
  constF(values: number | readonly number[], shape?: readonly number[]): Value {
    const arr = typeof values === 'number' ? [values] : values;
    const dims = shape ?? (typeof values === 'number' ? [] : [arr.length]);
    return this.constant('float32', Float32Array.from(arr), dims);
  }

  /** An int64 constant vector (deduplicated), for shapes, axes, indices. */
  constI64(values: readonly number[], shape?: readonly number[]): Value {
    return this.constant('int64', BigInt64Array.from(values.map((v) => BigInt(v))), shape ?? [values.length]);
  }

  private constant(dtype: DType, data: Float32Array | BigInt64Array, dims: readonly number[]): Value {
    const key = `${dtype}|${dims.join(',')}|${Array.from(data as ArrayLike<number | bigint>).join(',')}`;
    const hit = this.constants.get(key);
    if (hit) return hit;
    const name = this.fresh(dtype === 'float32' ? 'cf' : 'ci');
    const value: TensorLiteral = { dataType: DATA_TYPE[dtype], dims, raw: new Uint8Array(rawBytes(data)) };
    this.nodes.push({ opType: 'Constant', inputs: [], outputs: [name], attributes: { value: attr.tensor(value) } });
    const v: Value = { name, shape: dims, dtype };
    this.constants.set(key, v);
    return v;
  }

  /**
   * Add a node with one output. `shape` and `dtype` describe the output (the builder does not
   * infer them; each op helper states them).
   */
  op(opType: string, inputs: readonly (Value | null)[], attributes: Record<string, AttributeValue>, shape: readonly Dim[], dtype: DType = 'float32'): Value {
    const name = this.fresh(opType.toLowerCase());
    this.nodes.push({ opType, inputs: inputs.map((x) => (x ? x.name : '')), outputs: [name], attributes });
    return { name, shape, dtype };
  }

  /** Add a node with several outputs. */
  opN(opType: string, inputs: readonly (Value | null)[], attributes: Record<string, AttributeValue>, outs: readonly { shape: readonly Dim[]; dtype?: DType }[]): Value[] {
    const values = outs.map((o) => ({ name: this.fresh(opType.toLowerCase()), shape: o.shape, dtype: o.dtype ?? ('float32' as DType) }));
    this.nodes.push({ opType, inputs: inputs.map((x) => (x ? x.name : '')), outputs: values.map((v) => v.name), attributes });
    return values;
  }

  /** Expose `v` as a graph output called `name` (through Identity when the name differs). */
  output(v: Value, name: string): void {
    let out = v;
    if (v.name !== name) {
      this.claim(name);
      this.nodes.push({ opType: 'Identity', inputs: [v.name], outputs: [name], attributes: {} });
      out = { ...v, name };
    }
    this.outputs.push({ name: out.name, dataType: DATA_TYPE[v.dtype], shape: v.shape });
  }

  /** Runtime shape of a value as an int64 vector. */
  shapeOf(v: Value): Value {
    return this.op('Shape', [v], {}, [v.shape.length], 'int64');
  }

  /** Serialize (opset 17: the newest the ORT 1.30 CPU provider fully covers for these ops). */
  toBytes(metadata?: Record<string, string>): Uint8Array {
    return encodeModel({
      graphName: this.name,
      nodes: this.nodes,
      inputs: this.inputs,
      outputs: this.outputs,
      initializers: this.initializers,
      opset: 17,
      ...(metadata ? { metadata } : {}),
    });
  }
}
