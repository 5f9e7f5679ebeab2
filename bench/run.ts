/**
 * npm run bench: training and prediction speed on the machine at hand. Trains zh-bert-L6-H256
 * (+ BiLSTM 128 + CRF) on People's Daily for a fixed number of steps (batch 32, max-len 128,
 * AdamW) through the library's `train`, and labels 1,000 test sentences with the saved model;
 * prints training tokens/s (the first step, kernel set-up, not counted), prediction sentences/s
 * and peak RSS, and writes them to bench/results.json with the backend and versions.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendChoice } from '../src/backend.js';
import { loadModel, readCorpus, resolveTrainConfig, train, localStep, Progress } from '../src/index.js';
import { versions } from '../src/util/versions.js';

const root = new URL('../../', import.meta.url).pathname;
const shared = join(root, '..', 'shared');
const STEPS = Number(process.env.BENCH_STEPS ?? 20);
const SENTENCES = 1000;
const backendChoice = (process.env.BENCH_BACKEND ?? 'auto') as BackendChoice;
const model = join(shared, 'models', 'zh-bert-L6-H256');
const corpora = join(shared, 'data', 'peoples-daily');

if (!existsSync(model)) {
  console.error(`bench: ${model} is absent; the benchmark needs ../shared (model and People's Daily).`);
  process.exit(0);
}

let peakRss = 0;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const work = mkdtempSync(join(tmpdir(), 'ner-bench-'));
const cfg = resolveTrainConfig(undefined, {
  model,
  train: join(corpora, 'dev.txt'),
  dev: join(corpora, 'test.txt'),
  out: join(work, 'model'),
  // One epoch of STEPS + 1 batches (a few more when long sentences are windowed).
  trainLimit: 32 * (STEPS + 1),
  devLimit: 64,
  epochs: 1,
  batchSize: 32,
  maxLen: 128,
  optimizer: 'adamw',
  lr: 2e-4,
  headLr: 2e-3,
  optimizerOptions: { epsilon: 1e-6 },
  schedule: 'constant',
  warmup: 0,
  backend: backendChoice,
});
let words = 0;
let seconds = 0;
let steps = 0;
const result = await train(cfg, false, {
  progress: new Progress(),
  makeStep: (ctx) => {
    const step = localStep(ctx);
    return async (chosen) => {
      const t0 = performance.now();
      const loss = await step(chosen);
      if (steps++ > 0) {
        seconds += (performance.now() - t0) / 1000;
        words += chosen.reduce((n, e) => n + e.window.wordStarts.length, 0);
      }
      return loss;
    };
  },
});
const test = (await readCorpus(join(corpora, 'test.txt'), 'labelled')).slice(0, SENTENCES);
const loaded = await loadModel(cfg.out);
const p0 = performance.now();
await loaded.predictor(32).predictWords(test.map((s) => s.tokens));
const predictSeconds = (performance.now() - p0) / 1000;
loaded.dispose();
clearInterval(sample);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
rmSync(work, { recursive: true, force: true });

const results = {
  date: new Date().toISOString(),
  backend: result.backend.name,
  versions: versions(result.backend),
  machine: { cpus: cpus().length, model: cpus()[0]?.model },
  train: { model: 'zh-bert-L6-H256 + BiLSTM 128 + CRF', steps: steps - 1, batch_size: 32, max_len: 128, tokens: words, seconds, tokens_per_second: words / seconds },
  predict: { sentences: SENTENCES, seconds: predictSeconds, sentences_per_second: SENTENCES / predictSeconds },
  peak_rss_mb: peakRss / 2 ** 20,
};
writeFileSync(join(root, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`backend ${results.backend}: training ${results.train.tokens_per_second.toFixed(0)} tokens/s, prediction ${results.predict.sentences_per_second.toFixed(1)} sentences/s, peak RSS ${results.peak_rss_mb.toFixed(0)} MiB (bench/results.json)`);
