import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * `--output` must never be one of the command's inputs: opening it for writing would truncate the
 * input before a byte was read (predict --input F --output F left F empty). Compared by device
 * and inode, so symlinks, hard links and `./F` vs `F` are caught too. A folder input (a model)
 * counts with every file in it.
 */
export function refuseOutputOverInput(output: string, inputs: readonly string[]): void {
  let out;
  try {
    out = statSync(output);
  } catch {
    return; // does not exist yet: it cannot be an input
  }
  const files = inputs.flatMap((i) => {
    try {
      return statSync(i).isDirectory() ? readdirSync(i).map((f) => join(i, f)) : [i];
    } catch {
      return [];
    }
  });
  for (const f of files) {
    try {
      const s = statSync(f);
      if (s.dev === out.dev && s.ino === out.ino) {
        throw new UsageError(`--output ${output} is the input ${f}; nothing was written: choose another --output file`);
      }
    } catch (err) {
      if (err instanceof UsageError) throw err;
    }
  }
}
