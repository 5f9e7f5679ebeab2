import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

/** `skip` option for tests that need Debian's redis-server: false when it runs, else the reason printed. */
export function needsRedis(): false | string {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? false : 'skipped: redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)';
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/** A redis-server of the test's own on 127.0.0.1 at a free port, AOF on, with a password. */
export class TestRedis {
  private proc: ChildProcess | undefined;
  port = 0;
  constructor(
    private readonly dir: string,
    readonly password: string,
  ) {}

  get url(): string {
    return `redis://:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--dir', this.dir, '--save', '', '--requirepass', this.password];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    await new Promise<void>((done, fail) => {
      let log = '';
      const timer = setTimeout(() => fail(new Error(`redis-server did not start: ${log}`)), 15_000);
      proc.stdout!.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('Ready to accept connections')) {
          clearTimeout(timer);
          done();
        }
      });
      proc.once('exit', (code) => fail(new Error(`redis-server exited ${code}: ${log}`)));
    });
  }

  /** A restart as an operator does it: SIGTERM (Redis flushes its AOF and exits), then start again on the same port and folder. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((done) => {
      proc.once('exit', () => done());
      proc.kill('SIGTERM');
    });
  }
}

/** A `ner` child whose output is collected as it comes; `exited` resolves with its exit code. */
export interface NerProcess {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number>;
}

export function startNer(args: string[], env: Record<string, string> = {}): NerProcess {
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'ner.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((done) => proc.on('close', (code, signal) => done(code ?? (signal ? -1 : 1))));
  return { proc, output: () => out, exited };
}

/** Waits until `ok()` holds, checking every 100 ms; fails after `ms` with `what`. */
export async function waitFor(what: string, ok: () => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
