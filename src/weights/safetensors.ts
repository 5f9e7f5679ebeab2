import { numel, type HostTensor, type WeightMap } from '../spec/host-tensor.js';
import { toFloat32, WeightsFormatError } from './tensors.js';

/**
 * safetensors (huggingface/safetensors): u64 little-endian header length N, N bytes of JSON
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?}, then the data. Every
 * offset is checked against the file before a byte is read. Float tensors become float32;
 * integer buffers (e.g. position_ids) are listed as skipped.
 */
const FLOAT_SIZES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const OTHER_SIZES: Record<string, number> = { I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface SafetensorsContents {
  weights: WeightMap;
  metadata: Record<string, string>;
  /** Non-float tensors that were not loaded. */
  skipped: string[];
}

export function parseSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (bytes.length < 8) throw new WeightsFormatError('file is shorter than the 8-byte safetensors header length');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n <= 1 || 8 + n > bytes.length) throw new WeightsFormatError(`header length ${n} does not fit a ${bytes.length}-byte file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch {
    throw new WeightsFormatError('header is not valid UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new WeightsFormatError('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const weights: WeightMap = new Map();
  const skipped: string[] = [];
  let metadata: Record<string, string> = {};
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
        throw new WeightsFormatError('__metadata__ must be an object of strings');
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    if (typeof entry !== 'object' || entry === null) throw new WeightsFormatError(`tensor '${name}': entry needs dtype, shape and data_offsets`);
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const { dtype, shape, data_offsets: off } = e;
    if (typeof dtype !== 'string' || !Array.isArray(shape) || !Array.isArray(off) || off.length !== 2) {
      throw new WeightsFormatError(`tensor '${name}': entry needs dtype, shape and data_offsets`);
    }
    if (shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new WeightsFormatError(`tensor '${name}': bad shape ${JSON.stringify(shape)}`);
    const [begin, end] = off as number[];
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin! < 0 || end! < begin! || end! > dataLength) {
      throw new WeightsFormatError(`tensor '${name}': data_offsets ${JSON.stringify(off)} fall outside the ${dataLength}-byte data section`);
    }
    const size = Object.hasOwn(FLOAT_SIZES, dtype) ? FLOAT_SIZES[dtype] : Object.hasOwn(OTHER_SIZES, dtype) ? OTHER_SIZES[dtype] : undefined;
    if (size === undefined) throw new WeightsFormatError(`tensor '${name}': unsupported dtype ${dtype}`);
    const count = numel(shape as number[]);
    if (end! - begin! !== count * size) {
      throw new WeightsFormatError(`tensor '${name}': ${end! - begin!} bytes for ${count} ${dtype} values (expected ${count * size})`);
    }
    ranges.push([begin!, end!, name]);
  }
  // Each byte of the data section belongs to at most one tensor: overlapping ranges would let a
  // small file describe many times its size.
  const sorted = ranges.filter(([b, e]) => e > b).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i++) {
    const [b, , name] = sorted[i]!;
    const [, prevEnd, prev] = sorted[i - 1]!;
    if (b < prevEnd) throw new WeightsFormatError(`tensors '${prev}' and '${name}' overlap in the data section (byte ${b})`);
  }
  for (const [begin, , name] of ranges) {
    const { dtype, shape } = header[name] as { dtype: string; shape: number[] };
    if (!Object.hasOwn(FLOAT_SIZES, dtype)) {
      skipped.push(name);
      continue;
    }
    weights.set(name, { shape, values: toFloat32(dtype as 'F32', bytes, dataStart + begin, numel(shape)) });
  }
  return { weights, metadata, skipped };
}

/** Encodes float32 tensors as safetensors (sorted names, header padded to 8 bytes as the spec does). */
export function encodeSafetensors(tensors: Iterable<[string, HostTensor]>, metadata?: Record<string, string>): Uint8Array {
  const entries = [...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, t] of entries) {
    if (t.values.length !== numel(t.shape)) throw new Error(`tensor '${name}': ${t.values.length} values for shape ${JSON.stringify(t.shape)}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.values.byteLength] };
    offset += t.values.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength), at);
    at += t.values.byteLength;
  }
  return out;
}
