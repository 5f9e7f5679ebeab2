import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { BACKENDS, selectBackend, type BackendChoice } from '../backend.js';
import { EVAL_DEFAULTS } from '../config/schema.js';
import { formatConllSentence, readCorpus, type Sentence } from '../data/conll.js';
import { transformSentences } from '../data/token-transform.js';
import { convertLabels, detectFileScheme, labelsToSpans, tryDetectScheme, type Scheme } from '../data/schemes.js';
import { InputError, UsageError } from '../errors.js';
import { loadModel } from '../predict/load.js';
import { evaluateCorpus } from '../train/evaluate.js';
import { Progress } from '../util/progress.js';
import { extractEntities, MODES, type Entity, type Mode } from '../metrics/entities.js';
import { entityErrors } from '../metrics/errors.js';
import { formatErrors } from '../metrics/errors-report.js';
import { evaluateLabels, evaluationJson } from '../metrics/evaluate.js';
import { formatReport } from '../metrics/report.js';
import { STRICT_SCHEMES, StrictSchemeError } from '../metrics/strict.js';
import { refuseOutputOverInput } from '../util/same-file.js';
import { parseDigits, parseInteger, parseScheme, workersOption } from './options.js';
import { printJson, printText } from './output.js';
import { note } from '../util/progress.js';

interface EvalOptions {
  predictions?: string;
  model?: string;
  data?: string;
  output?: string;
  batchSize: number;
  backend: BackendChoice;
  workers?: number;
  constrain?: boolean;
  mode: Mode;
  scheme?: Scheme;
  digits: number;
  json?: boolean;
  tokenColumn?: number;
  labelColumn?: number;
  errors?: string;
}

export function evalCommand(): Command {
  return new Command('eval')
    .description(
      'Entity-level precision/recall/F1 (seqeval semantics; default mode = conlleval.pl) of a prediction file, or of a model on a labelled corpus.',
    )
    .option('--predictions <file>', 'CoNLL columns "token ... gold predicted", blank line between sentences (what conlleval reads)')
    .option('--model <dir>', 'a model folder from `ner train` (or a BertForTokenClassification folder / hub id), scored on --data')
    .option('--data <file>', 'labelled CoNLL corpus to score --model on')
    .option('--output <file>', 'with --model: also write the predictions as "token gold predicted" columns')
    .addOption(new Option('--batch-size <n>', 'with --model: windows per batch').argParser((v) => parseInteger(v, 1, 100000)).default(EVAL_DEFAULTS.batchSize))
    .addOption(new Option('--backend <name>', 'with --model: tfjs backend').choices(BACKENDS).default('auto'))
    .addOption(workersOption('with --model: '))
    .option('--constrain', 'with --model: forbid label transitions the scheme does not allow (default: as the model was trained)')
    .option('--no-constrain', 'with --model: allow them')
    .addOption(new Option('--mode <mode>', 'default: seqeval default (conlleval chunk rules, E-/S-/M- read); strict: entities must follow the scheme; conlleval: conlleval.pl\'s exact figures').choices(MODES).default(EVAL_DEFAULTS.mode))
    .addOption(
      new Option('--scheme <scheme>', `tag scheme, used by strict mode: ${STRICT_SCHEMES.join('|')} (default: detected from the gold labels)`).argParser(parseScheme),
    )
    .addOption(new Option('--digits <n>', 'decimals in the text report').argParser(parseDigits).default(EVAL_DEFAULTS.digits))
    .addOption(new Option('--token-column <n>', 'with --data: column of the token, counted from 1 (default: the first)').argParser((v) => parseInteger(v, 1, 1000)))
    .addOption(new Option('--label-column <n>', 'with --data: column of the label, counted from 1 (default: the last)').argParser((v) => parseInteger(v, 1, 1000)))
    .option('--errors <file>', 'also write every wrong entity with its sentence, and the errors per type (missed, spurious, wrong type, wrong boundary)')
    .option('--json', 'print the scores as JSON (fractions in [0,1])')
    .action(async (opts: EvalOptions, command: Command) => {
      await runEval(opts, command.getOptionValueSource('constrain') === 'cli');
    });
}

async function runEval(opts: EvalOptions, constrainGiven: boolean): Promise<void> {
  if (opts.model || opts.data) {
    if (opts.predictions) throw new UsageError('pass either --predictions, or --model with --data');
    if (!opts.model || !opts.data) throw new UsageError('--model and --data go together');
    return runModelEval(opts as EvalOptions & { model: string; data: string }, constrainGiven);
  }
  if (!opts.predictions) throw new UsageError('pass --predictions FILE, or --model DIR --data FILE');
  const file = opts.predictions;
  const sentences = await readCorpus(file, 'predictions', { docstartTokens: opts.mode === 'conlleval' });
  const gold = sentences.map((s) => s.labels);
  const pred = sentences.map((s) => s.predictions!);
  const scheme = predictionScheme(file, gold, opts);
  let result;
  try {
    result = evaluateLabels(gold, pred, { mode: opts.mode, scheme: scheme ?? null, tokens: sentences.map((s) => s.tokens) });
  } catch (err) {
    if (!(err instanceof StrictSchemeError)) throw err;
    const s = sentences[err.sentence]!;
    throw new InputError(file, s.line + err.token, `${err.message}; pass the right --scheme, or use --mode default`);
  }
  if (result.dropped) reportDropped(file, sentences, result.dropped, scheme!);
  if (opts.errors) writeErrors(opts.errors, file, sentences, gold, pred, opts.mode === 'strict' ? scheme! : null);
  if (opts.json) printJson(evaluationJson(result));
  else printText(formatReport(result, opts.digits));
}

/**
 * What strict mode dropped. Gold entities it cannot read under a --scheme other than the labels'
 * own mean the scheme does not fit (IOBES on IOB2 data would score 0): exit 2 at the first one.
 * Otherwise (a few invalid sequences in the data's own scheme) a note gives the counts.
 */
function reportDropped(file: string, sentences: readonly Sentence[], dropped: { gold: Entity[]; predicted: Entity[] }, scheme: Scheme): void {
  const first = dropped.gold[0];
  if (first) {
    const detected = tryDetectScheme(sentences.map((s) => s.labels));
    if (detected !== scheme) {
      const labels = sentences[first.sentence]!.labels.slice(first.start, first.end).join(' ');
      throw new InputError(
        file,
        sentences[first.sentence]!.line + first.start,
        `gold entity ${first.type} ('${labels}') does not follow ${scheme}'s patterns, so strict mode would not count it (${dropped.gold.length} gold entities like it): ` +
          `the scheme does not fit these labels; ${detected ? `they look like ${detected}: pass --scheme ${detected}` : 'pass the right --scheme'}, or use --mode default`,
      );
    }
  }
  const n = (k: number, what: string) => `${k} ${what} entit${k === 1 ? 'y' : 'ies'}`;
  if (dropped.gold.length + dropped.predicted.length > 0) {
    note(
      `ner: note: strict mode did not count ${n(dropped.gold.length, 'gold')} and ${n(dropped.predicted.length, 'predicted')} whose labels do not follow ${scheme} (default mode reads them)`,
    );
  }
}

/** The --errors file: the entities of gold and predictions compared one by one. */
function writeErrors(
  out: string,
  file: string,
  sentences: readonly Sentence[],
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
  strictScheme: Scheme | null,
): void {
  const read = (labels: readonly (readonly string[])[]) => (strictScheme ? extractEntities(labels, 'strict', strictScheme) : extractEntities(labels, 'default'));
  const errors = entityErrors(read(gold), read(predicted));
  writeFileSync(out, formatErrors(errors, sentences.map((s) => ({ tokens: s.tokens, where: `${file}:${s.line}` }))));
}

/** The scheme a prediction file is read in: --scheme, else detected (strict mode needs one). */
function predictionScheme(file: string, gold: readonly (readonly string[])[], opts: EvalOptions): Scheme | undefined {
  if (opts.mode === 'conlleval') return opts.scheme;
  const scheme = opts.scheme ?? (opts.mode === 'strict' ? detectFileScheme(file, gold) : tryDetectScheme(gold));
  if (opts.mode === 'default' && scheme === 'BILOU') {
    process.stderr.write(
      `ner: warning: labels look like BILOU; default mode reads L-/U- as seqeval does (unknown prefixes). Use --mode strict --scheme BILOU for BILOU data.\n`,
    );
  }
  if (opts.mode === 'strict' && !STRICT_SCHEMES.includes(scheme!)) {
    throw new InputError(file, undefined, `strict mode cannot score ${scheme}; pass --scheme with one of ${STRICT_SCHEMES.join(', ')}, or use --mode default`);
  }
  return scheme;
}

async function runModelEval(opts: EvalOptions & { model: string; data: string }, constrainGiven: boolean): Promise<void> {
  if (opts.output) refuseOutputOverInput(opts.output, [opts.data, opts.model]);
  await selectBackend(opts.backend);
  const model = await loadModel(opts.model, { ...(constrainGiven ? { constrain: Boolean(opts.constrain) } : {}), workers: opts.workers ?? null });
  try {
    const sentences = await readCorpus(opts.data, 'labelled', { tokenColumn: opts.tokenColumn ?? null, labelColumn: opts.labelColumn ?? null });
    // Tokens are read as the model's training corpora were (e.g. Weibo's 我0 → 我); --output keeps them as they are.
    const scored = transformSentences(sentences, model.tokenTransform);
    const fileScheme = opts.scheme ?? detectFileScheme(opts.data, sentences.map((s) => s.labels));
    const known = new Set(model.tagger.spec.labels.map((l) => labelsToSpans([l])[0]?.type).filter(Boolean));
    const unknown = [...new Set(sentences.flatMap((s) => labelsToSpans(s.labels).map((e) => e.type)))].filter((t) => !known.has(t));
    if (unknown.length > 0) process.stderr.write(`ner: warning: ${opts.data} has entity types the model never predicts: ${unknown.join(', ')}\n`);
    const progress = new Progress(Boolean(opts.json));
    const total = sentences.reduce((n, s) => n + s.tokens.length, 0);
    let done = 0;
    progress.start('eval (words)', total, 0, false);
    const r = await evaluateCorpus(model.predictor(opts.batchSize), { file: opts.data, sentences: scored }, {
      fileScheme,
      mode: opts.mode,
      ...(opts.mode === 'strict' ? { strictScheme: fileScheme } : {}),
      onBatch: (words) => progress.update((done += words)),
    });
    progress.stop();
    if (opts.output) {
      const text = sentences.map((s, i) => formatConllSentence(s.tokens, [s.labels, r.predicted[i]!])).join('');
      writeFileSync(opts.output, text);
    }
    if (opts.errors) {
      // Entities read as they were scored: IOB2 re-encoding in default mode (BILOU read right), the scheme in strict mode.
      const toIob2 = (ls: readonly string[][]) => ls.map((l) => convertLabels(l, 'IOB2'));
      const gold = sentences.map((s) => convertLabels(s.labels, fileScheme));
      const strict = opts.mode === 'strict';
      writeErrors(opts.errors, opts.data, sentences, strict ? gold : toIob2(gold), strict ? r.predicted : toIob2(r.predicted), strict ? fileScheme : null);
    }
    if (opts.json) printJson(evaluationJson(r.evaluation));
    else printText(formatReport(r.evaluation, opts.digits));
  } finally {
    model.dispose();
  }
}
