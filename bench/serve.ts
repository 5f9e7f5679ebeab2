/**
 * npm run bench:serve: `ner serve` under load on loopback, against the issue's two goals.
 * A zh-bert-L6-H256 + BiLSTM 128 + CRF tagger (one training step: speed does not depend on the
 * weights; or BENCH_MODEL=DIR) labels the first 1,000 People's Daily test sentences:
 *  - batch reference: what `ner predict` does with them (same --workers, its default --batch-size,
 *    input read 512 lines at a time), in this process: sentences/s;
 *  - single-sentence compute: `predictor.labelTexts([sentence])` in this process, one at a time,
 *    for each of the first 300 sentences (no HTTP, no queue, no thread hop);
 *  - the service (`startService`, the defaults of `ner serve`) hit by autocannon running in a CHILD
 *    process (bench/serve-load.ts) at concurrency 1, 8 and 32, one sentence per request, for
 *    BENCH_SECONDS each: sentences/s, p50/p95/p99 latency, and from /metrics the batch sizes, the
 *    queue wait and the time to label a batch. Concurrency 1 sends the 300 sentences timed above,
 *    in the same order, so its latencies compare sentence for sentence with their compute times.
 * Goals: concurrency-32 throughput ≥ 0.8 × the batch reference; concurrency-1 p99 latency ≤ 2 × the
 * single-sentence compute time (p99 of the same sentences' compute times; the ratio to their
 * median is printed too). Results go to the "serve" key of bench/results.json (others are kept).
 * The references are measured again after the service; if they moved more than 15%, the machine's
 * load changed during the run and a warning says the ratios are not reliable.
 * Concurrency 1 also gives, request by request, latency ÷ the compute time of the sentence it sent.
 *   env BENCH_MODEL, BENCH_WORKERS (auto), BENCH_SECONDS (10), BENCH_SERVE (service options, JSON)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, readCorpus, resolveTrainConfig, train, Progress, selectBackend } from '../src/index.js';
import { PREDICT_DEFAULTS, SERVE_DEFAULTS } from '../src/config/schema.js';
import { startService, type ServeOptions } from '../src/serve/service.js';
import { median, otherBusyProcesses, percentile, readServeMetrics, type ServeCounters } from './serve-stats.js';

const root = new URL('../../', import.meta.url).pathname;
const shared = join(root, '..', 'shared');
const encoder = join(shared, 'models', 'zh-bert-L6-H256');
const corpora = join(shared, 'data', 'peoples-daily');
const workers = process.env.BENCH_WORKERS ? Number(process.env.BENCH_WORKERS) : null;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const SENTENCES = 1000;
const SINGLE = 300;
const log = (line: string) => process.stderr.write(line + '\n');

if (!existsSync(corpora) || (!process.env.BENCH_MODEL && !existsSync(encoder))) {
  console.error(`bench:serve: ${corpora} or ${encoder} is absent; the benchmark needs ../shared (or BENCH_MODEL=DIR and the corpus).`);
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'ner-bench-serve-'));
let model = process.env.BENCH_MODEL;
if (!model) {
  model = join(work, 'model');
  log('bench:serve: one training step to get a tagger of the benchmark’s shape…');
  const settings = resolveTrainConfig(undefined, {
    model: encoder, train: join(corpora, 'dev.txt'), dev: join(corpora, 'test.txt'), out: model,
    trainLimit: 32, devLimit: 32, epochs: 1, batchSize: 32, maxLen: 128, backend: 'auto', workers: 1,
  });
  await train(settings, false, { progress: new Progress() });
}
const texts = (await readCorpus(join(corpora, 'test.txt'), 'labelled')).slice(0, SENTENCES).map((s) => s.tokens.join(''));
const load = { before: loadavg()[0]!, others: await otherBusyProcesses() };

/** The references, in this process: `ner predict`'s batch throughput, and each sentence's compute time. */
async function references(): Promise<{ batchPerS: number; single: number[]; replicas: number }> {
  const loaded = await loadModel(model!, { workers });
  try {
    const predictor = loaded.predictor(PREDICT_DEFAULTS.batchSize);
    await predictor.labelTexts(texts.slice(0, 64)); // warm-up: kernels, JIT, every replica thread
    let t0 = performance.now();
    for (let i = 0; i < texts.length; i += PREDICT_DEFAULTS.chunkLines) await predictor.predictTexts(texts.slice(i, i + PREDICT_DEFAULTS.chunkLines));
    const batchPerS = SENTENCES / ((performance.now() - t0) / 1000);
    const single: number[] = [];
    for (const text of texts.slice(0, SINGLE)) {
      t0 = performance.now();
      await predictor.labelTexts([text]);
      single.push(performance.now() - t0);
    }
    return { batchPerS, single, replicas: loaded.replicas };
  } finally {
    loaded.dispose();
  }
}

await selectBackend('auto');
const ref = await references();
const { batchPerS, single } = ref;
const singleP50 = median(single);
const singleP99 = percentile(single, 99);
log(`batch reference (ner predict, ${ref.replicas} replica(s)): ${batchPerS.toFixed(1)} sentences/s; one sentence: median ${singleP50.toFixed(1)} ms, p99 ${singleP99.toFixed(1)} ms (${SINGLE} sentences)`);

// BENCH_SERVE: service options over the defaults, as JSON (for ablations, e.g. '{"batchOverhead": 1e9}').
const overrides = JSON.parse(process.env.BENCH_SERVE ?? '{}') as Partial<ServeOptions>;
const running = await startService({ ...SERVE_DEFAULTS, model, host: '127.0.0.1', port: 0, workers, backend: 'auto', version: 'bench', ...overrides });
const textsFile = join(work, 'texts.json');
const c1File = join(work, 'texts-c1.json');
writeFileSync(textsFile, JSON.stringify(texts));
writeFileSync(c1File, JSON.stringify(texts.slice(0, SINGLE)));

interface LoadResult { latencies: number[]; non2xx: number; errors: number; cpuSeconds: number }

/** autocannon in a child process: the server's event loop does nothing but serve. */
function loadGenerator(connections: number, duration: number, file: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'bench', 'serve-load.js'), running.url, String(connections), String(duration), file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`the load generator exited with code ${code}`))));
  });
}

await loadGenerator(8, 2, textsFile); // warm-up of the service's threads
const levels = [];
for (const connections of [1, 8, 32]) {
  const before = await readServeMetrics(running.url);
  const result = await loadGenerator(connections, seconds, connections === 1 ? c1File : textsFile);
  const after = await readServeMetrics(running.url);
  const d = (k: keyof ServeCounters) => after[k] - before[k];
  const lat = result.latencies;
  const level = {
    concurrency: connections,
    sentences_per_s: lat.length / seconds,
    p50_ms: percentile(lat, 50),
    p95_ms: percentile(lat, 95),
    p99_ms: percentile(lat, 99),
    non_2xx: result.non2xx,
    errors: result.errors,
    mean_batch_size: d('batchTexts') / Math.max(1, d('batches')),
    mean_queue_wait_ms: (1000 * d('waitSeconds')) / Math.max(1, d('batches')),
    mean_batch_ms: (1000 * d('batchSeconds')) / Math.max(1, d('batches')),
    replica_busy: d('batchSeconds') / (seconds * running.replicas),
    load_generator_cpu_s: result.cpuSeconds,
    // Concurrency 1 sends the timed sentences in turn, one request at a time: request k is sentence k mod SINGLE.
    ...(connections === 1 ? { p99_latency_over_own_compute: percentile(lat.map((ms, k) => ms / single[k % SINGLE]!), 99) } : {}),
  };
  log(
    `concurrency ${connections}: ${level.sentences_per_s.toFixed(1)} sentences/s, p50 ${level.p50_ms.toFixed(1)} ms, p95 ${level.p95_ms.toFixed(1)} ms, p99 ${level.p99_ms.toFixed(1)} ms; ` +
      `batches of ${level.mean_batch_size.toFixed(1)} texts, waited ${level.mean_queue_wait_ms.toFixed(1)} ms, labelled in ${level.mean_batch_ms.toFixed(1)} ms, replicas busy ${(100 * level.replica_busy).toFixed(0)}%; ` +
      `load generator ${result.cpuSeconds.toFixed(1)} s CPU; non-2xx ${level.non_2xx}, errors ${level.errors}`,
  );
  levels.push(level);
}
await running.close();
// Measured again after the service: if the machine's load changed during the run, the two differ.
const again = await references();
rmSync(work, { recursive: true, force: true });
const drift = Math.abs(again.batchPerS - batchPerS) / Math.max(again.batchPerS, batchPerS);

const c32 = levels.find((l) => l.concurrency === 32)!;
const c1 = levels.find((l) => l.concurrency === 1)!;
const serve = {
  date: new Date().toISOString(),
  about: running.about.replace(/^model \S+,/, 'zh-bert-L6-H256 + BiLSTM 128 + CRF,'),
  load_average: { before: load.before, after: loadavg()[0]!, other_busy_processes: load.others },
  sentences: SENTENCES,
  seconds_per_level: seconds,
  service_overrides: overrides,
  definitions: {
    batch_reference: `ner predict in-process: ${PREDICT_DEFAULTS.chunkLines}-line chunks, --batch-size ${PREDICT_DEFAULTS.batchSize}, ${ref.replicas} replica(s) (same --workers as the service)`,
    single_sentence: `predictor.labelTexts([sentence]) in-process, one at a time, the first ${SINGLE} sentences (concurrency 1 sends the same, in turn)`,
    load_generator: 'autocannon in a child process, one sentence per POST /predict',
  },
  batch_predict_sentences_per_s: batchPerS,
  single_sentence_ms: { median: singleP50, p99: singleP99 },
  // The references measured again after the service (the ratios use the first).
  after: { batch_predict_sentences_per_s: again.batchPerS, single_sentence_ms: { median: median(again.single), p99: percentile(again.single, 99) } },
  reference_drift: drift,
  levels,
  goals: {
    c32_throughput_over_batch: c32.sentences_per_s / batchPerS,
    c32_goal_met: c32.sentences_per_s >= 0.8 * batchPerS,
    c1_p99_over_single_p99: c1.p99_ms / singleP99,
    c1_p99_over_single_median: c1.p99_ms / singleP50,
    c1_p99_of_latency_over_own_compute: c1.p99_latency_over_own_compute!,
    c1_goal_met: c1.p99_ms <= 2 * singleP99,
  },
};
const file = join(root, 'bench', 'results.json');
const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
writeFileSync(file, JSON.stringify({ ...results, serve }, null, 2) + '\n');
const g = serve.goals;
console.log(`goal 1: throughput at concurrency 32 / batch reference = ${g.c32_throughput_over_batch.toFixed(2)} (goal ≥ 0.8: ${g.c32_goal_met ? 'met' : 'not met'})`);
console.log(`goal 2: p99 latency at concurrency 1 / p99 single-sentence compute = ${g.c1_p99_over_single_p99.toFixed(2)} (goal ≤ 2: ${g.c1_goal_met ? 'met' : 'not met'}); / median compute = ${g.c1_p99_over_single_median.toFixed(2)}; p99 over requests of latency / that sentence's compute = ${g.c1_p99_of_latency_over_own_compute.toFixed(2)}`);
console.log(`load average ${load.before.toFixed(2)} before, ${serve.load_average.after.toFixed(2)} after; other busy processes: ${load.others.length ? load.others.join('; ') : 'none'}`);
if (drift > 0.15) console.log(`WARNING: the batch reference moved ${(100 * drift).toFixed(0)}% between before (${batchPerS.toFixed(1)}/s) and after (${again.batchPerS.toFixed(1)}/s) the service: the machine's load changed; the ratios are not reliable.`);
console.log('(bench/results.json, key "serve")');
