/**
 * npm run bench: training and prediction speed on the machine at hand, side by side with the
 * PyTorch reference when it can run. Both train zh-bert-L6-H256 + BiLSTM 128 + CRF for one epoch
 * over the same first 32·(STEPS+1) People's Daily sentences (batch 32, max-len 128, AdamW, head lr
 * 10×) and label the same 1,000 test sentences; every step counts on both sides (warm-up included).
 * Tokens are word pieces (attention-mask sum), the unit the reference counts. Results, with the
 * backend, replicas, BLAS, versions and the machine's sgemm rate, go to bench/results.json.
 *   env BENCH_STEPS (20), BENCH_BACKEND (auto), BENCH_WORKERS (auto); flags --profile, --no-torch, --json
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendChoice } from '../src/backend.js';
import { loadModel, readCorpus, resolveTrainConfig, train, Progress } from '../src/index.js';
import { measureSgemm } from '../src/kernels/addon.js';
import { versions } from '../src/util/versions.js';
import { formatProfile, profileStep, type StepProfile } from './profile.js';
import { runTorch, torchUnavailable, type TorchFigures } from './torch.js';

const root = new URL('../../', import.meta.url).pathname;
const shared = join(root, '..', 'shared');
const args = new Set(process.argv.slice(2));
const PROFILE = args.has('--profile');
const STEPS = Number(process.env.BENCH_STEPS ?? (PROFILE ? 3 : 20));
const SENTENCES = 1000;
const backendChoice = (process.env.BENCH_BACKEND ?? 'auto') as BackendChoice;
const workers = PROFILE ? 1 : process.env.BENCH_WORKERS ? Number(process.env.BENCH_WORKERS) : null;
const model = join(shared, 'models', 'zh-bert-L6-H256');
const corpora = join(shared, 'data', 'peoples-daily');
const torchScript = join(shared, 'reference', 'torch', 'torch_ner.py');
const log = (line: string) => process.stderr.write(line + '\n');

if (!existsSync(model)) {
  console.error(`bench: ${model} is absent; the benchmark needs ../shared (model and People's Daily).`);
  process.exit(0);
}
const trainSentences = 32 * (STEPS + 1);

let peakRss = 0;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const work = mkdtempSync(join(tmpdir(), 'ner-bench-'));
const settings = (out: string, replicas: number | null) =>
  resolveTrainConfig(undefined, {
    model,
    train: join(corpora, 'dev.txt'),
    dev: join(corpora, 'test.txt'),
    out,
    trainLimit: trainSentences,
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
    workers: replicas,
  });

/** One timed training run: every step counted, except the profiled one. */
async function timedTraining(out: string, replicas: number | null) {
  const t = { pieces: 0, words: 0, seconds: 0, steps: 0, profile: undefined as StepProfile | undefined };
  const result = await train(settings(out, replicas), false, {
    progress: new Progress(),
    makeStep: (_ctx, standard) => async (chosen) => {
      const t0 = performance.now();
      let loss = 0;
      // The profiled step is the third (kernels set up, moments warm); it is not counted.
      if (PROFILE && t.steps === 2) t.profile = await profileStep(async () => (loss = await standard(chosen)));
      else {
        loss = await standard(chosen);
        t.seconds += (performance.now() - t0) / 1000;
        t.pieces += chosen.reduce((n, e) => n + e.window.inputIds.length, 0);
        t.words += chosen.reduce((n, e) => n + e.window.wordStarts.length, 0);
      }
      t.steps++;
      return loss;
    },
  });
  return { ...t, result };
}

const out = join(work, 'model');
const { pieces, words, seconds, steps, profile, result } = await timedTraining(out, workers);
const test = (await readCorpus(join(corpora, 'test.txt'), 'labelled')).slice(0, SENTENCES);
const loaded = await loadModel(out, { workers });
const p0 = performance.now();
await loaded.predictor(32).predictWords(test.map((s) => s.tokens));
const predictSeconds = (performance.now() - p0) / 1000;
await loaded.dispose();
clearInterval(sample);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
// The same training on one replica, for the scaling figure (after the headline run, so its
// memory does not count in the peak above).
const single = result.replicas > 1 && !PROFILE ? await timedTraining(join(work, 'single'), 1) : undefined;
rmSync(work, { recursive: true, force: true });
if (profile) log(formatProfile(profile));

const sgemm1 = measureSgemm(1);
const sgemm2 = measureSgemm(cpus().length);
const ner = {
  backend: result.backend.label,
  kernels: result.backend.kernels,
  replicas: result.replicas,
  steps: steps - (profile ? 1 : 0),
  train_tokens: pieces,
  train_words: words,
  train_seconds: seconds,
  train_tokens_per_s: pieces / seconds,
  train_words_per_s: words / seconds,
  one_replica_train_tokens_per_s: single ? single.pieces / single.seconds : null,
  replica_scaling: single ? pieces / seconds / (single.pieces / single.seconds) : null,
  predict_sentences_per_s: SENTENCES / predictSeconds,
  peak_rss_mb: peakRss / 2 ** 20,
};
let torch: TorchFigures | { skipped: string } | undefined;
if (!args.has('--no-torch') && !PROFILE) {
  const why = torchUnavailable(torchScript);
  if (why) torch = { skipped: why };
  else {
    log(`bench: the PyTorch reference on the same ${trainSentences} sentences…`);
    const threads = String(cpus().length);
    torch = runTorch(torchScript, [model, join(corpora, 'dev.txt'), join(corpora, 'test.txt'), '--train-limit', String(trainSentences), '--test-limit', String(SENTENCES), '--epochs', '1', '--batch', '32', '--max-len', '128', '--lr', '2e-4', '--head-lr', '2e-3', '--threads', threads]);
  }
}
const vsTorch =
  torch && 'engine' in torch
    ? { train_tokens_per_s: ner.train_tokens_per_s / torch.train_tokens_per_s, predict_sentences_per_s: ner.predict_sentences_per_s / torch.eval_sentences_per_s, peak_rss: torch.peak_rss_mb ? ner.peak_rss_mb / torch.peak_rss_mb : null }
    : null;
const results = {
  date: new Date().toISOString(),
  backend: ner.backend,
  versions: versions(result.backend),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, sgemm_gflops_1_thread: sgemm1, [`sgemm_gflops_${cpus().length}_threads`]: sgemm2 },
  settings: { model: 'zh-bert-L6-H256 + BiLSTM 128 + CRF', sentences: trainSentences, batch_size: 32, max_len: 128, predict_sentences: SENTENCES },
  ner,
  torch: torch ?? null,
  ratio_ner_over_torch: vsTorch,
  ...(profile ? { profile } : {}),
};
// Other benchmarks keep their own keys in the file (bench:serve writes "serve").
const file = join(root, 'bench', 'results.json');
const others = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
if (!PROFILE) writeFileSync(file, JSON.stringify({ ...others, ...results }, null, 2) + '\n');
if (args.has('--json')) console.log(JSON.stringify(results, null, 2));
else {
  const x = (r: number | null | undefined) => (r ? `${r.toFixed(2)}×` : '–');
  console.log(`ner (${ner.backend}, ${ner.replicas} replica(s); ${ner.kernels}): training ${ner.train_tokens_per_s.toFixed(0)} tokens/s (${ner.train_words_per_s.toFixed(0)} words/s), prediction ${ner.predict_sentences_per_s.toFixed(1)} sentences/s, peak RSS ${ner.peak_rss_mb.toFixed(0)} MiB`);
  if (ner.replica_scaling) console.log(`1 → ${ner.replicas} replicas: ${ner.one_replica_train_tokens_per_s!.toFixed(0)} → ${ner.train_tokens_per_s.toFixed(0)} tokens/s (${ner.replica_scaling.toFixed(2)}×)`);
  if (torch && 'engine' in torch)
    console.log(`PyTorch reference (${torch.engine}): training ${torch.train_tokens_per_s.toFixed(0)} tokens/s, prediction ${torch.eval_sentences_per_s.toFixed(1)} sentences/s, peak RSS ${torch.peak_rss_mb?.toFixed(0) ?? '?'} MiB`);
  else if (torch) console.log(`PyTorch reference not run: ${torch.skipped}`);
  if (vsTorch) console.log(`ner / PyTorch: training ${x(vsTorch.train_tokens_per_s)}, prediction ${x(vsTorch.predict_sentences_per_s)}, peak RSS ${x(vsTorch.peak_rss)}`);
  if (sgemm1) console.log(`OpenBLAS sgemm here: ${sgemm1.toFixed(0)} GFLOP/s on 1 thread, ${sgemm2!.toFixed(0)} on ${cpus().length}`);
  if (!PROFILE) console.log('(bench/results.json)');
}
