import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import { microBatches, type Example, type TaggerBatch } from '../data/batches.js';
import type { TransitionMask } from '../data/constraints.js';
import { RuntimeFailure } from '../errors.js';
import type { Decoded, Tagger } from '../model/tagger.js';
import type { StatefulOptimizer } from '../optim/optimizer.js';
import { accumulatedGradients, partSize } from '../model/gradients.js';
import { layoutOf, sharedBuffer, slot, writeTensors, type Layout } from './layout.js';
import type { ReplicaInit, Reply, Request, TaskInit } from './protocol.js';

type Pending = { resolve: (r: Reply) => void; reject: (e: Error) => void };

/** A replica thread as the main thread sees it. */
class Replica {
  private pending = new Map<number, Pending>();
  private nextId = 0;
  failure: Error | undefined;

  constructor(
    readonly index: number,
    readonly worker: Worker,
    readonly grads: Float32Array,
  ) {
    worker.on('message', (r: Reply) => {
      if (r.type === 'ready') return;
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (r.type === 'error') p?.reject(new RuntimeFailure(`replica thread ${index}: ${r.message}`));
      else p?.resolve(r);
    });
    const fail = (why: string) => {
      this.failure ??= new RuntimeFailure(`replica thread ${index} ${why}`);
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    worker.on('error', (err) => fail(`failed: ${err.message.split('\n')[0]}`));
    worker.on('exit', (code) => fail(`stopped (exit code ${code})`));
  }

  request<T extends Reply['type']>(r: Request & { type: T }): Promise<Extract<Reply, { type: T }>> {
    if (this.failure) return Promise.reject(this.failure);
    // An idle replica must not keep the process alive; one with work pending must.
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(r.id, { resolve, reject });
      this.worker.postMessage(r);
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    }) as Promise<Extract<Reply, { type: T }>>;
  }

  id(): number {
    return this.nextId++;
  }

  /** Requests sent and not yet answered. */
  get busy(): number {
    return this.pending.size;
  }
}

/**
 * Data parallelism over worker threads (issue 18): the main thread is replica 0 and holds the
 * optimizer; replicas 1…N−1 each hold a copy of the tagger. A step splits the batch into N
 * contiguous shares, every replica computes its share's gradients (micro-batched to
 * --max-batch-pieces / N pieces each), the main thread sums them in replica order (deterministic for a given N) and
 * applies one optimizer step; weights go back through one shared buffer before the next request.
 * With one replica no pool is started: training is the single-thread step (train/step.ts).
 *
 * With a `task` module (serving, issue 15: labelling raw texts) all `size` replicas are threads and
 * the main thread computes nothing, so its event loop stays free for requests: `run` hands a task
 * to the least busy thread, and the caller runs up to `size` tasks at once.
 */
export class ReplicaPool {
  private version = 0;
  private synced = -1;
  private readonly vars: tf.Variable[];
  private readonly params: Layout;
  private readonly trainableLayout: Layout;
  private readonly weights: Float32Array;

  private constructor(
    readonly tagger: Tagger,
    private readonly replicas: Replica[],
    private readonly offMain: boolean,
    init: { params: Layout; trainable: Layout; weights: Float32Array; vars: tf.Variable[] },
  ) {
    this.vars = init.vars;
    this.params = init.params;
    this.trainableLayout = init.trainable;
    this.weights = init.weights;
  }

  /** Starts `size − 1` replica threads (`size` with a task module) on the main thread's backend; resolves once all are ready. */
  static async start(tagger: Tagger, size: number, o: { backend: ReplicaInit['backend']; padId: number; task?: TaskInit }): Promise<ReplicaPool> {
    const offMain = o.task !== undefined;
    const names = tagger.params.names();
    const vars = names.map((n) => tagger.params.get(n));
    const params = layoutOf(names.map((name, i) => ({ name, shape: vars[i]!.shape })));
    const trainable = layoutOf(tagger.params.trainable().map((v) => ({ name: tagger.params.localName(v.name), shape: v.shape })));
    const weights = sharedBuffer(params);
    const replicas: Replica[] = [];
    const ready: Promise<void>[] = [];
    for (let index = 1; index < size + (offMain ? 1 : 0); index++) {
      const grads = sharedBuffer(trainable);
      const data: ReplicaInit = { index, spec: tagger.spec, backend: o.backend, params, trainable, weights, grads, padId: o.padId, ...(o.task ? { task: o.task } : {}) };
      const worker = new Worker(new URL('./replica.js', import.meta.url), { workerData: data });
      const replica = new Replica(index, worker, grads);
      replicas.push(replica);
      ready.push(
        new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', (err) => reject(new RuntimeFailure(`replica thread ${index} did not start: ${err.message.split('\n')[0]}`)));
          worker.once('exit', (code) => reject(new RuntimeFailure(`replica thread ${index} did not start (exit code ${code})`)));
        }),
      );
    }
    const pool = new ReplicaPool(tagger, replicas, offMain, { params, trainable, weights, vars });
    try {
      await Promise.all(ready);
      for (const r of replicas) r.worker.unref();
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** Threads that compute: the replica threads, and the main thread unless `offMain`. */
  get size(): number {
    return this.replicas.length + (this.offMain ? 0 : 1);
  }

  /** Call after the tagger's weights were changed outside this pool (resume, best model restored). */
  weightsChanged(): void {
    this.version++;
  }

  private sync(): number {
    if (this.synced !== this.version) {
      writeTensors(this.weights, this.params, this.vars);
      this.synced = this.version;
    }
    return this.version;
  }

  /** One optimizer step on `chosen` over all replicas; returns the batch loss (non-finite: nothing applied). */
  async step(chosen: readonly Example[], o: { optimizer: StatefulOptimizer; trainable: tf.Variable[]; maxBatchPieces: number; padId: number; seeds: () => number; seedsPerPart: number }): Promise<number> {
    if (this.offMain) throw new RuntimeFailure('a pool of task threads does not train: training steps need the main thread as replica 0');
    // --max-batch-pieces bounds the pieces in flight over all replicas (each holds its activations).
    const perReplica = Math.max(1, Math.floor(o.maxBatchPieces / this.size));
    const shares = splitShares(chosen, this.size).map((s) => microBatches(s, perReplica));
    const total = shares.flat().reduce((n, p) => n + partSize(this.tagger, p), 0);
    // Dropout seeds in a fixed order (replica, then part), drawn before any replica starts.
    const seeds = shares.map((parts) => Array.from({ length: parts.length * o.seedsPerPart }, () => o.seeds()));
    const version = this.sync();
    const remote = this.replicas.map((r, i) =>
      shares[i + 1]!.length > 0 ? r.request({ type: 'grad', id: r.id(), version, parts: shares[i + 1]!, total, seeds: seeds[i + 1]! }) : Promise.resolve(undefined),
    );
    // A rejected remote is awaited below; until then it must not count as unhandled.
    remote.forEach((p) => p.catch(() => undefined));
    let used = 0;
    const own = accumulatedGradients(this.tagger, o.trainable, shares[0]!, o.padId, () => seeds[0]![used++]!, total);
    try {
      const replies = await Promise.all(remote);
      let loss = own.loss;
      replies.forEach((r, i) => {
        if (r && r.seedsUsed !== seeds[i + 1]!.length) throw new RuntimeFailure(`replica thread ${i + 1} drew ${r.seedsUsed} dropout seeds, ${seeds[i + 1]!.length} were planned`);
        if (r) loss += r.loss;
      });
      if (Number.isFinite(loss)) {
        const summed = this.sum(own.grads, replies, o.trainable);
        try {
          o.optimizer.applyGradients(summed);
        } finally {
          tf.dispose(Object.values(summed));
        }
        this.version++;
      }
      return loss;
    } finally {
      tf.dispose(Object.values(own.grads));
    }
  }

  /** Own gradients plus each replica's, added in replica order. */
  private sum(own: tf.NamedTensorMap, replies: (Extract<Reply, { type: 'grad' }> | undefined)[], trainable: tf.Variable[]): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    trainable.forEach((v, i) => {
      const parts: tf.Tensor[] = own[v.name] ? [own[v.name]!] : [];
      replies.forEach((r, j) => {
        if (r?.present[i]) parts.push(tf.tensor(slot(this.replicas[j]!.grads, this.trainableLayout, i), v.shape, 'float32')); // [same as v]
      });
      if (parts.length === 0) return;
      const sum = parts.length === 1 ? parts[0]! : tf.tidy(() => parts.reduce((a, b) => tf.add(a, b))); // [same as v]
      out[v.name] = sum;
      // The copies made here go once summed; own gradients are disposed by the caller.
      parts.slice(own[v.name] ? 1 : 0).forEach((t) => t !== sum && t.dispose());
    });
    return out;
  }

  /** Decodes batches over all replicas (contiguous shares, main thread first unless `offMain`); results in input order. */
  async decode(batches: readonly TaggerBatch[], mask?: TransitionMask): Promise<Decoded[]> {
    const shares = splitShares(batches, this.size);
    const own = this.offMain ? [] : shares.shift()!;
    const version = this.sync();
    const remote = this.replicas.map((r, i) =>
      shares[i]!.length > 0 ? r.request({ type: 'decode', id: r.id(), version, batches: shares[i]!, ...(mask ? { mask } : {}) }).then((d) => d.decoded) : Promise.resolve([]),
    );
    remote.forEach((p) => p.catch(() => undefined));
    return own.map((b) => this.tagger.decode(b, mask)).concat(...(await Promise.all(remote)));
  }

  /** Runs a task of the pool's task module on the replica thread with the fewest requests in flight. */
  run(task: unknown): Promise<unknown> {
    if (!this.offMain) return Promise.reject(new RuntimeFailure('this pool was started without a task module'));
    const idlest = this.replicas.reduce((a, b) => (b.busy < a.busy ? b : a));
    return idlest.request({ type: 'task', id: idlest.id(), version: this.sync(), task }).then((r) => r.result);
  }

  /** Live tensors in each replica thread (the tests check that none leak). */
  async tensorCounts(): Promise<number[]> {
    return Promise.all(this.replicas.map((r) => r.request({ type: 'tensors', id: r.id() }).then((t) => t.numTensors)));
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.worker.terminate()));
  }
}

/** `items` cut into `n` contiguous shares whose sizes differ by at most one (earlier shares larger). */
export function splitShares<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const size = Math.floor(items.length / n) + (i < items.length % n ? 1 : 0);
    out.push(items.slice(start, start + size));
    start += size;
  }
  return out;
}

/** Dropout seeds one loss draws (constant for a tagger: one per dropout site), counted on a one-word batch. */
export function seedsPerLoss(tagger: Tagger): number {
  let n = 0;
  const batch: TaggerBatch = { inputIds: [[0, 0, 0]], attentionMask: [[1, 1, 1]], wordStarts: [[1]], lengths: [1], tags: [[0]] };
  tf.tidy(() => {
    tagger.loss(batch, () => ++n);
  });
  return n;
}
