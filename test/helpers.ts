import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The project root (tests run from dist/test/…, so walk up to package.json). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

const SHARED = resolve(ROOT, '..', 'shared');

/** Path inside ../shared, or undefined when that folder is absent (users' machines). */
export function shared(...parts: string[]): string | undefined {
  const p = join(SHARED, ...parts);
  return existsSync(p) ? p : undefined;
}

/** `skip` option for tests that need ../shared: false when present, else the reason printed. */
export function needsShared(...parts: string[]): false | string {
  return shared(...parts) ? false : `skipped: ${join(SHARED, ...parts)} is absent (pretrained checkpoints and full corpora live in ../shared)`;
}

/** Path of a reference fixture shipped in test/fixtures (copies of ../shared/reference, see its README). */
export function fixture(...parts: string[]): string {
  return join(ROOT, 'test', 'fixtures', ...parts);
}

/** A fixture's text; `name.gz` is stored compressed and read back as `name`. */
export function readFixture(...parts: string[]): string {
  const path = fixture(...parts);
  return existsSync(path) ? readFileSync(path, 'utf8') : gunzipSync(readFileSync(`${path}.gz`)).toString('utf8');
}

/** A fixture as a plain file the CLI can read (compressed ones are unpacked into a temp folder). */
export function fixtureFile(...parts: string[]): string {
  const path = fixture(...parts);
  if (existsSync(path)) return path;
  const out = join(tempDir('ner-fixture-'), parts[parts.length - 1]!);
  writeFileSync(out, readFixture(...parts));
  return out;
}

/** A file with `text` in a fresh temporary folder. */
export function tempFile(text: string, name = 'pred.txt'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

export function tempDir(prefix = 'ner-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would. */
export function runCli(args: string[], options: { input?: string; cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'ner.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
