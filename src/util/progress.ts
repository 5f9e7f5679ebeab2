import cliProgress from 'cli-progress';

/**
 * Progress of long work on stderr: a cli-progress bar with loss, lr, tokens/s and ETA on a
 * terminal; plain log lines (at most one every few seconds) when stderr is a pipe or a file.
 */
export interface ProgressFields {
  loss?: number;
  lr?: number;
  tokensPerSecond?: number;
}

let quietAll = false;

/** `--quiet`: no progress and no notes on stderr for the rest of the process (warnings and errors still print). */
export function setQuiet(quiet: boolean): void {
  quietAll = quiet;
}

/** An informational line on stderr, unless --quiet. */
export function note(line: string): void {
  if (!quietAll) process.stderr.write(line + '\n');
}

export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private label = '';
  private total = 0;
  private started = 0;
  private lastLine = 0;
  private readonly tty: boolean;
  private fields = true;

  private readonly quiet: boolean;

  constructor(quiet = false, tty = Boolean(process.stderr.isTTY)) {
    this.quiet = quiet || quietAll;
    this.tty = tty;
  }

  /** `fields`: show loss, lr and tokens/s (training); off for progress over other units (runs). */
  start(label: string, total: number, done = 0, fields = true): void {
    this.stop();
    this.fields = fields;
    this.label = label;
    this.total = total;
    this.started = Date.now();
    this.lastLine = 0;
    if (this.quiet) return;
    if (this.tty) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${label} |{bar}| {value}/{total}${this.fields ? ' | loss {loss} | lr {lr} | {tps} tok/s' : ''} | ETA {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, done, { loss: '-', lr: '-', tps: '-' });
    }
  }

  update(done: number, f: ProgressFields = {}): void {
    if (this.quiet) return;
    const fields = {
      loss: f.loss === undefined ? '-' : f.loss.toFixed(4),
      lr: f.lr === undefined ? '-' : f.lr.toExponential(2),
      tps: f.tokensPerSecond === undefined ? '-' : Math.round(f.tokensPerSecond).toLocaleString('en-US'),
    };
    if (this.bar) {
      this.bar.update(done, fields);
      return;
    }
    const now = Date.now();
    if (done < this.total && now - this.lastLine < 5000) return;
    this.lastLine = now;
    const elapsed = (now - this.started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const shown = this.fields ? ` loss ${fields.loss} lr ${fields.lr} ${fields.tps} tok/s` : '';
    process.stderr.write(`${this.label} ${done}/${this.total}${shown} ETA ${formatSeconds(eta)}\n`);
  }

  /** A line of its own (above the bar on a terminal). */
  log(line: string): void {
    if (this.quiet) return;
    if (this.bar) this.bar.stop();
    process.stderr.write(line + '\n');
    if (this.bar) {
      const b = this.bar as unknown as { value: number };
      this.bar.start(this.total, b.value);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '-';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}
