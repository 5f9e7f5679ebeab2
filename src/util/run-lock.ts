import { linkSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { fsStep, writeDurable } from './files.js';
import { fsProblem } from './fs-errors.js';
import { onAbort } from './interrupt.js';

/**
 * One process at a time per output folder: `.ner-lock` holds the owner's pid and host for the
 * run's life. It is created atomically (a hard link of a complete file, which fails when the lock
 * exists), so two runs starting together cannot both win. A lock whose process is gone (same
 * host, pid not running) is stale and taken over with a message.
 */
export const LOCK_FILE = '.ner-lock';

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return Number.isInteger(v.pid) && typeof v.host === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface RunLock {
  release(): void;
}

/** Takes the lock of `dir` (which exists) or throws a UsageError naming the process that holds it. */
export function lockFolder(dir: string, what: string, log: (message: string) => void): RunLock {
  const path = join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const tmp = `${path}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  writeDurable(tmp, JSON.stringify(mine));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fsStep(`link ${LOCK_FILE}`);
        linkSync(tmp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`cannot lock ${dir} (${fsProblem(err)})`);
      }
      const held = readLock(path);
      if (held && (held.host !== mine.host || alive(held.pid))) {
        const where = held.host === mine.host ? '' : ` on ${held.host} (if that run is gone, delete ${path})`;
        throw new UsageError(`${dir} is in use by pid ${held.pid}${where}, ${what} since ${held.started}; wait for it to finish, or choose another --out`);
      }
      if (attempt > 2) throw new UsageError(`cannot lock ${dir}: ${path} keeps changing; is another run starting there?`);
      // Move the stale lock aside atomically; if what was moved is not the stale one (another
      // process took it over meanwhile), put it back and look again.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch {
        continue;
      }
      const moved = readLock(aside);
      if (moved && held && moved.pid !== held.pid) {
        try {
          linkSync(aside, path);
        } catch {
          // someone holds it now: the next look finds them
        }
        rmSync(aside, { force: true });
        continue;
      }
      rmSync(aside, { force: true });
      log(held ? `taking over ${path}: pid ${held.pid} that held it is no longer running` : `replacing the unreadable lock ${path}`);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  const release = () => {
    if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
  };
  const unregister = onAbort(release);
  return {
    release() {
      unregister();
      release();
    },
  };
}
