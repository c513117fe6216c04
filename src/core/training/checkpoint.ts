/**
 * Checkpoints: one file holding a JSON header (step, resolved config, seed, data hashes, command
 * line, metrics, tensor index) and the raw float32 tensors (weights and Adam moments).
 * Written to a temporary file and renamed, so a crash never leaves a half-written checkpoint.
 *
 * Layout: 8 bytes "BIORECK1", 4 bytes little-endian header length, header JSON (UTF-8), padding
 * to a multiple of 4, then the tensors in header order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const MAGIC = 'BIORECK1';

export interface CheckpointHeader {
  step: number;
  /** Anything JSON: the resolved config, seed, data hashes, command line, metrics. */
  meta: Record<string, unknown>;
  tensors: { name: string; length: number }[];
}

/** Write a checkpoint atomically. */
export function saveCheckpoint(file: string, step: number, tensors: ReadonlyMap<string, Float32Array>, meta: Record<string, unknown>): void {
  const header: CheckpointHeader = { step, meta, tensors: [...tensors].map(([name, t]) => ({ name, length: t.length })) };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((12 + json.length) % 4)) % 4;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const pre = Buffer.alloc(12);
    pre.write(MAGIC, 0, 'latin1');
    pre.writeUInt32LE(json.length, 8);
    fs.writeSync(fd, pre);
    fs.writeSync(fd, json);
    fs.writeSync(fd, Buffer.alloc(pad));
    for (const t of tensors.values()) fs.writeSync(fd, new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Read a checkpoint; throws an Error naming the file when it is not one or is truncated. */
export function loadCheckpoint(file: string): { step: number; meta: Record<string, unknown>; tensors: Map<string, Float32Array> } {
  const buf = fs.readFileSync(file);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error(`${file}: not a BioRE checkpoint`);
  const len = buf.readUInt32LE(8);
  if (12 + len > buf.length) throw new Error(`${file}: truncated header`);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + len)) as CheckpointHeader;
  let at = 12 + len + ((4 - ((12 + len) % 4)) % 4);
  const tensors = new Map<string, Float32Array>();
  for (const t of header.tensors) {
    const bytes = t.length * 4;
    if (at + bytes > buf.length) throw new Error(`${file}: truncated tensor ${t.name}`);
    const arr = new Float32Array(t.length);
    new Uint8Array(arr.buffer).set(buf.subarray(at, at + bytes));
    tensors.set(t.name, arr);
    at += bytes;
  }
  return { step: header.step, meta: header.meta, tensors };
}
