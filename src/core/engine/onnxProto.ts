/**
 * Minimal ONNX protobuf encoding and decoding: just the messages a model file needs
 * (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto).
 *
 * Written by hand rather than through a protobuf library because the schema subset is small and
 * stable, the writer must stream large weight blobs without copies, and the reader only needs
 * initializers (to load weights from a model file). Field numbers follow onnx/onnx.proto.
 */

/** ONNX TensorProto.DataType values used here. */
export const enum DataType {
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  INT32 = 6,
  INT64 = 7,
  BOOL = 9,
  FLOAT16 = 10,
}

/** A tensor literal (initializer or attribute value). `data` is little-endian raw bytes. */
export interface TensorLiteral {
  name?: string;
  dataType: DataType;
  dims: readonly number[];
  raw: Uint8Array;
}

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'tensor'; value: TensorLiteral };

export interface NodeSpec {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attributes: Readonly<Record<string, AttributeValue>>;
}

/** A graph input/output: element type and shape; string dims are symbolic (`batch`, `seq`). */
export interface ValueInfo {
  name: string;
  dataType: DataType;
  shape: readonly (number | string)[];
}

export interface ModelSpec {
  graphName: string;
  nodes: readonly NodeSpec[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
  initializers: readonly TensorLiteral[];
  opset: number;
  producer?: string;
  /** Free-form metadata_props (e.g. the resolved config) stored in the model file. */
  metadata?: Readonly<Record<string, string>>;
}

// ---------------------------------------------------------------- writer

/** Append-only protobuf writer collecting chunks (big blobs are referenced, not copied). */
class Writer {
  private chunks: Uint8Array[] = [];
  private buf = new Uint8Array(256);
  private pos = 0;
  length = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = new Uint8Array(Math.max(n, 256));
  }

  private flush(): void {
    if (this.pos > 0) {
      this.chunks.push(this.buf.subarray(0, this.pos));
      this.buf = new Uint8Array(Math.max(256, this.buf.length));
      this.pos = 0;
    }
  }

  varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (x >= 0x80n) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
      this.length++;
    }
    this.buf[this.pos++] = Number(x);
    this.length++;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.flush();
    this.chunks.push(data);
    this.length += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  int(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.ensure(4);
    this.buf.set(b, this.pos);
    this.pos += 4;
    this.length += 4;
  }

  message(field: number, w: Writer): void {
    this.tag(field, 2);
    this.varint(w.length);
    this.flush();
    for (const c of w.finish()) this.chunks.push(c);
    this.length += w.length;
  }

  finish(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }

  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.finish()) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function tensorMessage(t: TensorLiteral): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  if (t.name !== undefined) w.string(8, t.name);
  w.bytes(9, t.raw);
  return w;
}

function attributeMessage(name: string, a: AttributeValue): Writer {
  const w = new Writer();
  w.string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      w.int(20, 1);
      break;
    case 'int':
      w.int(3, a.value);
      w.int(20, 2);
      break;
    case 'string':
      w.string(4, a.value);
      w.int(20, 3);
      break;
    case 'tensor':
      w.message(5, tensorMessage(a.value));
      w.int(20, 4);
      break;
    case 'floats':
      for (const f of a.value) w.float(7, f);
      w.int(20, 6);
      break;
    case 'ints':
      for (const i of a.value) w.int(8, i);
      w.int(20, 7);
      break;
  }
  return w;
}

function valueInfoMessage(v: ValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.shape) {
    const dim = new Writer();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new Writer();
  tensorType.int(1, v.dataType);
  tensorType.message(2, shape);
  const type = new Writer();
  type.message(1, tensorType);
  const w = new Writer();
  w.string(1, v.name);
  w.message(2, type);
  return w;
}

/** Serialize a model to ONNX protobuf bytes. */
export function encodeModel(m: ModelSpec): Uint8Array {
  const graph = new Writer();
  m.nodes.forEach((n, i) => {
    const w = new Writer();
    for (const x of n.inputs) w.string(1, x);
    for (const y of n.outputs) w.string(2, y);
    w.string(3, n.name ?? `${n.opType}_${i}`);
    w.string(4, n.opType);
    for (const [k, a] of Object.entries(n.attributes)) w.message(5, attributeMessage(k, a));
    if (n.domain) w.string(7, n.domain);
    graph.message(1, w);
  });
  graph.string(2, m.graphName);
  for (const t of m.initializers) graph.message(5, tensorMessage(t));
  for (const v of m.inputs) graph.message(11, valueInfoMessage(v));
  for (const v of m.outputs) graph.message(12, valueInfoMessage(v));

  const model = new Writer();
  model.int(1, 8); // IR version 8 (ONNX 1.10+), accepted by onnxruntime 1.30
  model.string(2, m.producer ?? 'biore-curator');
  model.string(3, '0.1.0');
  model.message(7, graph);
  const opset = new Writer();
  opset.string(1, '');
  opset.int(2, m.opset);
  model.message(8, opset);
  for (const [k, v] of Object.entries(m.metadata ?? {})) {
    const p = new Writer();
    p.string(1, k);
    p.string(2, v);
    model.message(14, p);
  }
  return model.concat();
}

// ---------------------------------------------------------------- reader

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}

  varint(): bigint {
    let shift = 0n;
    let x = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const b = this.buf[this.pos++]!;
      x |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return x;
      shift += 7n;
      if (shift > 70n) throw new RangeError('varint too long');
    }
  }

  /** Next field as [field number, wire type], or undefined at the end. */
  next(): [number, number] | undefined {
    if (this.pos >= this.end) return undefined;
    const key = Number(this.varint());
    return [key >>> 3, key & 7];
  }

  sub(): Reader {
    const n = Number(this.varint());
    if (this.pos + n > this.end) throw new RangeError('truncated message');
    const r = new Reader(this.buf, this.pos + n);
    r.pos = this.pos;
    this.pos += n;
    return r;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      // Read the length first: `this.pos += f()` would add to the position before f moved it.
      const n = Number(this.varint());
      this.pos += n;
    }
    else if (wire === 5) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new RangeError('truncated field');
  }
}

function readTensor(r: Reader): TensorLiteral {
  const dims: number[] = [];
  let dataType = DataType.FLOAT;
  let name: string | undefined;
  let raw: Uint8Array = new Uint8Array(0);
  const floats: number[] = [];
  const int64s: bigint[] = [];
  for (let f = r.next(); f; f = r.next()) {
    const [field, wire] = f;
    if (field === 1 && wire === 0) dims.push(Number(BigInt.asIntN(64, r.varint())));
    else if (field === 1 && wire === 2) {
      const s = r.sub();
      while (s.pos < s.end) dims.push(Number(BigInt.asIntN(64, s.varint())));
    } else if (field === 2 && wire === 0) dataType = Number(r.varint()) as DataType;
    else if (field === 8 && wire === 2) {
      const s = r.sub();
      name = new TextDecoder().decode(s.buf.subarray(s.pos, s.end));
    } else if (field === 9 && wire === 2) {
      const s = r.sub();
      raw = s.buf.subarray(s.pos, s.end);
    } else if (field === 4 && wire === 2) {
      const s = r.sub();
      const dv = new DataView(s.buf.buffer, s.buf.byteOffset + s.pos, s.end - s.pos);
      for (let i = 0; i + 4 <= dv.byteLength; i += 4) floats.push(dv.getFloat32(i, true));
    } else if (field === 7 && wire === 2) {
      const s = r.sub();
      while (s.pos < s.end) int64s.push(BigInt.asIntN(64, s.varint()));
    } else r.skip(wire);
  }
  if (raw.length === 0 && floats.length) raw = new Uint8Array(Float32Array.from(floats).buffer);
  if (raw.length === 0 && int64s.length) raw = new Uint8Array(BigInt64Array.from(int64s).buffer);
  const t: TensorLiteral = { dataType, dims, raw };
  if (name !== undefined) t.name = name;
  return t;
}

/**
 * The initializers of an ONNX model (weights by name), for loading trained or imported weights.
 * Throws RangeError on malformed bytes.
 */
export function decodeInitializers(bytes: Uint8Array): TensorLiteral[] {
  const out: TensorLiteral[] = [];
  const model = new Reader(bytes);
  for (let f = model.next(); f; f = model.next()) {
    if (f[0] !== 7 || f[1] !== 2) {
      model.skip(f[1]);
      continue;
    }
    const graph = model.sub();
    for (let g = graph.next(); g; g = graph.next()) {
      if (g[0] === 5 && g[1] === 2) out.push(readTensor(graph.sub()));
      else graph.skip(g[1]);
    }
  }
  return out;
}

/** Float32 view of a FLOAT tensor literal (copied, so it is aligned and owned). */
export function tensorFloats(t: TensorLiteral): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new TypeError(`tensor ${t.name ?? ''} is not float32`);
  const out = new Float32Array(t.raw.length / 4);
  new Uint8Array(out.buffer).set(t.raw);
  return out;
}
