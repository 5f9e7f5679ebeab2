import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers.js';

/**
 * The floors of src/, bottom first: a room imports only rooms on lower floors (and itself), so
 * the arrows run one way.
 */
const FLOORS: string[][] = [
  ['errors'],
  ['kernels'],
  ['backend'],
  ['util'],
  ['spec', 'tokenizer', 'data'],
  ['metrics', 'weights', 'model', 'optim'],
  ['store', 'encoder', 'config', 'parallel'],
  ['predict'],
  ['train', 'serve'],
  ['compare'],
  ['grid'],
  ['commands'],
  ['cli', 'index'],
];
const UNPLACED: string[] = [];

const floorOf = (room: string) => FLOORS.findIndex((f) => f.includes(room));
const roomOf = (pathInSrc: string) => pathInSrc.split('/')[0]!.replace(/\.ts$/, '');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : f.endsWith('.ts') ? [p] : [];
  });
}

test('imports run down the floors: data ↛ model, predict ↛ train, weights ↮ model, nothing low imports anything high', () => {
  const src = join(ROOT, 'src');
  const wrong: string[] = [];
  for (const file of sources(src)) {
    const from = roomOf(relative(src, file));
    if (UNPLACED.includes(from)) continue;
    assert.notEqual(floorOf(from), -1, `src/${from} has no floor in test/architecture.test.ts`);
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)\.js'/g)) {
      const to = roomOf(relative(src, resolve(dirname(file), m[1]!)));
      if (to === from || UNPLACED.includes(to)) continue;
      if (floorOf(to) >= floorOf(from)) wrong.push(`${relative(ROOT, file)} → ${to}`);
    }
  }
  assert.deepEqual(wrong, []);
});
