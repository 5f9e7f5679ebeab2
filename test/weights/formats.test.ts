import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { unpickle } from '../../src/weights/pickle.js';
import { encodeSafetensors, parseSafetensors } from '../../src/weights/safetensors.js';
import { bfloat16ToFloat, halfToFloat, WeightsFormatError } from '../../src/weights/tensors.js';
import { readTfCheckpoint } from '../../src/weights/tf-checkpoint.js';
import { parseTorchCheckpoint } from '../../src/weights/torch.js';
import { bundleEntry, bundleIndex, storedZip, tensorPickle } from './writers.js';
import { needsShared, shared, tempDir } from '../helpers.js';

function safetensorsWith(header: object, data: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('safetensors: encode then parse round-trips names, shapes and values; metadata kept', () => {
  const bytes = encodeSafetensors(
    [
      ['b', { shape: [2], values: Float32Array.from([1.5, -2]) }],
      ['a.weight', { shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    ],
    { format: 'pt' },
  );
  assert.equal((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8, 0, 'data section 8-byte aligned');
  const r = parseSafetensors(bytes);
  assert.deepEqual([...r.weights.keys()], ['a.weight', 'b']);
  assert.deepEqual(Array.from(r.weights.get('a.weight')!.values), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(r.weights.get('b')!.shape, [2]);
  assert.deepEqual(r.metadata, { format: 'pt' });
});

test('safetensors: F16 and BF16 become float32; integer buffers are skipped, not misread', () => {
  const f16 = Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x35]); // 1, -2, 0.3125
  const bf16 = Uint8Array.from([0x80, 0x3f, 0x40, 0xc0]); // 1, -3
  const ids = new Uint8Array(16);
  const r = parseSafetensors(
    safetensorsWith(
      {
        h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] },
        position_ids: { dtype: 'I64', shape: [2], data_offsets: [10, 26] },
      },
      Uint8Array.from([...f16, ...bf16, ...ids]),
    ),
  );
  assert.deepEqual(Array.from(r.weights.get('h')!.values), [1, -2, 0.3125]);
  assert.deepEqual(Array.from(r.weights.get('b')!.values), [1, -3]);
  assert.deepEqual(r.skipped, ['position_ids']);
  assert.deepEqual(Array.from(halfToFloat(Uint16Array.from([0x7c00, 0x0001]))), [Infinity, 2 ** -24]);
  assert.deepEqual(Array.from(bfloat16ToFloat(Uint16Array.from([0x4049]))), [3.140625]);
});

test('safetensors: every header field is bounds-checked before a byte is read', () => {
  const cases: [Uint8Array, RegExp][] = [
    [Uint8Array.from([1, 2, 3]), /shorter than the 8-byte/],
    [safetensorsWith({}, new Uint8Array(0)).map((b, i) => (i === 0 ? 0xff : b)), /header length/],
    [safetensorsWith({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(8)), /outside the 8-byte data section/],
    [safetensorsWith({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /8 bytes for 3 F32 values/],
    [safetensorsWith({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }, new Uint8Array(0)), /bad shape/],
    [safetensorsWith({ x: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /unsupported dtype Q4/],
    [safetensorsWith({ x: { dtype: 'F32', shape: [1] } }, new Uint8Array(4)), /needs dtype, shape and data_offsets/],
  ];
  for (const [bytes, message] of cases) assert.throws(() => parseSafetensors(bytes), (e: unknown) => e instanceof WeightsFormatError && message.test((e as Error).message));
});

test('pickles are read as data: a global outside the tensor whitelist is refused, never called', () => {
  // protocol 2: GLOBAL 'os system', then (’echo pwned’,) REDUCE — what a malicious .bin contains.
  const evil = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from('cos\nsystem\n'), Buffer.from([0x58, 10, 0, 0, 0]), Buffer.from('echo pwned'), Buffer.from([0x85, 0x52, 0x2e])]);
  assert.throws(() => unpickle(evil, 0, () => null), /refusing to load: the pickle references os\.system/);
  assert.throws(() => parseTorchCheckpoint(Buffer.concat([Buffer.from([0x80, 0x02, 0x8a, 0x0a]), Buffer.alloc(10), Buffer.from('.')])), /magic number/);
  assert.throws(() => parseTorchCheckpoint(Buffer.from('not a checkpoint')), /not a torch.save file/);
});

test('torch zip and legacy checkpoints load their float tensors (buffers listed as skipped)', { skip: needsShared('models') }, () => {
  const zip = parseTorchCheckpoint(readFileSync(shared('models', 'hf-bin-ner-tiny', 'pytorch_model.bin')!));
  assert.deepEqual(zip.weights.get('classifier.weight')!.shape, [9, 16]);
  assert.deepEqual(zip.skipped, ['bert.embeddings.position_ids']);
  const legacy = parseTorchCheckpoint(readFileSync(shared('models', 'hf-bin-legacy-tiny', 'pytorch_model.bin')!));
  assert.deepEqual(legacy.weights.get('embeddings.word_embeddings.weight')!.shape, [32006, 16]);
  // A truncated file is a clear error, not a crash.
  const bytes = readFileSync(shared('models', 'hf-bin-legacy-tiny', 'pytorch_model.bin')!);
  assert.throws(() => parseTorchCheckpoint(bytes.subarray(0, bytes.length - 1000)), /ends early/);
  const zbytes = readFileSync(shared('models', 'hf-bin-ner-tiny', 'pytorch_model.bin')!);
  assert.throws(() => parseTorchCheckpoint(zbytes.subarray(0, zbytes.length - 30)), WeightsFormatError);
});

test('torch: strided views are read element by element; a stride-0 view larger than its storage is refused before allocating', () => {
  const data = new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
  const zip = (size: number[], stride: number[], numel = 6) => storedZip([['archive/data.pkl', tensorPickle([['w', { numel, offset: 0, size, stride }]])], ['archive/data/0', data.subarray(0, numel * 4)]]);
  assert.deepEqual(Array.from(parseTorchCheckpoint(zip([2, 3], [3, 1])).weights.get('w')!.values), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(parseTorchCheckpoint(zip([3, 2], [1, 3])).weights.get('w')!.values), [1, 4, 2, 5, 3, 6], 'a transposed view');
  assert.throws(() => parseTorchCheckpoint(zip([65536, 65536], [0, 0], 1)), /has shape \[65536,65536\] \(4294967296 elements\) but its storage holds 1/);
  assert.throws(() => parseTorchCheckpoint(zip([2, 4], [4, 1])), /reads past the end of its storage/);
});

test('safetensors: overlapping data ranges are refused', () => {
  const bytes = safetensorsWith({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12));
  assert.throws(() => parseSafetensors(bytes), /tensors 'a' and 'b' overlap in the data section/);
});

test('TF bundle: an entry whose size disagrees with shape × dtype is refused before reading', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'm.index'), bundleIndex([['bert/x', bundleEntry({ dtype: 19, shape: [400_000_000], offset: 0, size: 2 })]]));
  writeFileSync(join(dir, 'm.data-00000-of-00001'), new Uint8Array(2));
  assert.throws(() => readTfCheckpoint(join(dir, 'm')), /tensor 'bert\/x': 2 bytes for shape \[400000000\] of F16 \(expected 800000000\)/);
  writeFileSync(join(dir, 'm.index'), bundleIndex([['bert/x', bundleEntry({ dtype: 1, shape: [2, 3], offset: 0, size: 24 })]]));
  writeFileSync(join(dir, 'm.data-00000-of-00001'), new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer));
  assert.deepEqual(Array.from(readTfCheckpoint(join(dir, 'm')).weights.get('bert/x')!.values), [1, 2, 3, 4, 5, 6], 'a well-formed entry reads');
});
