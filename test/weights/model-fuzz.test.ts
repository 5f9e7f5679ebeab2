import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { NerError } from '../../src/errors.js';
import { loadModel } from '../../src/predict/load.js';
import { parseTorchCheckpoint } from '../../src/weights/torch.js';
import { zipEntries } from '../../src/weights/zip.js';
import { Rng } from '../../src/util/rng.js';
import { ROOT, runCli, shared, tempDir } from '../helpers.js';
import { bundleEntry, bundleIndex, storedZip, tensorPickle } from './writers.js';

/**
 * Mutated model files (weights in every format, config.json, vocabularies) must end in a loaded
 * model or one clean exit-2 error naming the file: no raw JavaScript error, no hang, no memory
 * blow-up. Mutations run in this process through `loadModel` (what eval and predict call); the
 * memory bombs run as child processes whose peak RSS is measured.
 */
const MB = 1 << 20;
const work = tempDir('ner-fuzz-');

interface Source {
  name: string;
  dir: string;
  /** Files to mutate, each with its mutation kind. */
  files: [string, Kind][];
}
type Kind = 'safetensors' | 'torch-zip' | 'torch-legacy' | 'tf-index' | 'json' | 'vocab';

const INTS = [0, 1, 2, 7, 65536, 0x7fffffff, 0xffffffff];
const JSON_VALUES: unknown[] = [0, -1, 1.5, 1e6, 1e9, 1e300, 'x', '', null, true, [], {}, [1, 2], { a: 1 }, 'constructor', 65536];

function flipBytes(rng: Rng, b: Buffer, from = 0, to = b.length): Buffer {
  const out = Buffer.from(b);
  const span = Math.max(1, to - from);
  switch (rng.int(5)) {
    case 0: // a few random bytes
      for (let i = 0, n = 1 + rng.int(8); i < n; i++) out[from + rng.int(span)] = rng.int(256);
      return out;
    case 1: // truncation
      return out.subarray(0, from + rng.int(span));
    case 2: // a little-endian u32 written somewhere (lengths, counts, sizes)
      if (out.length >= 4) out.writeUInt32LE(rng.pick(INTS), Math.min(out.length - 4, from + rng.int(span)));
      return out;
    case 3: {
      // random bytes inserted
      const at = from + rng.int(span);
      return Buffer.concat([out.subarray(0, at), Buffer.from(Array.from({ length: 1 + rng.int(16) }, () => rng.int(256))), out.subarray(at)]);
    }
    default: {
      // a chunk duplicated
      const at = from + rng.int(span);
      const len = 1 + rng.int(64);
      return Buffer.concat([out.subarray(0, at + len), out.subarray(at, at + len), out.subarray(at + len)]);
    }
  }
}

/** Sets a random (possibly nested) key of a JSON object to a hostile value. */
function mutateJson(rng: Rng, text: Buffer, extraKeys: string[]): Buffer {
  if (rng.next() < 0.1) return flipBytes(rng, text);
  const obj = JSON.parse(text.toString('utf8')) as Record<string, unknown>;
  const paths: string[][] = [];
  const walk = (o: unknown, path: string[]) => {
    if (typeof o !== 'object' || o === null || path.length > 3) return;
    for (const k of Object.keys(o).slice(0, 40)) {
      paths.push([...path, k]);
      walk((o as Record<string, unknown>)[k], [...path, k]);
    }
  };
  walk(obj, []);
  const path = rng.next() < 0.3 ? rng.pick(extraKeys).split('.') : rng.pick(paths);
  let target = obj as Record<string, unknown>;
  for (const k of path.slice(0, -1)) {
    if (typeof target[k] !== 'object' || target[k] === null) target[k] = {};
    target = target[k] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (rng.next() < 0.15) delete target[last];
  else if (last === 'id2label' && rng.next() < 0.5) target[last] = Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [String(i), `B-T${i}`]));
  else target[last] = rng.pick(JSON_VALUES);
  return Buffer.from(JSON.stringify(obj));
}

function mutateSafetensors(rng: Rng, b: Buffer): Buffer {
  if (rng.next() < 0.4) return flipBytes(rng, b, 0, Math.min(b.length, 8 + Number(b.readBigUInt64LE(0))));
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: unknown; shape: unknown; data_offsets: unknown }>;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const e = header[rng.pick(names)]!;
  const other = header[rng.pick(names)]!;
  switch (rng.int(6)) {
    case 0:
      e.shape = (e.shape as number[]).map((d) => d * rng.pick([0, 65536, -1, 1.5, 2 ** 40]));
      break;
    case 1:
      e.data_offsets = other.data_offsets; // overlap
      break;
    case 2:
      e.data_offsets = [0, rng.pick([2 ** 40, -1, 1e300, 'x'])];
      break;
    case 3:
      e.dtype = rng.pick(['F16', 'I64', 'X', 'constructor', 7, null]);
      break;
    case 4:
      header.__metadata__ = rng.pick([5, 'x', { a: 1 }, null]) as never;
      break;
    default:
      (header as Record<string, unknown>)[rng.pick(names)] = rng.pick([null, 3, 'x', []]);
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, b.subarray(8 + n)]);
}

function mutateVocab(rng: Rng, b: Buffer): Buffer {
  if (rng.next() < 0.15) return flipBytes(rng, b);
  const lines = b.toString('utf8').split('\n');
  switch (rng.int(5)) {
    case 0:
      lines.splice(rng.int(lines.length), 0, ...['constructor', 'toString', '__proto__', 'hasOwnProperty'].slice(0, 1 + rng.int(4)));
      break;
    case 1:
      return Buffer.from(lines.filter((l) => l !== rng.pick(['[CLS]', '[SEP]', '[UNK]', '[PAD]'])).join('\n'));
    case 2:
      lines.splice(rng.int(lines.length), 0, 'x'.repeat(100_000), '\u0000\u001b[2J', '');
      break;
    case 3:
      return Buffer.alloc(0);
    default:
      lines.push(...lines.slice(0, 1 + rng.int(lines.length)));
  }
  return Buffer.from(lines.join('\n'));
}

function mutate(rng: Rng, kind: Kind, b: Buffer): Buffer {
  switch (kind) {
    case 'safetensors':
      return mutateSafetensors(rng, b);
    case 'torch-zip': {
      // Mostly inside data.pkl, where the tensor descriptions are.
      const pkl = zipEntries(b).find((e) => e.name.endsWith('data.pkl'))!;
      const start = pkl.localHeaderOffset + 30 + b.readUInt16LE(pkl.localHeaderOffset + 26) + b.readUInt16LE(pkl.localHeaderOffset + 28);
      return rng.next() < 0.7 ? flipBytes(rng, b, start, start + pkl.size) : flipBytes(rng, b);
    }
    case 'torch-legacy':
      return rng.next() < 0.7 ? flipBytes(rng, b, 0, Math.min(b.length, 4096)) : flipBytes(rng, b);
    case 'tf-index':
      return flipBytes(rng, b);
    case 'json':
      return mutateJson(rng, b, ['num_hidden_layers', 'vocab_size', 'hidden_size', 'id2label', 'max_position_embeddings', 'ner.max_len', 'ner.spec.num_layers', 'ner.spec.labels', 'ner.spec.lstm_hidden', 'ner.scheme', 'ner.constrain', 'ner.config.token_transform']);
    case 'vocab':
      return mutateVocab(rng, b);
  }
}

/** A folder holding copies of `src`'s files. */
function copyFolder(src: string, name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(src, { withFileTypes: true })) if (f.isFile()) copyFileSync(join(src, f.name), join(dir, f.name));
  return dir;
}

describe('model-file fuzz', () => {
  const sources: Source[] = [];

  before(async () => {
  await selectBackend('wasm');
  const trained = join(work, 'trained');
  const r = runCli(['train', '--config', join(ROOT, 'configs', 'debug-tiny.json'), '--out', trained, '--epochs', '1', '--train-limit', '64']);
  assert.equal(r.code, 0, r.stderr);
  sources.push({ name: 'ner', dir: copyFolder(trained, 'ner'), files: [['model.safetensors', 'safetensors'], ['config.json', 'json'], ['vocab.txt', 'vocab']] });
  const add = (name: string, files: [string, Kind][]) => {
    const src = shared('models', name);
    if (src) sources.push({ name, dir: copyFolder(src, name), files });
    else process.stdout.write(`# ../shared/models/${name} is absent: its formats are not fuzzed\n`);
  };
  add('hf-bin-ner-tiny', [['pytorch_model.bin', 'torch-zip'], ['config.json', 'json'], ['vocab.txt', 'vocab']]);
  add('hf-bin-legacy-tiny', [['pytorch_model.bin', 'torch-legacy'], ['config.json', 'json']]);
  add('tf-ckpt-tiny', [['bert_model.ckpt.index', 'tf-index'], ['bert_config.json', 'json'], ['vocab.txt', 'vocab']]);
  add('hf-safetensors-tokjson-tiny', [['model.safetensors', 'safetensors'], ['tokenizer.json', 'json']]);
  });

  test('600 mutated model files: each loads, or fails with one exit-2 error naming the file; none over 10 s or 512 MB', async () => {
    const rng = new Rng(1313);
    const tensorsBefore = tf.memory().numTensors;
    const outcomes: Record<string, number> = {};
    const cases = 600;
    for (let n = 0; n < cases; n++) {
      const source = sources[n % sources.length]!;
      const [file, kind] = rng.pick(source.files);
      const path = join(source.dir, file);
      const original = readFileSync(path);
      const mutated = mutate(rng, kind, original);
      writeFileSync(path, mutated);
      const context = `case ${n}: ${source.name}/${file} (${kind})`;
      const t0 = Date.now();
      try {
        const model = await loadModel(source.dir);
        model.dispose();
        outcomes.loaded = (outcomes.loaded ?? 0) + 1;
      } catch (err) {
        assert.ok(err instanceof NerError, `${context}: a raw ${(err as Error)?.constructor?.name}: ${String((err as Error)?.stack ?? err)}`);
        assert.equal(err.exitCode, 2, `${context}: ${err.message}`);
        assert.ok(err.message.startsWith(source.dir), `${context}: the message names the file: ${err.message}`);
        assert.ok(!err.message.includes('\n'), `${context}: one line: ${err.message}`);
        outcomes.refused = (outcomes.refused ?? 0) + 1;
      } finally {
        writeFileSync(path, original);
      }
      assert.ok(Date.now() - t0 < 10_000, `${context}: took ${Date.now() - t0} ms`);
    }
    assert.equal(tf.memory().numTensors, tensorsBefore, 'every loaded model was disposed, no failed load leaked tensors');
    const peak = process.resourceUsage().maxRSS * 1024;
    assert.ok(peak < 512 * MB, `peak RSS of the whole fuzz run ${(peak / MB).toFixed(0)} MB`);
    process.stdout.write(`outcomes ${JSON.stringify(outcomes)}, peak RSS ${(peak / MB).toFixed(0)} MB\n`);
    assert.ok((outcomes.loaded ?? 0) > 0 && (outcomes.refused ?? 0) > cases / 4, `both outcomes exercised: ${JSON.stringify(outcomes)}`);
  });
});

/** Runs the CLI in a child that reports its own peak RSS. */
function cliWithPeak(args: string[]): { code: number; stderr: string; peakMB: number; ms: number } {
  const code = `const { main } = await import(${JSON.stringify(join(ROOT, 'dist', 'src', 'cli.js'))});
const code = await main(['node', 'ner', ...${JSON.stringify(args)}]);
process.stderr.write('\\nPEAK_RSS_KB ' + process.resourceUsage().maxRSS + '\\n');
process.exit(code);`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 10_000, cwd: ROOT });
  const m = /PEAK_RSS_KB (\d+)/.exec(r.stderr);
  return { code: r.status ?? -1, stderr: r.stderr.replace(/\nPEAK_RSS_KB \d+\n$/, ''), peakMB: m ? Number(m[1]) / 1024 : Infinity, ms: Date.now() - t0 };
}

describe('memory bombs exit 2 in bounded memory and time', () => {
  const data = join(ROOT, 'data', 'sample-en', 'test.txt');
  const bomb = (name: string, files: Record<string, Uint8Array | string>) => {
    const dir = join(work, 'bomb', name);
    mkdirSync(dir, { recursive: true });
    for (const [f, content] of Object.entries(files)) writeFileSync(join(dir, f), content);
    return dir;
  };
  const tinyConfig = { model_type: 'bert', vocab_size: 8, hidden_size: 4, num_hidden_layers: 1, num_attention_heads: 1, intermediate_size: 8, max_position_embeddings: 16, id2label: { 0: 'O', 1: 'B-PER' } };
  const vocab = '[PAD]\n[UNK]\n[CLS]\n[SEP]\na\nb\nc\nd\n';
  const expectExit2 = (dir: string, file: string, maxMB: number, pattern: RegExp) => {
    const r = cliWithPeak(['eval', '--model', dir, '--data', data, '--backend', 'wasm']);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.startsWith(`ner: ${join(dir, file)}`), r.stderr);
    assert.match(r.stderr, pattern);
    assert.ok(r.peakMB < maxMB, `peak RSS ${r.peakMB.toFixed(0)} MB`);
    assert.ok(r.ms < 10_000, `${r.ms} ms`);
  };

  test('a 1-float storage viewed as torch.zeros(1).expand(65536, 65536): exit 2 below 200 MB', () => {
    const pkl = tensorPickle([['bert.embeddings.word_embeddings.weight', { numel: 1, offset: 0, size: [65536, 65536], stride: [0, 0] }]]);
    const zip = storedZip([['archive/data.pkl', pkl], ['archive/data/0', new Uint8Array(4)]]);
    assert.ok(zip.length < 50_000);
    const dir = bomb('expand', { 'config.json': JSON.stringify(tinyConfig), 'pytorch_model.bin': zip, 'vocab.txt': vocab });
    expectExit2(dir, 'pytorch_model.bin', 200, /storage holds 1: a repeated \(expanded\) view/);
  });

  test('many views of one storage add up past the file: refused before allocating', () => {
    // 64 names share one 4 MB storage in full: 256 MB of float32 from a 4 MB file.
    const many = tensorPickle(Array.from({ length: 64 }, (_, i) => [`n${i}`, { numel: 1 << 20, offset: 0, size: [1 << 20], stride: [1] }]));
    const zip = storedZip([['archive/data.pkl', many], ['archive/data/0', new Uint8Array(4 << 20)]]);
    assert.throws(() => parseTorchCheckpoint(zip), /would take over \d+ bytes as float32 from a \d+-byte file/);
  });

  test('a TF bundle entry whose size field disagrees with shape × dtype (F16 [4e8] in 2 bytes): exit 2', () => {
    const index = bundleIndex([['bert/embeddings/word_embeddings', bundleEntry({ dtype: 19, shape: [400_000_000], offset: 0, size: 2 })]]);
    const dir = bomb('tf', { 'bert_config.json': JSON.stringify(tinyConfig), 'bert_model.ckpt.index': index, 'bert_model.ckpt.data-00000-of-00001': new Uint8Array(2), 'vocab.txt': vocab });
    expectExit2(dir, 'bert_model.ckpt', 200, /2 bytes for shape \[400000000\] of F16/);
  });

  test('config.json: a million layers, 20,000 labels, a non-numeric size: exit 2 naming file:key', () => {
    const w = storedZip([['archive/data.pkl', tensorPickle([['classifier.weight', { numel: 8, offset: 0, size: [2, 4], stride: [4, 1] }]])], ['archive/data/0', new Uint8Array(32)]]);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ num_hidden_layers: 1_000_000 }, /config\.json: num_hidden_layers: must be a whole number from 1 to 256 \(got 1000000\)/],
      [{ id2label: Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [String(i), `B-T${i}`])) }, /config\.json: id2label: has 20000 entries; at most 1000/],
      [{ hidden_size: 'x' }, /config\.json: hidden_size: must be a whole number/],
    ];
    cases.forEach(([edit, pattern], i) => {
      const dir = bomb(`config-${i}`, { 'config.json': JSON.stringify({ ...tinyConfig, ...edit }), 'pytorch_model.bin': w, 'vocab.txt': vocab });
      expectExit2(dir, 'config.json', 300, pattern);
    });
  });
});
