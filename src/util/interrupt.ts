import { NerError } from '../errors.js';

/**
 * Ctrl-C and `kill` during a run: the first SIGINT/SIGTERM asks training to stop after the
 * current step (it saves its state, restores the terminal and says how to resume); a second one,
 * or one that arrives while no training loop is running, stops at once after the cleanups
 * (the folder's lock). Exit codes are the shell's: 130 for SIGINT, 143 for SIGTERM.
 */
const CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
let requested: NodeJS.Signals | undefined;
let armed = false;
let installed = false;
const cleanups = new Set<() => void>();

/** Shows the cursor again (progress bars hide it) when stderr is a terminal. */
export function restoreTerminal(): void {
  if (process.stderr.isTTY) process.stderr.write('\u001b[?25h');
}

/** The stop under way was asked by the parent's death alone: the next signal (a Ctrl-C racing it) joins it rather than stopping at once. */
let askedByParentOnly = false;

function onSignal(signal: NodeJS.Signals): void {
  if (armed && askedByParentOnly) {
    askedByParentOnly = false;
    return;
  }
  if (armed && !requested) {
    requested = signal;
    process.stderr.write(`\nner: ${signal} received: stopping after this step and saving the state (${signal} again to stop at once)\n`);
    return;
  }
  for (const c of cleanups) c();
  restoreTerminal();
  process.stderr.write(`\nner: stopped by ${signal}${armed ? '; the last saved state is kept: continue with --resume' : ''}\n`);
  process.exit(CODES[signal] ?? 1);
}

export function installInterruptHandlers(): void {
  if (installed) return;
  installed = true;
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, onSignal);
  // Started by `ner compare` or `ner worker` with an IPC channel: when that parent dies (even by
  // SIGKILL) the channel closes, and the run stops as on SIGTERM (state saved) instead of going
  // on as an orphan that holds its folder's lock. A stop already asked for (a Ctrl-C that reached
  // parent and child alike) is not turned into a second, immediate one.
  if (process.channel) {
    process.channel.unref();
    const parentGone = () => {
      if (requested !== undefined) return;
      onSignal('SIGTERM');
      askedByParentOnly = requested !== undefined;
    };
    if (!process.connected) parentGone();
    else process.on('disconnect', parentGone);
  }
}

/** While armed, a signal is a request the training loop honours at its next step boundary. */
export function armInterrupts(on: boolean): void {
  armed = on;
}

export function interruptRequested(): NodeJS.Signals | undefined {
  return requested;
}

/** Runs `fn` if the process is stopped at once; returns a function that unregisters it. */
export function onAbort(fn: () => void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Training stopped on a signal, its state saved. */
export class Interrupted extends NerError {
  constructor(signal: NodeJS.Signals, message: string) {
    super(message, CODES[signal] ?? 1);
  }
}

/** The command line that continues this run: the same arguments plus --resume (and `extra`). */
export function resumeCommand(extra: string[] = []): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const args = process.argv.slice(2).filter((a) => a !== '--resume');
  return ['ner', ...args, '--resume', ...extra].map(quote).join(' ');
}
