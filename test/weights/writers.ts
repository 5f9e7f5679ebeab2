/**
 * Minimal writers for the model-file formats, so tests can build hostile files byte by byte:
 * a pickle of one tensor rebuild, a stored (uncompressed) zip as torch.save writes it, and a
 * TF tensor-bundle index (LevelDB table, uncompressed).
 */

const u16 = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const str = (s: string) => Buffer.concat([Buffer.from([0x58]), u32(Buffer.byteLength(s)), Buffer.from(s)]); // BINUNICODE
const int = (n: number) => Buffer.concat([Buffer.from([0x4a]), u32(n)]); // BININT
const global = (m: string, n: string) => Buffer.from(`c${m}\n${n}\n`);

/** Pickle of {name: _rebuild_tensor_v2(storage '0' of `numel` floats, offset, size, stride, False, {}), …}: every entry views the same storage. */
export function tensorPickle(entries: [string, { numel: number; offset: number; size: number[]; stride: number[] }][]): Buffer {
  const tuple = (xs: number[]) => Buffer.concat([Buffer.from('('), ...xs.map(int), Buffer.from('t')]);
  const entry = ([name, t]: [string, { numel: number; offset: number; size: number[]; stride: number[] }]) =>
    Buffer.concat([
      str(name),
      global('torch._utils', '_rebuild_tensor_v2'),
      Buffer.from('(('),
      str('storage'),
      global('torch', 'FloatStorage'),
      str('0'),
      str('cpu'),
      int(t.numel),
      Buffer.from('tQ'),
      int(t.offset),
      tuple(t.size),
      tuple(t.stride),
      Buffer.from([0x89]), // requires_grad False
      Buffer.from('}'), // backward hooks
      Buffer.from('tRs'),
    ]);
  return Buffer.concat([Buffer.from([0x80, 0x02]), global('collections', 'OrderedDict'), Buffer.from(')R'), ...entries.map(entry), Buffer.from('.')]);
}

/** A zip archive of stored entries (CRCs left 0: readers of torch files do not check them). */
export function storedZip(entries: [string, Uint8Array][]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name);
    const sizes = Buffer.concat([u32(0), u32(data.length), u32(data.length), u16(n.length), u16(0)]);
    const local = Buffer.concat([u32(0x04034b50), u16(20), u16(0), u16(0), u16(0), u16(0), sizes, n, data]);
    central.push(Buffer.concat([u32(0x02014b50), u16(20), u16(20), u16(0), u16(0), u16(0), u16(0), sizes, u16(0), u16(0), u16(0), u32(0), u32(offset), n]));
    locals.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(central);
  const eocd = Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length), u32(cd.length), u32(offset), u16(0)]);
  return Buffer.concat([...locals, cd, eocd]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

/** One uncompressed table block of key/value pairs (no prefix sharing, one restart point). */
function block(pairs: [string, Buffer][]): Buffer {
  const body = pairs.map(([k, v]) => Buffer.concat([varint(0), varint(Buffer.byteLength(k)), varint(v.length), Buffer.from(k), v]));
  return Buffer.concat([...body, u32(0), u32(1)]);
}

/** BundleEntryProto: dtype (1 = float, 19 = half), shape, shard 0, offset, size. */
export function bundleEntry(e: { dtype: number; shape: number[]; offset: number; size: number }): Buffer {
  const dims = Buffer.concat(e.shape.map((d) => {
    const dim = Buffer.concat([varint(1 << 3), varint(d)]);
    return Buffer.concat([varint((2 << 3) | 2), varint(dim.length), dim]);
  }));
  return Buffer.concat([varint(1 << 3), varint(e.dtype), varint((2 << 3) | 2), varint(dims.length), dims, varint(3 << 3), varint(0), varint(4 << 3), varint(e.offset), varint(5 << 3), varint(e.size)]);
}

/** A `.index` file holding a one-shard bundle header and these entries. */
export function bundleIndex(entries: [string, Buffer][]): Buffer {
  const header = Buffer.concat([varint(1 << 3), varint(1)]); // num_shards 1, little-endian
  const data = block([['', header], ...entries]);
  const trailer = Buffer.alloc(5); // compression byte 0 + crc
  const dataBlock = Buffer.concat([data, trailer]);
  const handle = (offset: number, size: number) => Buffer.concat([varint(offset), varint(size)]);
  const index = block([['\u00ff', handle(0, data.length)]]);
  const indexOffset = dataBlock.length;
  const meta = block([]);
  const metaOffset = indexOffset + index.length + 5;
  const handles = Buffer.concat([handle(metaOffset, meta.length), handle(indexOffset, index.length)]);
  const footer = Buffer.concat([handles, Buffer.alloc(40 - handles.length), Buffer.from([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb])]);
  return Buffer.concat([dataBlock, index, trailer, meta, trailer, footer]);
}
