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
  onBatch?(texts: number): void;
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
}

/**
 * Dynamic batching: texts from concurrent requests wait in one queue and are labelled together,
 * up to `maxBatch` texts or `maxWaitMs` after the first arrived, one `run` call per gathered batch
 * (the predictor sorts a batch's windows by length, so padding stays small). One batch runs at a
 * time — `run` spreads it over the replica threads — and the queue fills meanwhile, so batches grow
 * with load. A cancelled request's texts are dropped before they run: a client that disconnects
 * costs nothing.
 */
export class Batcher<R> {
  private queue: Item<R>[] = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];

  constructor(
    private readonly run: (texts: string[]) => Promise<R[]>,
    private readonly options: BatcherOptions,
    private readonly events: BatcherEvents = {},
  ) {}

  /** Texts waiting to run. */
  get depth(): number {
    return this.queue.length;
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
      texts.forEach((_, index) => this.queue.push({ job, index }));
      this.events.onQueue?.(this.queue.length);
      this.schedule();
    });
  }

  /** Resolves when nothing waits and nothing runs (for a graceful shutdown). */
  drained(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
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

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queue.length >= this.options.maxBatch || this.options.maxWaitMs <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.start();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.start();
      }, this.options.maxWaitMs);
    }
  }

  private start(): void {
    if (this.running || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.events.onQueue?.(this.queue.length);
    this.events.onBatch?.(batch.length);
    this.running = this.runBatch(batch).finally(() => {
      this.running = undefined;
      // The queue filled while this batch ran: run the next at once if full, else after the wait.
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
    if (this.running || this.queue.length > 0) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
