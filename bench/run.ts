/**
 * npm run bench: training and prediction speed on the machine at hand. Trains zh-bert-L6-H256
 * (+ BiLSTM 128 + CRF) on People's Daily for a fixed number of steps (batch 32, max-len 128,
 * AdamW) and labels 1,000 test sentences; prints training tokens/s, prediction sentences/s and
 * peak RSS, and writes them to bench/results.json with the backend and versions.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend, type BackendChoice } from '../src/backend.js';
import { microBatches } from '../src/data/batches.js';
import { transitionMask } from '../src/data/constraints.js';
import { readCorpus } from '../src/data/conll.js';
import { Tagger } from '../src/model/tagger.js';
import { createOptimizer } from '../src/optim/registry.js';
import { Predictor } from '../src/predict/predictor.js';
import { buildTokenizer } from '../src/tokenizer/wordpiece.js';
import { trainingExamples } from '../src/train/corpus.js';
import { epochBatches } from '../src/train/loop.js';
import { accumulatedStep } from '../src/train/step.js';
import { Rng } from '../src/util/rng.js';
import { versions } from '../src/util/versions.js';
import { loadPretrained } from '../src/weights/pretrained.js';

const root = new URL('../../', import.meta.url).pathname;
const shared = join(root, '..', 'shared');
const STEPS = Number(process.env.BENCH_STEPS ?? 20);
const SENTENCES = 1000;
const backendChoice = (process.env.BENCH_BACKEND ?? 'auto') as BackendChoice;

if (!existsSync(join(shared, 'models', 'zh-bert-L6-H256'))) {
  console.error(`bench: ${shared}/models/zh-bert-L6-H256 is absent; the benchmark needs ../shared (model and People's Daily).`);
  process.exit(0);
}

let peakRss = 0;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const backend = await selectBackend(backendChoice);
const pre = await loadPretrained(join(shared, 'models', 'zh-bert-L6-H256'));
const tokenizer = buildTokenizer(pre.tokenizerFiles);
const train = { file: 'dev.txt', sentences: await readCorpus(join(shared, 'data', 'peoples-daily', 'dev.txt'), 'labelled') };
const labels = ['O', 'B-LOC', 'B-ORG', 'B-PER', 'I-LOC', 'I-ORG', 'I-PER'];
const tagger = Tagger.create({ bert: pre.config, numLayers: 6, labels, lstmHidden: 128, crf: true, dropout: 0.1 }, { encoder: pre.encoder }, new Rng(1));
const examples = trainingExamples(train, tokenizer, labels, 128);
const optimizer = createOptimizer('adamw', {
  learningRate: 2e-4,
  epsilon: 1e-6,
  weightDecay: 0.01,
  excludeFromWeightDecay: ['LayerNorm', 'layer_norm', 'bias'],
  clipNorm: 1,
  groups: [{ match: '/(lstm|classifier|crf)\\.', learningRate: 2e-3 }],
});
const order = epochBatches(examples.map((e) => e.window.inputIds.length), 32, new Rng(2));
const seeds = new Rng(3);
const trainable = tagger.params.trainable();
// One warm-up step (kernel set-up), then the timed steps.
let words = 0;
let seconds = 0;
for (let s = 0; s <= STEPS; s++) {
  const chosen = order[s % order.length]!.map((i) => examples[i]!);
  const t0 = performance.now();
  accumulatedStep(tagger, optimizer, trainable, microBatches(chosen, 1536), tokenizer.padId, () => seeds.int(2 ** 31 - 1));
  if (s === 0) continue;
  seconds += (performance.now() - t0) / 1000;
  words += chosen.reduce((n, e) => n + e.window.wordStarts.length, 0);
  process.stderr.write(`train step ${s}/${STEPS}: ${Math.round(words / seconds)} tokens/s\r`);
}
process.stderr.write('\n');
const test = (await readCorpus(join(shared, 'data', 'peoples-daily', 'test.txt'), 'labelled')).slice(0, SENTENCES);
const predictor = new Predictor(tagger, tokenizer, { maxLen: 128, batchSize: 32, mask: transitionMask(labels, 'IOB2') });
const p0 = performance.now();
predictor.predictWords(test.map((s) => s.tokens));
const predictSeconds = (performance.now() - p0) / 1000;
clearInterval(sample);
peakRss = Math.max(peakRss, process.memoryUsage().rss);

const results = {
  date: new Date().toISOString(),
  backend: backend.name,
  versions: versions(backend),
  machine: { cpus: (await import('node:os')).cpus().length, model: (await import('node:os')).cpus()[0]?.model },
  train: { model: 'zh-bert-L6-H256 + BiLSTM 128 + CRF', steps: STEPS, batch_size: 32, max_len: 128, tokens: words, seconds, tokens_per_second: words / seconds },
  predict: { sentences: SENTENCES, seconds: predictSeconds, sentences_per_second: SENTENCES / predictSeconds },
  peak_rss_mb: peakRss / 2 ** 20,
};
writeFileSync(join(root, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`backend ${backend.name}: training ${results.train.tokens_per_second.toFixed(0)} tokens/s, prediction ${results.predict.sentences_per_second.toFixed(1)} sentences/s, peak RSS ${results.peak_rss_mb.toFixed(0)} MiB (bench/results.json)`);
tagger.dispose();
optimizer.dispose();
tf.disposeVariables();
