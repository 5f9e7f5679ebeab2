import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, needsShared, readFixture, shared } from './helpers.js';

test('test/fixtures are exact copies of ../shared/reference (unpacked where stored as .gz)', { skip: needsShared('reference') }, () => {
  const files = ['optimizers.json', 'crf.json', 'seqeval.json', ...readdirSync(fixture('conlleval')).map((f) => join('conlleval', f.replace(/\.gz$/, '')))];
  for (const f of files) {
    assert.equal(readFixture(f), readFileSync(shared('reference', f)!, 'utf8'), f);
  }
  assert.ok(files.length >= 11);
});
