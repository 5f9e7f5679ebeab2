import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Batcher } from '../../src/serve/batcher.js';
import { HttpError } from '../../src/serve/errors.js';

/** A run function that records the batches it saw and answers each text with its upper case. */
function recorder(delayMs = 0) {
  const batches: string[][] = [];
  const run = async (texts: string[]) => {
    batches.push(texts);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return texts.map((t) => t.toUpperCase());
  };
  return { batches, run };
}

describe('dynamic batcher', () => {
  test('concurrent requests share one batch; each gets its own results, in order', async () => {
    const r = recorder();
    const b = new Batcher(r.run, { maxBatch: 32, maxWaitMs: 20, maxQueue: 100 });
    const answers = await Promise.all([b.submit(['a', 'b']), b.submit(['c']), b.submit(['d', 'e', 'f'])]);
    assert.deepEqual(answers, [['A', 'B'], ['C'], ['D', 'E', 'F']]);
    assert.deepEqual(r.batches, [['a', 'b', 'c', 'd', 'e', 'f']]);
  });

  test('a full batch runs at once; a request larger than --max-batch spans batches and is reassembled', async () => {
    const r = recorder();
    const b = new Batcher(r.run, { maxBatch: 3, maxWaitMs: 10_000, maxQueue: 100 });
    const started = Date.now();
    const texts = ['a', 'b', 'c', 'd', 'e', 'f'];
    assert.deepEqual(await b.submit(texts), texts.map((t) => t.toUpperCase()));
    assert.ok(Date.now() - started < 5000, 'full batches do not wait for --max-wait-ms');
    assert.deepEqual(r.batches, [['a', 'b', 'c'], ['d', 'e', 'f']]);
  });

  test('a lone text waits at most --max-wait-ms', async () => {
    const r = recorder();
    const b = new Batcher(r.run, { maxBatch: 32, maxWaitMs: 30, maxQueue: 100 });
    const started = Date.now();
    assert.deepEqual(await b.submit(['x']), ['X']);
    const waited = Date.now() - started;
    assert.ok(waited >= 25 && waited < 1000, `waited ${waited} ms`);
  });

  test('texts arriving while a batch runs form the next batch', async () => {
    const r = recorder(30);
    const b = new Batcher(r.run, { maxBatch: 32, maxWaitMs: 0, maxQueue: 100 });
    const first = b.submit(['a']);
    await new Promise((res) => setTimeout(res, 5));
    const rest = [b.submit(['b']), b.submit(['c'])];
    await Promise.all([first, ...rest]);
    assert.deepEqual(r.batches, [['a'], ['b', 'c']]);
  });

  test('a lone client is not kept waiting: after a batch of one, the next lone text starts at once', async () => {
    const r = recorder();
    const b = new Batcher(r.run, { maxBatch: 32, maxWaitMs: 300, maxQueue: 100 });
    let started = Date.now();
    await b.submit(['first']);
    assert.ok(Date.now() - started >= 250, 'the very first text waits for company');
    started = Date.now();
    await b.submit(['second']);
    await b.submit(['third']);
    assert.ok(Date.now() - started < 250, `the previous batch held one text, so these did not wait (${Date.now() - started} ms)`);
    assert.deepEqual(r.batches, [['first'], ['second'], ['third']]);
  });

  test('with concurrency 2 two batches run at once, each of at most --max-batch texts', async () => {
    let running = 0;
    let most = 0;
    const batches: string[][] = [];
    const b = new Batcher(
      async (texts: string[]) => {
        batches.push(texts);
        most = Math.max(most, ++running);
        await new Promise((res) => setTimeout(res, 50));
        running--;
        return texts;
      },
      { maxBatch: 2, maxWaitMs: 0, maxQueue: 100 },
    );
    b.setConcurrency(2);
    assert.deepEqual(await b.submit(['a', 'b', 'c', 'd', 'e']), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(most, 2);
    assert.deepEqual(batches, [['a', 'b'], ['c', 'd'], ['e']]);
  });

  test('when a batch ends, a text left waiting gets up to --max-wait-ms for the answered clients to come back, and starts with them', async () => {
    const batches: string[][] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const b = new Batcher(
      async (texts: string[]) => {
        batches.push(texts);
        starts.push(Date.now());
        await new Promise((res) => setTimeout(res, 150));
        ends.push(Date.now());
        return texts;
      },
      { maxBatch: 32, maxWaitMs: 400, maxQueue: 100 },
    );
    // Two clients in a batch of two; a third text arrives while it runs; one client sends again at once.
    const first = b.submit(['a', 'b']);
    await new Promise((res) => setTimeout(res, 450));
    const straggler = b.submit(['c']);
    await first;
    await Promise.all([straggler, b.submit(['a again'])]);
    assert.deepEqual(batches, [['a', 'b'], ['c', 'a again']]);
    assert.ok(starts[1]! - ends[0]! < 300, `the second batch started ${starts[1]! - ends[0]!} ms after the first ended: when company came, not after the whole wait`);
  });

  test('32 closed-loop clients over 2 replicas: the replicas share the load in batches near 16, not one batch of 32 and an idle replica', async () => {
    let running = 0;
    let both = 0;
    const sizes: number[] = [];
    const b = new Batcher(
      async (texts: string[]) => {
        sizes.push(texts.length);
        if (++running === 2) both++;
        await new Promise((res) => setTimeout(res, 20 + texts.length));
        running--;
        return texts;
      },
      { maxBatch: 32, maxWaitMs: 5, maxQueue: 1024 },
    );
    b.setConcurrency(2);
    const until = Date.now() + 1000;
    const client = async () => {
      while (Date.now() < until) await b.submit(['x']);
    };
    await Promise.all(Array.from({ length: 32 }, client));
    const late = sizes.slice(Math.floor(sizes.length / 3), -2);
    const mean = late.reduce((x, y) => x + y, 0) / late.length;
    assert.ok(mean >= 10 && mean <= 20, `batches of ${mean.toFixed(1)} texts on average: ${sizes.join(',')}`);
    assert.ok(both >= late.length / 2, `both replicas were busy at once for ${both} of ${sizes.length} batches`);
  });

  test('a full queue refuses with 429 and Retry-After; more texts than the queue holds is 413', async () => {
    const r = recorder();
    const b = new Batcher(r.run, { maxBatch: 32, maxWaitMs: 50, maxQueue: 3 });
    const queued = b.submit(['a', 'b']);
    assert.throws(() => b.submit(['c', 'd']), (e: HttpError) => e.status === 429 && Number(e.headers['retry-after']) >= 1);
    assert.throws(() => b.submit(['1', '2', '3', '4']), (e: HttpError) => e.status === 413 && e.field === 'texts');
    assert.deepEqual(await queued, ['A', 'B']);
    assert.equal(b.depth, 0);
  });

  test('a cancelled request’s texts never run; the others are answered', async () => {
    const r = recorder();
    const b = new Batcher(r.run, { maxBatch: 32, maxWaitMs: 20, maxQueue: 100 });
    const controller = new AbortController();
    const gone = b.submit(['gone', 'too'], controller.signal);
    const kept = b.submit(['kept']);
    controller.abort();
    await assert.rejects(gone, (e: HttpError) => e.status === 499);
    assert.deepEqual(await kept, ['KEPT']);
    assert.deepEqual(r.batches, [['kept']]);
    await b.drained();
  });

  test('a failing batch rejects its requests and drops their waiting texts; the batcher keeps serving', async () => {
    let calls = 0;
    const b = new Batcher(
      async (texts: string[]) => {
        calls++;
        if (texts.includes('bad')) throw new Error('boom');
        return texts;
      },
      { maxBatch: 2, maxWaitMs: 0, maxQueue: 100 },
    );
    await assert.rejects(b.submit(['bad', 'x', 'y', 'z']), /boom/);
    await b.drained();
    assert.equal(calls, 1, 'the failed request’s other batch was not run');
    assert.deepEqual(await b.submit(['ok']), ['ok']);
  });
});
