import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { curvesSvg, devF1Series } from '../../src/compare/plot.js';
import type { RunRecord } from '../../src/compare/run.js';
import { ROOT, tempDir } from '../helpers.js';

function record(setup: string, seed: number, f1: number[], loss: number[]): RunRecord {
  return {
    setup,
    seed,
    status: 'ok',
    epochs: f1.map((f, i) => ({ epoch: i + 1, step: 10 * (i + 1), train_loss: loss[i]!, dev_f1: f })),
    dev_points: [],
    loss_curve: loss.map((l, i) => ({ step: 5 * (i + 1), loss: l })),
    test: { precision: 0.5, recall: 0.5, f1: 0.5 },
    outside_fraction: 0.9,
    drift: 0.01,
    steps: 20,
    wall_seconds: 1,
    tokens_per_second: 1,
    settings: {},
  };
}

const records = [
  record('adamw', 1, [0.2, 0.6], [40, 20, 10, 5]),
  record('adamw', 2, [0.4, 0.8], [60, 30, 10, 5]),
  record('radam', 1, [0, 0], [80, 70, 60, 50]),
  { ...record('broken', 1, [], []), status: 'failed' as const },
];

test('curves.svg: one dev-F1 line and one loss line per setup, averaged over seeds; failed runs left out', async () => {
  const svg = await curvesSvg(records);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.ok(svg.includes('adamw') && svg.includes('radam') && !svg.includes('broken'));
  // Two panels × two setups = four line paths.
  assert.equal((svg.match(/aria-roledescription="line mark"/g) ?? []).length, 4);
});

test('dev-F1 series: epoch ends plus evalEvery points, each step averaged over the seeds that scored it', () => {
  const withPoints = { ...record('adamw', 1, [0.2, 0.6], [40]), dev_points: [{ step: 5, dev_f1: 0.1 }, { step: 15, dev_f1: 0.5 }] };
  const series = devF1Series([withPoints, record('adamw', 2, [0.4, 0.8], [60])]);
  assert.deepEqual(series.map((p) => [p.step, +p.y.toFixed(6)]), [[5, 0.1], [10, 0.3], [15, 0.5], [20, 0.7]]);
});

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync('which', [c]).status === 0);

test('curves.svg: headless Chromium renders it with the lines in colour', { skip: chromium ? false : 'no Chromium on PATH (apt-get install chromium) to take the screenshot' }, async () => {
  const dir = tempDir('ner-curves-');
  const file = join(dir, 'curves.svg');
  writeFileSync(file, await curvesSvg(records));
  const r = spawnSync('bash', [join(ROOT, 'scripts/render-svg.sh'), file, join(dir, 'curves.png')], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const png = PNG.sync.read(readFileSync(join(dir, 'curves.png')));
  // Count coloured (saturated) pixels by hue bucket: vega's palette draws each setup's line in its own hue.
  const hues = new Map<number, number>();
  let dark = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r8, g8, b8] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
    const max = Math.max(r8, g8, b8);
    const min = Math.min(r8, g8, b8);
    if (max < 100) dark++;
    if (max - min < 80) continue;
    const hue = max === r8 ? ((g8 - b8) / (max - min) + 6) % 6 : max === g8 ? (b8 - r8) / (max - min) + 2 : (r8 - g8) / (max - min) + 4;
    const bucket = Math.floor(hue);
    hues.set(bucket, (hues.get(bucket) ?? 0) + 1);
  }
  const lines = [...hues.values()].filter((n) => n > 200);
  assert.ok(lines.length >= 2, `expected two coloured lines, hue buckets: ${JSON.stringify([...hues])}`);
  assert.ok(dark > 500, 'axis text and ticks are drawn');
});
