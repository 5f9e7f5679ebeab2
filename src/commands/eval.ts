import { Command, Option } from 'commander';
import { EVAL_DEFAULTS } from '../config/schema.js';
import { readCorpus } from '../data/conll.js';
import { detectScheme, SchemeError, type Scheme } from '../data/schemes.js';
import { InputError } from '../errors.js';
import { MODES, type Mode } from '../metrics/entities.js';
import { evaluateLabels, evaluationJson } from '../metrics/evaluate.js';
import { formatReport } from '../metrics/report.js';
import { STRICT_SCHEMES, StrictSchemeError } from '../metrics/strict.js';
import { parseDigits, parseScheme } from './options.js';
import { printJson, printText } from './output.js';

interface EvalOptions {
  predictions: string;
  mode: Mode;
  scheme?: Scheme;
  digits: number;
  json?: boolean;
}

export function evalCommand(): Command {
  return new Command('eval')
    .description(
      'Score predictions with entity-level precision/recall/F1 (seqeval semantics; default mode = conlleval.pl).',
    )
    .requiredOption(
      '--predictions <file>',
      'CoNLL columns "token ... gold predicted", blank line between sentences (what conlleval reads)',
    )
    .addOption(new Option('--mode <mode>', 'default: conlleval chunk rules; strict: entities must follow the scheme').choices(MODES).default(EVAL_DEFAULTS.mode))
    .addOption(
      new Option('--scheme <scheme>', `tag scheme, used by strict mode: ${STRICT_SCHEMES.join('|')} (default: detected from the gold labels)`).argParser(parseScheme),
    )
    .addOption(new Option('--digits <n>', 'decimals in the text report').argParser(parseDigits).default(EVAL_DEFAULTS.digits))
    .option('--json', 'print the scores as JSON (fractions in [0,1])')
    .action(async (opts: EvalOptions) => {
      await runEval(opts);
    });
}

async function runEval(opts: EvalOptions): Promise<void> {
  const file = opts.predictions;
  const sentences = await readCorpus(file, 'predictions');
  const gold = sentences.map((s) => s.labels);
  const pred = sentences.map((s) => s.predictions!);
  let scheme: Scheme | undefined = opts.scheme;
  if (!scheme) {
    try {
      scheme = detectScheme(gold);
    } catch (err) {
      if (!(err instanceof SchemeError)) throw err;
      if (opts.mode === 'strict') throw new InputError(file, undefined, `cannot detect the tag scheme: ${err.message}; pass --scheme`);
    }
  }
  if (opts.mode === 'default' && (scheme === 'BILOU' || scheme === 'BMES')) {
    process.stderr.write(
      `ner: warning: labels look like ${scheme}; default mode reads them with conlleval's B/I/E/S rules. Use --mode strict --scheme ${scheme} for ${scheme} data.\n`,
    );
  }
  if (opts.mode === 'strict' && !STRICT_SCHEMES.includes(scheme!)) {
    throw new InputError(file, undefined, `strict mode cannot score ${scheme}; pass --scheme with one of ${STRICT_SCHEMES.join(', ')}, or use --mode default`);
  }
  let result;
  try {
    result = evaluateLabels(gold, pred, { mode: opts.mode, scheme: scheme ?? null });
  } catch (err) {
    if (!(err instanceof StrictSchemeError)) throw err;
    const s = sentences[err.sentence]!;
    throw new InputError(file, s.line + err.token, `${err.message}; pass the right --scheme, or use --mode default`);
  }
  if (opts.json) printJson(evaluationJson(result));
  else printText(formatReport(result, opts.digits));
}
