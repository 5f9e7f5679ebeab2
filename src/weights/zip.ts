import { inflateRawSync } from 'node:zlib';
import { WeightsFormatError } from './tensors.js';

/** Entries of a zip archive (what torch.save writes since 1.6), read from memory; zip64 aware. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
const u64 = (b: Uint8Array, o: number) => u32(b, o) + u32(b, o + 4) * 0x100000000;

export function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && u32(b, 0) === 0x04034b50;
}

export function zipEntries(b: Uint8Array): ZipEntry[] {
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 0xffff); i--) {
    if (u32(b, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new WeightsFormatError('zip archive without an end-of-central-directory record (truncated file?)');
  let count = u16(b, eocd + 10);
  let cdOffset = u32(b, eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || u32(b, locator) !== 0x07064b50) throw new WeightsFormatError('zip64 archive without its locator');
    const rec = u64(b, locator + 8);
    if (rec + 56 > b.length || u32(b, rec) !== 0x06064b50) throw new WeightsFormatError('zip64 end record out of bounds');
    count = u64(b, rec + 32);
    cdOffset = u64(b, rec + 48);
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > b.length || u32(b, p) !== 0x02014b50) throw new WeightsFormatError('corrupt zip central directory');
    const nameLen = u16(b, p + 28);
    const extraLen = u16(b, p + 30);
    const commentLen = u16(b, p + 32);
    let compressedSize = u32(b, p + 20);
    let size = u32(b, p + 24);
    let localHeaderOffset = u32(b, p + 42);
    const name = new TextDecoder().decode(b.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field: the 0xffffffff fields, in order, as u64.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = u16(b, e);
      const len = u16(b, e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) (size = u64(b, q)), (q += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(b, q)), (q += 8);
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(b, q);
      }
      e += 4 + len;
    }
    entries.push({ name, method: u16(b, p + 10), compressedSize, size, localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

export function zipRead(b: Uint8Array, e: ZipEntry): Uint8Array {
  const h = e.localHeaderOffset;
  if (h + 30 > b.length || u32(b, h) !== 0x04034b50) throw new WeightsFormatError(`zip entry ${e.name}: bad local header`);
  const start = h + 30 + u16(b, h + 26) + u16(b, h + 28);
  if (start + e.compressedSize > b.length) throw new WeightsFormatError(`zip entry ${e.name} runs past the end of the file`);
  const raw = b.subarray(start, start + e.compressedSize);
  if (e.method === 0) return raw;
  if (e.method === 8) {
    // Deflate can expand ~1000×: refuse an entry that claims more than a few times the archive, and
    // never inflate past what it claims.
    if (e.size > 8 * b.length + (1 << 20)) throw new WeightsFormatError(`zip entry ${e.name} claims ${e.size} bytes from a ${b.length}-byte archive`);
    let out: Buffer;
    try {
      out = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
    } catch {
      throw new WeightsFormatError(`zip entry ${e.name}: corrupt or larger than its stated ${e.size} bytes`);
    }
    if (out.length !== e.size) throw new WeightsFormatError(`zip entry ${e.name}: ${out.length} bytes, its header says ${e.size}`);
    return new Uint8Array(out);
  }
  throw new WeightsFormatError(`zip entry ${e.name}: unsupported compression method ${e.method}`);
}
