import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RuntimeFailure, UsageError } from '../../src/errors.js';
import { writeFailure } from '../../src/util/fs-errors.js';

const errno = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

test('a failed write names the path, the cause and what to do; the user’s problems exit 2, others 1', () => {
  const cases: [string, RegExp][] = [
    ['ENOSPC', /writing runs\/a\/state failed: the disk is full, ENOSPC; free some space, then continue with: ner train --resume/],
    ['EACCES', /permission denied, EACCES; make the folder writable, then continue/],
    ['EROFS', /the file system is read-only, EROFS; make the folder writable/],
  ];
  for (const [code, pattern] of cases) {
    const e = writeFailure('runs/a/state', errno(code), 'continue with: ner train --resume');
    assert.ok(e instanceof UsageError, code);
    assert.match(e.message, pattern);
  }
  const other = writeFailure('runs/a/state', errno('EIO'), 'continue with: ner train --resume');
  assert.ok(other instanceof RuntimeFailure);
  assert.match(other.message, /an input\/output error, EIO; continue with/);
});
