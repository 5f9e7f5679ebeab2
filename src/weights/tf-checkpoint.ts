import { existsSync, readFileSync } from 'node:fs';
import { numel, type WeightMap } from '../spec/host-tensor.js';
import { toFloat32, WeightsFormatError } from './tensors.js';

/**
 * Google TF checkpoints (tf.train.Saver V2 "tensor bundle"): `<prefix>.index` is an SSTable
 * (LevelDB table format, uncompressed) mapping tensor names to BundleEntryProto (dtype, shape,
 * shard, offset, size); `<prefix>.data-SSSSS-of-NNNNN` holds the raw little-endian bytes.
 * Optimizer slots (adam_m, adam_v) and global_step are skipped by the name mapping, not here.
 */
const TABLE_MAGIC = 0xdb4775248b80fb57n;
/** tensorflow/core/framework/types.proto DataType values we can read as floats. */
const DTYPES: Record<number, 'F32' | 'F64' | 'F16' | 'BF16'> = { 1: 'F32', 2: 'F64', 19: 'F16', 14: 'BF16' };
const DTYPE_SIZE = { F32: 4, F64: 8, F16: 2, BF16: 2 } as const;

class Reader {
  constructor(
    readonly b: Uint8Array,
    public p = 0,
    readonly end = b.length,
  ) {}
  varint(): number {
    let r = 0;
    let mul = 1;
    for (;;) {
      if (this.p >= this.end) throw new WeightsFormatError('truncated varint in checkpoint index');
      const x = this.b[this.p++]!;
      r += (x & 0x7f) * mul;
      if (x < 0x80) return r;
      mul *= 128;
    }
  }
  bytes(n: number): Uint8Array {
    if (this.p + n > this.end) throw new WeightsFormatError('checkpoint index entry runs past its block');
    const out = this.b.subarray(this.p, this.p + n);
    this.p += n;
    return out;
  }
}

/** Key/value pairs of one SSTable block (prefix-compressed keys; restart array at the end). */
function blockEntries(b: Uint8Array, offset: number, size: number): [string, Uint8Array][] {
  if (offset + size + 5 > b.length) throw new WeightsFormatError('checkpoint index block out of bounds');
  if (b[offset + size] !== 0) throw new WeightsFormatError('compressed checkpoint index blocks are not supported');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const restarts = dv.getUint32(offset + size - 4, true);
  const dataEnd = offset + size - 4 - 4 * restarts;
  const r = new Reader(b, offset, dataEnd);
  const out: [string, Uint8Array][] = [];
  let key = new Uint8Array(0);
  while (r.p < dataEnd) {
    const shared = r.varint();
    const unshared = r.varint();
    const valueLength = r.varint();
    const next = new Uint8Array(shared + unshared);
    next.set(key.subarray(0, shared));
    next.set(r.bytes(unshared), shared);
    key = next;
    out.push([new TextDecoder().decode(key), r.bytes(valueLength)]);
  }
  return out;
}

interface BundleEntry {
  dtype: number;
  shape: number[];
  shard: number;
  offset: number;
  size: number;
  sliced: boolean;
}

function parseEntry(bytes: Uint8Array): BundleEntry {
  const e: BundleEntry = { dtype: 0, shape: [], shard: 0, offset: 0, size: 0, sliced: false };
  const r = new Reader(bytes);
  while (r.p < bytes.length) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const v = r.varint();
      if (field === 1) e.dtype = v;
      else if (field === 3) e.shard = v;
      else if (field === 4) e.offset = v;
      else if (field === 5) e.size = v;
    } else if (wire === 2) {
      const body = r.bytes(r.varint());
      if (field === 2) e.shape = parseShape(body);
      else if (field === 7) e.sliced = true;
    } else if (wire === 5) {
      r.bytes(4); // crc32c
    } else if (wire === 1) {
      r.bytes(8);
    } else {
      throw new WeightsFormatError(`unexpected protobuf wire type ${wire} in checkpoint index`);
    }
  }
  return e;
}

function parseShape(bytes: Uint8Array): number[] {
  const dims: number[] = [];
  const r = new Reader(bytes);
  while (r.p < bytes.length) {
    const tag = r.varint();
    if (tag === (2 << 3) + 2) {
      const dim = new Reader(r.bytes(r.varint()));
      let size = 0;
      while (dim.p < dim.end) {
        const t = dim.varint();
        if (t === (1 << 3) + 0) size = dim.varint();
        else if ((t & 7) === 2) dim.bytes(dim.varint());
        else dim.varint();
      }
      dims.push(size);
      if (dims.length > 8) throw new WeightsFormatError('a checkpoint tensor shape has more than 8 dimensions');
    } else if ((tag & 7) === 0) r.varint();
    else if ((tag & 7) === 2) r.bytes(r.varint());
    else throw new WeightsFormatError('unexpected field in a checkpoint tensor shape');
  }
  return dims;
}

/** Reads every float tensor of a checkpoint given its prefix (…/bert_model.ckpt). */
export function readTfCheckpoint(prefix: string): { weights: WeightMap; skipped: string[] } {
  const index = readFileSync(`${prefix}.index`);
  if (index.length < 48) throw new WeightsFormatError('checkpoint index is shorter than its footer');
  const dv = new DataView(index.buffer, index.byteOffset, index.byteLength);
  if (dv.getBigUint64(index.length - 8, true) !== TABLE_MAGIC) throw new WeightsFormatError('not a TensorFlow checkpoint index (bad table magic)');
  const footer = new Reader(index, index.length - 48, index.length - 8);
  footer.varint();
  footer.varint(); // metaindex handle (unused)
  const indexOffset = footer.varint();
  const indexSize = footer.varint();
  const entries: [string, BundleEntry][] = [];
  let shards = 1;
  for (const [, handle] of blockEntries(index, indexOffset, indexSize)) {
    const h = new Reader(handle);
    const off = h.varint();
    for (const [key, value] of blockEntries(index, off, h.varint())) {
      if (key === '') {
        const hr = new Reader(value);
        while (hr.p < value.length) {
          const tag = hr.varint();
          if ((tag & 7) === 2) {
            hr.bytes(hr.varint()); // version (VersionDef)
            continue;
          }
          if ((tag & 7) !== 0) throw new WeightsFormatError('unexpected bundle header field');
          const v = hr.varint();
          if (tag >> 3 === 1) shards = v;
          if (tag >> 3 === 2 && v !== 0) throw new WeightsFormatError('big-endian checkpoints are not supported');
        }
      } else {
        entries.push([key, parseEntry(value)]);
      }
    }
  }
  const data = new Map<number, Uint8Array>();
  const shardFile = (s: number) => `${prefix}.data-${String(s).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}`;
  const weights: WeightMap = new Map();
  const skipped: string[] = [];
  for (const [name, e] of entries) {
    const dtype = DTYPES[e.dtype];
    if (!dtype || e.sliced) {
      skipped.push(name);
      continue;
    }
    // The entry's size must be what its shape and dtype need, checked before reading anything.
    const count = numel(e.shape);
    if (!Number.isSafeInteger(count) || e.size !== count * DTYPE_SIZE[dtype]) {
      throw new WeightsFormatError(`tensor '${name}': ${e.size} bytes for shape ${JSON.stringify(e.shape)} of ${dtype} (expected ${count * DTYPE_SIZE[dtype]})`);
    }
    if (e.shard >= shards) throw new WeightsFormatError(`tensor '${name}' is in shard ${e.shard} but the checkpoint has ${shards}`);
    if (!data.has(e.shard)) {
      const file = shardFile(e.shard);
      if (!existsSync(file)) throw new WeightsFormatError(`data file ${file} is missing (tensor '${name}' is in it)`);
      data.set(e.shard, readFileSync(file));
    }
    const bytes = data.get(e.shard)!;
    if (e.offset + e.size > bytes.length) throw new WeightsFormatError(`tensor '${name}' lies outside ${shardFile(e.shard)}`);
    weights.set(name, { shape: e.shape, values: toFloat32(dtype, bytes, e.offset, count) });
  }
  return { weights, skipped };
}
