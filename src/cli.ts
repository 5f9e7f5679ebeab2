import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { compareCommand } from './commands/compare.js';
import { evalCommand } from './commands/eval.js';
import { optimizersCommand } from './commands/optimizers.js';
import { predictCommand } from './commands/predict.js';
import { trainCommand } from './commands/train.js';
import { convertCommand } from './commands/convert.js';
import { infoCommand } from './commands/info.js';
import { serveCommand } from './commands/serve.js';
import { workerCommand } from './commands/worker.js';
import { NerError, printable } from './errors.js';
import { setQuiet } from './util/progress.js';
import { redact } from './util/secrets.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Builds the program: the entry point only wires commands. */
export function buildProgram(): Command {
  const program = new Command('ner')
    .description('Named-entity recognition: BERT + BiLSTM + CRF on TensorFlow.js, with seqeval/conlleval-compatible metrics.')
    .version(pkg.version)
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  for (const command of [trainCommand(), evalCommand(), predictCommand(), convertCommand(), infoCommand(), compareCommand(), optimizersCommand(), serveCommand(), workerCommand()]) {
    command.option('--quiet', 'no progress or notes on stderr: only results, warnings and errors');
    program.addCommand(command.exitOverride().showHelpAfterError('(add --help for usage)'));
  }
  program.hook('preAction', (_program, action) => setQuiet(Boolean(action.opts().quiet)));
  return program;
}

/**
 * Runs the CLI and returns the exit code: 0 ok, 1 failure while running, 2 bad usage or input.
 * The one error handler: known errors print one line, anything else one line and (with
 * NER_DEBUG=1) its stack.
 */
export async function main(argv: readonly string[]): Promise<number> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  try {
    await buildProgram().parseAsync(argv as string[]);
    return 0;
  } catch (err) {
    return report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has printed the message (or the help / version) already.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof NerError) {
    process.stderr.write(`ner: ${printable(redact(err.message))}\n`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`ner: error: ${printable(redact(e.message))}\n`);
  if (process.env.NER_DEBUG) process.stderr.write(`${redact(String(e.stack))}\n`);
  else process.stderr.write('ner: (set NER_DEBUG=1 to see where it failed)\n');
  return 1;
}
