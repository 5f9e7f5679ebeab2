import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Histogram buckets for durations, in seconds. */
const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Seconds over which `ner_texts_per_second` is averaged. */
const RATE_WINDOW_S = 10;

/**
 * The service's Prometheus metrics, in a registry of its own (two servers in one process, as in
 * tests, do not share counters): requests by route and status, latency, batch sizes, queue depth,
 * texts/s, and the tfjs tensor count (a leak shows as growth).
 */
export class ServeMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'ner_http_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['route', 'status'], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: 'ner_http_request_duration_seconds',
    help: 'Time from request to response, by route',
    labelNames: ['route'],
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({ name: 'ner_batch_size_texts', help: 'Texts per gathered batch', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers: [this.registry] });
  private readonly waited = new Histogram({ name: 'ner_batch_wait_seconds', help: 'How long the first text of a batch waited in the queue', buckets: SECONDS, registers: [this.registry] });
  private readonly labelling = new Histogram({ name: 'ner_batch_duration_seconds', help: 'Time to label a gathered batch (tokenising, decoding on a replica thread, collecting)', buckets: SECONDS, registers: [this.registry] });
  private readonly texts = new Counter({ name: 'ner_texts_total', help: 'Texts labelled', registers: [this.registry] });
  /** [time ms, texts] of recent batches, for the texts/s gauge. */
  private recent: [number, number][] = [];

  /** `tensors`: live tfjs tensors per thread (main, then replicas). */
  constructor(queueDepth: () => number, tensors: () => Promise<number[]>) {
    const recent = () => this.pruned();
    new Gauge({
      name: 'ner_queue_depth_texts',
      help: 'Texts waiting for a batch',
      registers: [this.registry],
      collect() {
        this.set(queueDepth());
      },
    });
    new Gauge({
      name: 'ner_texts_per_second',
      help: `Texts labelled per second over the last ${RATE_WINDOW_S} s`,
      registers: [this.registry],
      collect() {
        this.set(recent().reduce((n, [, t]) => n + t, 0) / RATE_WINDOW_S);
      },
    });
    new Gauge({
      name: 'ner_tf_tensors',
      help: 'Live tfjs tensors in the main and replica threads (constant between requests; growth is a leak)',
      registers: [this.registry],
      async collect() {
        this.set((await tensors()).reduce((a, b) => a + b, 0));
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'ner_' });
  }

  request(route: string, status: number, seconds: number): void {
    this.requests.inc({ route, status: String(status) });
    this.latency.observe({ route }, seconds);
  }

  batch(texts: number, waitedSeconds: number): void {
    this.batchSize.observe(texts);
    this.waited.observe(waitedSeconds);
  }

  labelled(texts: number, seconds: number): void {
    this.labelling.observe(seconds);
    this.texts.inc(texts);
    this.recent.push([Date.now(), texts]);
    this.pruned();
  }

  private pruned(): [number, number][] {
    const since = Date.now() - RATE_WINDOW_S * 1000;
    while (this.recent.length > 0 && this.recent[0]![0] < since) this.recent.shift();
    return this.recent;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
