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
