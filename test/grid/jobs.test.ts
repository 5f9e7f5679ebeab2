import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobFor, jobOf, JobRefused, runOfJob } from '../../src/grid/jobs.js';
import { parseQueueUrl } from '../../src/grid/queue-url.js';
import type { GridRun } from '../../src/compare/run.js';
import { redact } from '../../src/util/secrets.js';
import { UsageError } from '../../src/errors.js';

test('queue URLs: redis:// and rediss:// with user, password and db; the password is masked and registered as a secret', () => {
  const a = parseQueueUrl('redis://alice:p%40ss-w0rd@example.org:6380/3', {});
  assert.deepEqual(a.connection, { host: 'example.org', port: 6380, db: 3, username: 'alice', password: 'p@ss-w0rd', maxRetriesPerRequest: null });
  assert.equal(a.shown, 'redis://alice:***@example.org:6380/3');
  assert.equal(redact('AUTH p@ss-w0rd failed; url redis://alice:p%40ss-w0rd@x'), 'AUTH *** failed; url redis://alice:***@x');
  const tls = parseQueueUrl('rediss://cache.internal', {});
  assert.deepEqual(tls.connection, { host: 'cache.internal', port: 6379, db: 0, tls: { servername: 'cache.internal' }, maxRetriesPerRequest: null });
  assert.equal(parseQueueUrl('redis://[::1]:7000', {}).connection.host, '::1');
  const fromEnv = parseQueueUrl('redis://127.0.0.1:7001', { NER_REDIS_PASSWORD: 'env-secret-1' });
  assert.equal(fromEnv.connection.password, 'env-secret-1');
  assert.equal(redact('x env-secret-1 y'), 'x *** y');
  for (const [url, why] of [
    ['http://u:topsecret-http@h', /the scheme must be redis: or rediss:/],
    ['redis://u:topsecret-db@h/abc', /database number/],
    ['redis://u:topsecret-q@h/1?queue=x', /query string/],
    ['not a url topsecret-raw', /not a URL/],
    ['redis://:topsecret/with-slash@h', /not a URL|no host|database number/],
    ['redis://:a@b@topsecret.example/topsecret', /database number/],
  ] as const) {
    assert.throws(() => parseQueueUrl(url, {}), (err: Error) => err instanceof UsageError && why.test(err.message) && !/topsecret/.test(err.message), url);
  }
});

const places = { workdir: '/srv/ner-work', dataRoot: '/data/corpora' };
const run = (settings: Record<string, unknown>, name = 'adamw', seed = 2): GridRun => ({ setup: { name, settings: {} }, seed, dir: '/unused', settings });

test('a job carries portable settings: data paths relative to the data root, ids from the settings hash, setup and seed', () => {
  const settings = { model: '/data/corpora/models/tiny', train: '/data/corpora/en/train.txt', test: '/data/corpora/en/test.txt', dev: null, optimizer: 'adamw', lr: 0.001 };
  const { id, payload } = jobOf(run(settings), '/data/corpora');
  assert.deepEqual(payload.settings, { ...settings, model: './models/tiny', train: 'en/train.txt', test: 'en/test.txt' });
  assert.match(id, /^[0-9a-f]{16}\.adamw\.seed-2$/);
  // Same settings in another order, from another checkout: the same job. Another lr: another job.
  assert.equal(jobOf(run({ lr: 0.001, optimizer: 'adamw', dev: null, test: '/x/en/test.txt', train: '/x/en/train.txt', model: '/x/models/tiny' }), '/x').id, id);
  assert.notEqual(jobOf(run({ ...settings, lr: 0.002 }), '/data/corpora').id, id);
  assert.notEqual(jobOf(run(settings, 'adamw', 3), '/data/corpora').id.split('.')[2], id.split('.')[2]);
  assert.throws(() => jobOf(run({ ...settings, train: '/elsewhere/train.txt' }), '/data/corpora'), /train \/elsewhere\/train\.txt is not inside --data-root \/data\/corpora/);
  // The worker reads it back: paths under its own data root, its folder under its workdir.
  const back = runOfJob(id, payload, { ...places, backend: 'cpu' });
  assert.equal(back.dir, '/srv/ner-work/runs/' + payload.grid + '/adamw/seed-2');
  assert.deepEqual([back.settings.model, back.settings.train, back.settings.test, back.settings.backend], ['/data/corpora/models/tiny', '/data/corpora/en/train.txt', '/data/corpora/en/test.txt', 'cpu']);
});

test('a worker refuses a job with unknown keys, bad values, escaping paths or an id that does not match its settings', () => {
  const good = jobOf(run({ train: '/data/corpora/en/train.txt', model: 'scratch', lr: 0.01 }), '/data/corpora');
  assert.equal(runOfJob(good.id, good.payload, places).settings.train, '/data/corpora/en/train.txt');
  const refused = (id: string, data: unknown, why: RegExp) =>
    assert.throws(() => runOfJob(id, data, places), (err: Error) => err instanceof JobRefused && why.test(err.message), String(why));
  refused(good.id, { ...good.payload, command: 'rm -rf /' }, /unknown key 'command'; a job holds only v, grid, setup, seed, settings/);
  refused(good.id, { ...good.payload, settings: { ...good.payload.settings, shell: 'x' } }, /settings\.shell: unknown setting/);
  refused(good.id, { ...good.payload, settings: { ...good.payload.settings, out: '/etc' } }, /settings\.out: set by the worker/);
  refused(good.id, { ...good.payload, settings: { ...good.payload.settings, epochs: 1e9 } }, /settings\.epochs: /);
  refused(good.id, { ...good.payload, settings: { ...good.payload.settings, lr: 0.5 } }, /its id does not match its settings/);
  refused(good.id, { ...good.payload, setup: '../x' }, /setup must be a folder-safe name/);
  refused(good.id, 'run this', /its data is not an object/);
  // Optimizer options are checked against the optimizer, as `ner train --config` does.
  const options = jobFor('adamw', 2, { train: 'en/train.txt', optimizer: 'adamw', optimizerOptions: { k: 5 } });
  refused(options.id, options.payload, /settings\.optimizerOptions: /);
  // Hand-made jobs (as a hostile client could queue them, hash and id consistent) whose paths escape.
  for (const [path, why] of [
    ['../../etc/passwd', /contains '\.\.'/],
    ['en/../../secret.txt', /contains '\.\.'/],
    ['/etc/passwd', /outside the worker's --data-root \/data\/corpora/],
  ] as const) {
    const job = jobFor('adamw', 2, { train: path, lr: 0.01 });
    refused(job.id, job.payload, why);
  }
  const model = jobFor('adamw', 2, { train: 'en/train.txt', model: '../models/x' });
  refused(model.id, model.payload, /settings\.model: '\.\.\/models\/x' is neither "scratch", a hub id/);
});

