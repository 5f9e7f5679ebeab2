import { PyGlobal, PyObject, unpickle, type PyValue } from './pickle.js';
import { numel, type WeightMap } from '../spec/host-tensor.js';
import { toFloat32, WeightsFormatError } from './tensors.js';
import { isZip, zipEntries, zipRead, type ZipEntry } from './zip.js';

/**
 * pytorch_model.bin in both of torch.save's formats, read as data: the zip format (torch ≥ 1.6:
 * archive/data.pkl + archive/data/<key>) and the legacy format (torch < 1.6: magic number,
 * protocol, sys info and state-dict pickles, then each storage as u64 count + raw bytes).
 */
interface Storage {
  dtype: string;
  key: string;
  /** Element count, when the format states it. */
  numel: number;
}

const STORAGE_DTYPES: Record<string, string> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};
const ELEMENT_SIZE: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const FLOAT_DTYPES = ['F32', 'F16', 'BF16', 'F64'];
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

interface TensorRef {
  storage: Storage;
  offset: number;
  shape: number[];
  stride: number[];
}

function storageFromPid(pid: PyValue, legacy: boolean): Storage {
  if (!Array.isArray(pid) || pid[0] !== 'storage') throw new WeightsFormatError(`unsupported persistent id ${JSON.stringify(String(pid))} (only tensor storages are read)`);
  const type = pid[1];
  const dtype = type instanceof PyGlobal ? STORAGE_DTYPES[type.name] : undefined;
  if (!dtype) throw new WeightsFormatError(`unsupported storage type ${type instanceof PyGlobal ? type.qualified : String(type)}`);
  if (legacy && pid[5] != null) throw new WeightsFormatError('legacy checkpoints with storage views are not supported; re-save with a recent torch');
  return { dtype, key: String(pid[2]), numel: Number(pid[4]) };
}

const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Interprets a rebuilt object as a tensor reference, or undefined when it is not one; malformed fields are errors. */
function tensorRef(v: PyValue, name: string): TensorRef | undefined {
  // Unwrap Parameter / subclass wrappers iteratively (a file can nest them without limit).
  for (let depth = 0; v instanceof PyObject && depth < 8; depth++) {
    const fn = v.callee.name;
    if (fn === '_rebuild_parameter') v = v.args[0] ?? null;
    else if (fn === '_rebuild_from_type_v2') {
      const [inner, , args] = v.args;
      if (!(inner instanceof PyGlobal) || !Array.isArray(args)) return undefined;
      v = new PyObject(inner, args);
    } else break;
  }
  if (!(v instanceof PyObject)) return undefined;
  const fn = v.callee.name;
  if (fn !== '_rebuild_tensor_v2' && fn !== '_rebuild_tensor') return undefined;
  const [storage, offset, size, stride] = v.args as unknown[];
  if (!storage || typeof storage !== 'object' || !('dtype' in storage)) return undefined;
  if (!isIndex(offset) || !Array.isArray(size) || !Array.isArray(stride) || size.length !== stride.length || size.length > 8 || !size.every(isIndex) || !stride.every(isIndex)) {
    throw new WeightsFormatError(`tensor '${name}': malformed offset, shape or stride (${JSON.stringify([offset, size, stride].map((x) => (Array.isArray(x) ? x.map(String) : String(x))))})`);
  }
  return { storage: storage as Storage, offset, shape: size as number[], stride: stride as number[] };
}

/**
 * Checks a tensor view against the storage that holds it, before anything is allocated: it must
 * lie inside the storage and hold no more elements than the storage does (a stride-0 view such as
 * `torch.zeros(1).expand(65536, 65536)` would otherwise become 16 GB of float32).
 */
function checkView(t: TensorRef, storageBytes: number, name: string): number {
  const size = ELEMENT_SIZE[t.storage.dtype]!;
  const elements = Math.floor(storageBytes / size);
  const count = numel(t.shape);
  const span = count === 0 ? 0 : 1 + t.shape.reduce((s, n, d) => s + (n - 1) * t.stride[d]!, 0);
  if (t.offset + span > elements) throw new WeightsFormatError(`tensor '${name}' reads past the end of its storage (${elements} elements)`);
  if (count > elements) {
    throw new WeightsFormatError(`tensor '${name}' has shape ${JSON.stringify(t.shape)} (${count} elements) but its storage holds ${elements}: a repeated (expanded) view, not weights`);
  }
  return count;
}

/** Reads a (possibly strided) tensor view of a storage's bytes as float32; checkView has bounded it. */
function materialize(t: TensorRef, bytes: Uint8Array, name: string): Float32Array {
  const size = ELEMENT_SIZE[t.storage.dtype]!;
  const count = checkView(t, bytes.length, name);
  const contiguous = t.shape.every((_, d) => t.shape[d] === 1 || t.stride[d] === numel(t.shape.slice(d + 1)));
  const dtype = t.storage.dtype as 'F32';
  if (contiguous) return toFloat32(dtype, bytes, t.offset * size, count);
  const span = 1 + t.shape.reduce((s, n, d) => s + (n - 1) * t.stride[d]!, 0);
  const all = toFloat32(dtype, bytes, t.offset * size, span);
  const out = new Float32Array(count);
  const idx = new Array<number>(t.shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = 0;
    for (let d = 0; d < idx.length; d++) at += idx[d]! * t.stride[d]!;
    out[i] = all[at]!;
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d]! < t.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

function collect(root: PyValue, bytesOf: (s: Storage) => Uint8Array, fileBytes: number): { weights: WeightMap; skipped: string[] } {
  const dict = root instanceof Map ? root : undefined;
  if (!dict) throw new WeightsFormatError('the checkpoint is not a state dict (expected a mapping of names to tensors)');
  const weights: WeightMap = new Map();
  const skipped: string[] = [];
  // Views may share a storage (tied embeddings), but all of them together cannot plausibly need
  // more float32 bytes than a few times the file: more means the same bytes are read over and over.
  const budget = 4 * fileBytes + (1 << 20);
  let total = 0;
  const refs: [string, TensorRef][] = [];
  for (const [k, v] of dict) {
    const name = String(k);
    const t = tensorRef(v, name);
    if (!t || !FLOAT_DTYPES.includes(t.storage.dtype)) {
      skipped.push(name);
      continue;
    }
    total += 4 * checkView(t, bytesOf(t.storage).length, name);
    if (total > budget) throw new WeightsFormatError(`its tensors would take over ${total} bytes as float32 from a ${fileBytes}-byte file: views repeat the same storage`);
    refs.push([name, t]);
  }
  for (const [name, t] of refs) weights.set(name, { shape: t.shape, values: materialize(t, bytesOf(t.storage), name) });
  return { weights, skipped };
}

export function parseTorchCheckpoint(bytes: Uint8Array): { weights: WeightMap; skipped: string[] } {
  return isZip(bytes) ? parseZip(bytes) : parseLegacy(bytes);
}

function parseZip(bytes: Uint8Array) {
  const entries = zipEntries(bytes);
  const pkl = entries.find((e) => e.name.endsWith('/data.pkl') || e.name === 'data.pkl');
  if (!pkl) throw new WeightsFormatError('zip archive without data.pkl: not a torch.save file');
  const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
  const byteorder = entries.find((e) => e.name === `${prefix}byteorder`);
  if (byteorder && new TextDecoder().decode(zipRead(bytes, byteorder)).trim() !== 'little') {
    throw new WeightsFormatError('big-endian torch checkpoints are not supported');
  }
  const byName = new Map(entries.map((e) => [e.name, e]));
  const read = new Map<ZipEntry, Uint8Array>();
  const storageBytes = (e: ZipEntry) => {
    if (!read.has(e)) read.set(e, zipRead(bytes, e));
    return read.get(e)!;
  };
  const { value } = unpickle(zipRead(bytes, pkl), 0, (pid) => storageFromPid(pid, false) as unknown as PyValue);
  return collect(value, (s) => {
    const e = byName.get(`${prefix}data/${s.key}`);
    if (!e) throw new WeightsFormatError(`storage ${s.key} is missing from the archive`);
    return storageBytes(e);
  }, bytes.length);
}

function parseLegacy(bytes: Uint8Array) {
  if (bytes[0] !== 0x80) throw new WeightsFormatError('neither a zip archive nor a pickle: not a torch.save file');
  const none = () => {
    throw new WeightsFormatError('unexpected persistent id in the legacy header');
  };
  const magic = unpickle(bytes, 0, none);
  if (magic.value !== LEGACY_MAGIC) throw new WeightsFormatError('pickle without torch’s magic number: not a torch.save file');
  const protocol = unpickle(bytes, magic.end, none);
  const sysInfo = unpickle(bytes, protocol.end, none);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) throw new WeightsFormatError('big-endian torch checkpoints are not supported');
  const storages = new Map<string, Storage>();
  const main = unpickle(bytes, sysInfo.end, (pid) => {
    const s = storageFromPid(pid, true);
    if (!storages.has(s.key)) storages.set(s.key, s);
    return storages.get(s.key)! as unknown as PyValue;
  });
  const keys = unpickle(bytes, main.end, none);
  if (!Array.isArray(keys.value)) throw new WeightsFormatError('legacy checkpoint without its storage key list');
  const data = new Map<string, Uint8Array>();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = keys.end;
  for (const k of keys.value) {
    const s = storages.get(String(k));
    if (!s) throw new WeightsFormatError(`storage ${String(k)} is listed but never used`);
    if (p + 8 > bytes.length) throw new WeightsFormatError('legacy checkpoint ends early (truncated file?)');
    const count = Number(dv.getBigUint64(p, true));
    const n = count * ELEMENT_SIZE[s.dtype]!;
    if (p + 8 + n > bytes.length) throw new WeightsFormatError('legacy checkpoint ends early (truncated file?)');
    data.set(s.key, bytes.subarray(p + 8, p + 8 + n));
    p += 8 + n;
  }
  return collect(main.value, (s) => {
    const d = data.get(s.key);
    if (!d) throw new WeightsFormatError(`storage ${s.key} has no data`);
    return d;
  }, bytes.length);
}
