/**
 * A replica thread: holds a copy of the tagger and computes, on request, the gradients of its share
 * of a batch, the decoding of some batches, or a task of the module it was started with. Weights
 * come from the main thread through a shared buffer; gradients go back through another; the
 * optimizer runs on the main thread only.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../backend.js';
import { Tagger } from '../model/tagger.js';
import { accumulatedGradients } from '../model/gradients.js';
import { Rng } from '../util/rng.js';
import { layoutOf, sameLayout, slot } from './layout.js';
import type { ReplicaInit, Reply, Request, TaskFactory } from './protocol.js';

const init = workerData as ReplicaInit;
const port = parentPort!;
const send = (reply: Reply) => port.postMessage(reply);
// Fault injection for the tests: this replica's thread ends at its Nth gradient request.
const exitAt = Number(process.env.NER_REPLICA_EXIT_AT ?? 0);
let gradRequests = 0;

const backend = await selectBackend(init.backend);
// Random weights only until the first request loads the main thread's.
const tagger = Tagger.create(init.spec, { encoder: new Map() }, new Rng(0));
const vars = tagger.params.names().map((n) => tagger.params.get(n));
const trainable = tagger.params.trainable();
const local = (v: tf.Variable) => tagger.params.localName(v.name);
if (!sameLayout(layoutOf(tagger.params.names().map((name, i) => ({ name, shape: vars[i]!.shape }))), init.params) || !sameLayout(layoutOf(trainable.map((v) => ({ name: local(v), shape: v.shape }))), init.trainable)) {
  throw new Error(`replica ${init.index}: its tagger's variables differ from the main thread's`);
}
let version = -1;
const handler = init.task ? ((await import(init.task.module)) as { taskHandler: TaskFactory }).taskHandler(tagger, init.task.data) : undefined;

async function task(r: Extract<Request, { type: 'task' }>): Promise<Reply> {
  if (!handler) throw new Error(`replica ${init.index} was started without a task module`);
  load(r.version);
  return { type: 'task', id: r.id, result: await handler(r.task) };
}

function load(v: number): void {
  if (v === version) return;
  vars.forEach((variable, i) => tf.tidy(() => variable.assign(tf.tensor(slot(init.weights, init.params, i), variable.shape, 'float32'))));
  version = v;
}

function gradients(r: Extract<Request, { type: 'grad' }>): Reply {
  if (exitAt > 0 && ++gradRequests === exitAt) process.exit(70);
  load(r.version);
  let used = 0;
  const seeds = () => {
    if (used >= r.seeds.length) throw new Error(`replica ${init.index}: more dropout seeds drawn than the main thread planned (${r.seeds.length})`);
    return r.seeds[used++]!;
  };
  const { loss, grads } = accumulatedGradients(tagger, trainable, r.parts, init.padId, seeds, r.total);
  try {
    const present = trainable.map((v, i) => {
      const g = grads[v.name];
      if (g) slot(init.grads, init.trainable, i).set(g.dataSync() as Float32Array);
      return Boolean(g);
    });
    return { type: 'grad', id: r.id, loss, present, seedsUsed: used };
  } finally {
    tf.dispose(Object.values(grads));
  }
}

const failed = (id: number, err: unknown): Reply => ({ type: 'error', id, message: err instanceof Error ? err.message : String(err) });

port.on('message', (r: Request) => {
  try {
    if (r.type === 'task') void task(r).then(send, (err: unknown) => send(failed(r.id, err)));
    else if (r.type === 'grad') send(gradients(r));
    else if (r.type === 'decode') {
      load(r.version);
      send({ type: 'decode', id: r.id, decoded: r.batches.map((b) => tagger.decode(b, r.mask)) });
    } else send({ type: 'tensors', id: r.id, numTensors: tf.memory().numTensors });
  } catch (err) {
    send(failed(r.id, err));
  }
});
send({ type: 'ready', label: backend.label });
