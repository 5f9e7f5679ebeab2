import { HttpError } from './errors.js';

export interface BatcherOptions {
  /** Texts per gathered batch. */
  maxBatch: number;
  /** How long the first waiting text waits for company before its batch runs anyway. */
  maxWaitMs: number;
  /** Texts waiting (not yet running) beyond which new requests are refused with 429. */
  maxQueue: number;
}

export interface BatcherEvents {
  /** A batch starts: its texts, and how long its first text waited (seconds). */
  onBatch?(texts: number, waitedSeconds: number): void;
  onQueue?(depth: number): void;
}

interface Job<R> {
  texts: readonly string[];
  results: R[];
  /** Texts of this job not yet answered. */
  left: number;
  cancelled: boolean;
  resolve(r: R[]): void;
  reject(e: Error): void;
}

interface Item<R> {
  job: Job<R>;
  index: number;
  /** When it was queued (performance.now()). */
  since: number;
}

/**
 * Dynamic batching: texts from concurrent requests wait in one queue and are labelled together,
 * one `run` call per gathered batch of up to `maxBatch` texts (the predictor sorts a batch's
 * windows by length, so padding stays small). Up to `concurrency` batches run at once — one per
 * replica thread — and the queue fills meanwhile, so batches grow with load.
 *
 * When a replica is free, a batch starts once the queue holds the recent load's share per replica
 * (the most texts in the server — waiting or running — at the last few batch starts, divided by
 * `concurrency`, at most `maxBatch`), or when its first text has waited `maxWaitMs`. So a lone
 * client (a load of one) never waits; under load a free replica does not run a small batch while
 * the clients just answered are coming back, and the replicas share the load instead of one taking
 * it all. Before any batch the load is taken as `maxBatch`: the first texts wait for company.
 * A cancelled request's texts are dropped before they run: a client that disconnects costs nothing.
 */
export class Batcher<R> {
  private queue: Item<R>[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];
  /** Batches run at once. */
  private concurrency = 1;
  /** When a batch last ended (performance.now()). */
  private freed = -Infinity;
  /** Texts in running batches. */
  private runningTexts = 0;
  /** Texts in the server (waiting and running) at the last few batch starts: the recent load. */
  private loads: number[] = [];

  constructor(
    private readonly run: (texts: string[]) => Promise<R[]>,
    private readonly options: BatcherOptions,
    private readonly events: BatcherEvents = {},
  ) {}

  /** Texts waiting to run. */
  get depth(): number {
    return this.queue.length;
  }

  /** How many batches may run at once (the replica threads, known once the model is loaded). */
  setConcurrency(n: number): void {
    this.concurrency = Math.max(1, n);
    this.schedule();
  }

  /** Results for `texts`, in order. Refuses (429, or 413 if it could never fit) when the queue is full. */
  submit(texts: readonly string[], signal?: AbortSignal): Promise<R[]> {
    if (texts.length === 0) return Promise.resolve([]);
    if (texts.length > this.options.maxQueue) {
      throw new HttpError(413, 'too_many_texts', `${texts.length} texts in one request; the server queues at most ${this.options.maxQueue} (--max-queue): send fewer per request`, 'texts');
    }
    if (this.queue.length + texts.length > this.options.maxQueue) {
      const seconds = Math.max(1, Math.ceil(this.options.maxWaitMs / 1000));
      throw new HttpError(429, 'queue_full', `the server is busy (${this.queue.length} texts waiting): retry after ${seconds} s`, undefined, { 'retry-after': String(seconds) });
    }
    return new Promise<R[]>((resolve, reject) => {
      const job: Job<R> = { texts, results: new Array<R>(texts.length), left: texts.length, cancelled: false, resolve, reject };
      signal?.addEventListener('abort', () => this.cancel(job), { once: true });
      const since = performance.now();
      texts.forEach((_, index) => this.queue.push({ job, index, since }));
      this.events.onQueue?.(this.queue.length);
      this.schedule();
    });
  }

  /** Resolves when nothing waits and nothing runs (for a graceful shutdown). */
  drained(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private cancel(job: Job<R>): void {
    if (job.cancelled || job.left === 0) return;
    job.cancelled = true;
    this.queue = this.queue.filter((item) => item.job !== job);
    this.events.onQueue?.(this.queue.length);
    job.reject(new HttpError(499, 'cancelled', 'the client closed the request'));
    this.settle();
  }

  /** Texts a batch waits for: the recent load's share per replica. */
  private target(): number {
    const load = this.loads.length > 0 ? Math.max(...this.loads) : this.options.maxBatch;
    return Math.min(this.options.maxBatch, Math.max(1, Math.ceil(load / this.concurrency)));
  }

  private schedule(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const n = this.queue.length;
      const target = this.target();
      // A text waits for company at most maxWaitMs after it arrived or a replica last became free.
      const wait = Math.max(this.queue[0]!.since, this.freed) + this.options.maxWaitMs - performance.now();
      if (n < target && wait > 0) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.schedule();
        }, Math.ceil(wait));
        return;
      }
      // A backlog is shared over the free replicas rather than taken by the first.
      this.start(Math.min(this.options.maxBatch, Math.max(target, Math.ceil(n / (this.concurrency - this.running)))));
    }
  }

  private start(size: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.loads = [...this.loads, this.queue.length + this.runningTexts].slice(-2 * this.concurrency);
    const batch = this.queue.splice(0, size);
    this.running++;
    this.runningTexts += batch.length;
    this.events.onQueue?.(this.queue.length);
    this.events.onBatch?.(batch.length, (performance.now() - batch[0]!.since) / 1000);
    void this.runBatch(batch).finally(() => {
      this.running--;
      this.runningTexts -= batch.length;
      this.freed = performance.now();
      // The queue filled while this batch ran: the next starts at once if due, else when its wait ends.
      this.schedule();
      this.settle();
    });
  }

  private async runBatch(batch: Item<R>[]): Promise<void> {
    let results: R[];
    try {
      results = await this.run(batch.map((item) => item.job.texts[item.index]!));
    } catch (err) {
      const failed = new Set(batch.map((item) => item.job).filter((job) => !job.cancelled && job.left > 0));
      for (const job of failed) {
        job.cancelled = true;
        job.reject(err instanceof Error ? err : new Error(String(err)));
      }
      // Their texts still waiting would be labelled for nobody.
      this.queue = this.queue.filter((item) => !failed.has(item.job));
      return;
    }
    batch.forEach(({ job, index }, k) => {
      if (job.cancelled || job.left === 0) return;
      job.results[index] = results[k]!;
      if (--job.left === 0) job.resolve(job.results);
    });
  }

  private settle(): void {
    if (this.running > 0 || this.queue.length > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
