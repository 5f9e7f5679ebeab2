import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TRAIN_DEFAULTS } from '../../src/config/schema.js';
import { needsShared, ROOT, runCli, shared, tempDir } from '../helpers.js';

test('ner compare: a grid of setups × seeds with report.md, results.json and curves.svg; reruns skip finished runs; failures are recorded', { skip: needsShared('models', 'hf-safetensors-tiny') }, () => {
  const dir = tempDir('ner-compare-');
  const config = join(dir, 'compare.json');
  writeFileSync(
    config,
    JSON.stringify({
      base: {
        model: shared('models', 'hf-safetensors-tiny'),
        train: join(ROOT, 'data/sample-en/train.txt'),
        dev: join(ROOT, 'data/sample-en/dev.txt'),
        test: join(ROOT, 'data/sample-en/test.txt'),
        trainLimit: 64,
        devLimit: 24,
        testLimit: 24,
        epochs: 2,
        logEvery: 2,
        batchSize: 16,
        maxLen: 32,
        lstmHidden: 8,
        lr: 0.001,
        headLr: 0.01,
        backend: 'wasm',
      },
      seeds: [1, 2],
      setups: [
        { name: 'adamw', optimizer: 'adamw' },
        { name: 'lookahead-from-init', optimizer: 'lookahead-adamw', lookaheadSlowWeights: 'init', description: 'the TF1 pitfall' },
        { name: 'broken', optimizer: 'adamw', lookaheadSlowWeights: 'init', seeds: [1] },
      ],
    }),
  );
  const out = join(dir, 'out');
  const r = runCli(['compare', '--config', config, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { setup: string; runs: number; failed: number; f1_mean: number | null }[];
  assert.deepEqual(summary.map((s) => [s.setup, s.runs, s.failed]), [['adamw', 2, 0], ['lookahead-from-init', 2, 0], ['broken', 1, 1]]);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { runs: Record<string, unknown>[]; contrasts: { higher: string; lower: string; kind: string; verdict: string }[] };
  // The ablation against its control, whichever ranks higher; 'broken' has no F1 to compare.
  assert.deepEqual(results.contrasts.map((c) => [c.higher, c.lower].sort().concat(c.kind)), [['adamw', 'lookahead-from-init', 'best']]);
  const ok = results.runs.filter((x) => x.status === 'ok');
  assert.equal(ok.length, 4);
  for (const run of ok) {
    for (const field of ['setup', 'seed', 'epochs', 'test', 'outside_fraction', 'drift', 'wall_seconds', 'tokens_per_second']) assert.ok(run[field] !== undefined, field);
    const epochs = run.epochs as Record<string, number>[];
    assert.equal(epochs.length, 2);
    for (const e of epochs) for (const f of ['dev_precision', 'dev_recall', 'dev_f1', 'train_loss', 'step']) assert.equal(typeof e[f], 'number', f);
    assert.ok((run.drift as number) > 0);
    const curve = run.loss_curve as { step: number; loss: number }[];
    assert.deepEqual(curve.map((p) => p.step), [2, 4, 6, 8]);
    for (const p of curve) assert.ok(Number.isFinite(p.loss) && p.loss > 0);
  }
  assert.match(String(results.runs.find((x) => x.setup === 'broken')!.error), /needs a Lookahead optimizer/);
  const report = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(report, /\| adamw \| [\d.]+ ± [\d.]+ \| [\d.]+ \|/);
  assert.match(report, /\| broken \(1 failed\) \| failed \|/);
  assert.match(report, /seeds 1, 2 \(1 for broken\)/);
  // Per run: test F1, best dev F1 and drift from the checkpoint.
  assert.match(report, /\| adamw \| 2 \| [\d.]+ \| [\d.]+ \| \d\.\d{3} \| [\d.]+% \| 8 \|/);
  assert.match(report, /\| broken \| 1 \| failed \|/);
  const svg = readFileSync(join(out, 'curves.svg'), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(svg.includes('lookahead-from-init') && svg.trimEnd().endsWith('</svg>'));
  // --report-only trains nothing: it reports what is finished and lists the rest (failed runs among them, with their reasons).
  const interim = runCli(['compare', '--config', config, '--out', out, '--seeds', '1,2,3', '--report-only']);
  assert.equal(interim.code, 0, interim.stderr);
  assert.match(interim.stdout, /4 of 9 runs finished \(5 still to run\)/);
  assert.ok(!existsSync(join(out, 'runs', 'adamw', 'seed-3')), 'no run was started');
  const partial = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(partial, /\*\*Partial:\*\* 5 of the grid's runs are still to run/);
  assert.match(partial, /\| broken \(1 failed\) \| failed \|/);
  assert.match(partial, /## Failed runs\n\n- broken seed 1: .*needs a Lookahead optimizer/);
  assert.match(partial, /## Still to run\n\n- adamw seed 3\n- lookahead-from-init seed 3\n- broken seed 1 \(failed before: the next run of the grid retries it\)\n- broken seed 2\n- broken seed 3\n/);
  assert.deepEqual((JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { pending: unknown[] }).pending.length, 5);
  const interimJson = JSON.parse(runCli(['compare', '--config', config, '--out', out, '--seeds', '1,2,3', '--report-only', '--json']).stdout) as { finished: number; runs: number; pending: { setup: string; seed: number; failed?: boolean }[] };
  assert.deepEqual([interimJson.finished, interimJson.runs, interimJson.pending.filter((p) => p.failed).map((p) => `${p.setup} ${p.seed}`)], [4, 9, ['broken 1']]);
  assert.equal(runCli(['compare', '--config', config, '--out', join(dir, 'nowhere'), '--report-only']).code, 2, 'a folder with no grid is a usage error');
  // Rerun: finished runs are skipped (only the failed ones are retried). A run whose result.json
  // cannot be read (and whose log ends in a torn line) counts as failed and is run again.
  const damaged = join(out, 'runs', 'adamw', 'seed-1');
  writeFileSync(join(damaged, 'result.json'), '{"setup": "ada');
  writeFileSync(join(damaged, 'train_log.jsonl'), readFileSync(join(damaged, 'train_log.jsonl'), 'utf8') + '{"type":"st');
  const again = runCli(['compare', '--config', config, '--out', out]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /3 finished run\(s\) found .*: skipped/);
  assert.equal(JSON.parse(readFileSync(join(damaged, 'result.json'), 'utf8')).status, 'ok', 'the damaged run was rerun');
  // --setups: part of the grid, reported alone.
  const part = runCli(['compare', '--config', config, '--out', out, '--setups', 'adamw', '--json']);
  assert.equal(part.code, 0, part.stderr);
  assert.deepEqual((JSON.parse(part.stdout) as { setup: string }[]).map((s) => s.setup), ['adamw']);
  assert.doesNotMatch(readFileSync(join(out, 'report.md'), 'utf8'), /lookahead-from-init/);
  // --seeds adds seeds to a grid: the finished ones are still skipped.
  const more = runCli(['compare', '--config', config, '--out', out, '--setups', 'adamw', '--seeds', '1,2,3', '--parallel', '1', '--json']);
  assert.equal(more.code, 0, more.stderr);
  assert.match(more.stderr, /2 finished run\(s\) found .*: skipped/);
  assert.deepEqual((JSON.parse(more.stdout) as { setup: string; runs: number }[]).map((s) => [s.setup, s.runs]), [['adamw', 3]]);
  // How often a run logs, saves or scores dev changes nothing it trains: finished runs still count.
  const recording = JSON.parse(readFileSync(config, 'utf8')) as { setups: Record<string, unknown>[] };
  Object.assign(recording.setups[0]!, { logEvery: 3, evalEvery: 4, saveEvery: 7 });
  writeFileSync(config, JSON.stringify(recording));
  const logged = runCli(['compare', '--config', config, '--out', out, '--setups', 'adamw', '--seeds', '1,2,3']);
  assert.equal(logged.code, 0, logged.stderr);
  assert.match(logged.stderr, /3 finished run\(s\) found .*: skipped/);
  // A setting now written out at the value the runs had by default is the same run.
  const dflt = TRAIN_DEFAULTS.headInit;
  const otherInit = dflt === 'torch' ? 'bert' : 'torch';
  const explicit = JSON.parse(readFileSync(config, 'utf8')) as { setups: Record<string, unknown>[] };
  Object.assign(explicit.setups[0]!, { headInit: dflt, dropout: TRAIN_DEFAULTS.dropout });
  writeFileSync(config, JSON.stringify(explicit));
  const same = runCli(['compare', '--config', config, '--out', out, '--setups', 'adamw', '--seeds', '1,2,3']);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stderr, /3 finished run\(s\) found .*: skipped/);
  // …but one at another value is not, whether the run wrote the setting out or took its default.
  Object.assign(explicit.setups[0]!, { headInit: otherInit });
  writeFileSync(config, JSON.stringify(explicit));
  const other = runCli(['compare', '--config', config, '--out', out, '--setups', 'adamw']);
  assert.equal(other.code, 2);
  assert.ok(other.stderr.includes(`other settings (headInit "${dflt}" → "${otherInit}")`), other.stderr);
  Object.assign(explicit.setups[0]!, { headInit: dflt });
  writeFileSync(config, JSON.stringify(explicit));
  // A folder from an older version lacks settings in train-config.json: what the run resolved (its saved state) stands for them, not today's defaults.
  const old = join(out, 'runs', 'adamw', 'seed-1');
  const runConfig = JSON.parse(readFileSync(join(old, 'train-config.json'), 'utf8')) as Record<string, unknown>;
  delete runConfig.head_init;
  writeFileSync(join(old, 'train-config.json'), JSON.stringify(runConfig));
  const trainer = JSON.parse(readFileSync(join(old, 'state', 'trainer.json'), 'utf8')) as { config: Record<string, unknown> };
  trainer.config.head_init = otherInit;
  writeFileSync(join(old, 'state', 'trainer.json'), JSON.stringify(trainer));
  const resolvedOther = runCli(['compare', '--config', config, '--out', out, '--setups', 'adamw', '--report-only']);
  assert.equal(resolvedOther.code, 2);
  assert.ok(resolvedOther.stderr.includes(`other settings (headInit "${otherInit}" → "${dflt}")`), resolvedOther.stderr);
  trainer.config.head_init = dflt;
  writeFileSync(join(old, 'state', 'trainer.json'), JSON.stringify(trainer));
  // A run folder made with other settings is neither skipped nor resumed: its numbers would not be this config's.
  const edited = JSON.parse(readFileSync(config, 'utf8')) as { setups: Record<string, unknown>[] };
  edited.setups[0]!.lr = 0.002;
  writeFileSync(config, JSON.stringify(edited));
  const changed = runCli(['compare', '--config', config, '--out', out, '--setups', 'adamw']);
  assert.equal(changed.code, 2);
  assert.match(changed.stderr, /adamw[\/\\]seed-1[\/\\]train-config\.json: this run was made with other settings \(lr 0\.001 → 0\.002\); use another --out/);
});

test('ner compare: a bad config names file:line', () => {
  const dir = tempDir('ner-compare-');
  const config = join(dir, 'c.json');
  writeFileSync(config, '{\n  "seeds": [1],\n  "setups": [\n    { "name": "a", "optimzer": "adamw" }\n  ]\n}\n');
  const r = runCli(['compare', '--config', config, '--out', join(dir, 'o')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${config}:4: setups\\[0\\] \\(a\\)\\.optimzer: unknown training setting`));
  writeFileSync(config, '{ "setups": [{ "name": "a" }, { "name": "b" }] }\n');
  const unknown = runCli(['compare', '--config', config, '--out', join(dir, 'o'), '--setups', 'a,c']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--setups: no setup named c in the config; its setups are a, b/);
  const seeds = runCli(['compare', '--config', config, '--out', join(dir, 'o'), '--seeds', '1,x']);
  assert.equal(seeds.code, 2);
  assert.match(seeds.stderr, /--seeds: expected whole numbers, comma-separated \(e\.g\. 1,2,3\), ≥ 0; got '1,x'/);
  const parallel = runCli(['compare', '--config', config, '--out', join(dir, 'o'), '--parallel', '0']);
  assert.equal(parallel.code, 2);
  assert.match(parallel.stderr, /--parallel: expected a whole number ≥ 1; got '0'/);
  writeFileSync(config, '{\n  "setups": [\n    { "name": "a" },\n    { "name": "b",\n      "reference": { "f1": 44.4 } }\n  ]\n}\n');
  const reference = runCli(['compare', '--config', config, '--out', join(dir, 'o')]);
  assert.equal(reference.code, 2);
  assert.match(reference.stderr, new RegExp(`${config}:5: setups\\[1\\] \\(b\\)\\.reference: f1 must be a fraction between 0 and 1 \\(got 44\\.4\\)`));
  writeFileSync(config, '{ "setups": [{ "name": ".." }] }\n');
  const dots = runCli(['compare', '--config', config, '--out', join(dir, 'o')]);
  assert.equal(dots.code, 2);
  assert.match(dots.stderr, /setups\[0\]\.name must be a folder-safe name/);
  writeFileSync(config, '{ "setups": [{ "name": "a", "seeds": [] }] }\n');
  const ownSeeds = runCli(['compare', '--config', config, '--out', join(dir, 'o')]);
  assert.equal(ownSeeds.code, 2);
  assert.match(ownSeeds.stderr, /setups\[0\] \(a\)\.seeds must be a non-empty list of whole numbers/);
});
