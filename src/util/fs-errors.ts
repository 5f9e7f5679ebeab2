import { NerError, RuntimeFailure, UsageError } from '../errors.js';

/** File-system failures in words: what happened and, where it helps, what to do. */
const CAUSES: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  ELOOP: 'it is a symbolic link (ner never writes through one)',
  EEXIST: 'it already exists',
  EIO: 'an input/output error',
};

export function fsProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code ? `${CAUSES[code] ?? 'failed'}, ${code}` : String((err as Error)?.message ?? err);
}

/**
 * A failed write during a run, as an error that names the path and what to do. Out of space or
 * permission problems are the user's to fix (exit 2); anything else is a failure (exit 1). The
 * previous complete state is never touched by a failed write, so --resume continues from it.
 */
export function writeFailure(path: string, err: unknown, resumeHint: string): NerError {
  if (err instanceof NerError) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  const message = `writing ${path} failed: ${fsProblem(err)}`;
  if (['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'ELOOP'].includes(code)) {
    const fix = code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space' : code === 'ELOOP' ? 'remove the link' : 'make the folder writable';
    return new UsageError(`${message}; ${fix}, then ${resumeHint}`);
  }
  return new RuntimeFailure(`${message}; ${resumeHint}`);
}
