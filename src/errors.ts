/**
 * Error kinds the CLI maps to exit codes: bad usage or bad input → 2, anything else → 1.
 * Messages are for people: what is wrong and what to do, never a stack trace.
 */
export class NerError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** A flag or config value is wrong (exit 2). */
export class UsageError extends NerError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A file's content is wrong; the message names file:line (exit 2). */
export class InputError extends NerError {
  readonly file: string;
  readonly line: number | undefined;
  readonly detail: string;
  constructor(file: string, line: number | undefined, detail: string) {
    super(line === undefined ? `${file}: ${detail}` : `${file}:${line}: ${detail}`, 2);
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

/** Something failed while running (exit 1). */
export class RuntimeFailure extends NerError {
  constructor(message: string) {
    super(message, 1);
  }
}

/**
 * Error text echoes file content (labels, tokens, names): control bytes in it (ESC sequences
 * that drive the terminal, NUL) are shown escaped, never sent raw. Tabs and newlines stay.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
