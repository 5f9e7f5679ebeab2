import { Command, Option } from 'commander';
import { createWriteStream, statSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { BACKENDS, selectBackend, type BackendChoice } from '../backend.js';
import { PREDICT_DEFAULTS } from '../config/schema.js';
import { InputError, UsageError } from '../errors.js';
import { loadModel, type LoadedModel } from '../predict/load.js';
import { conllFileMarker, formatPrediction, type PredictionFormat } from '../predict/output.js';
import type { Predictor } from '../predict/predictor.js';
import { readCorpus } from '../data/conll.js';
import { rewriteLines } from '../data/rewrite-lines.js';
import { convertLabels } from '../data/schemes.js';
import { transformSentences } from '../data/token-transform.js';
import { Progress } from '../util/progress.js';
import { readLines } from '../util/lines.js';
import { refuseOutputOverInput } from '../util/same-file.js';
import { parseInteger, workersOption } from './options.js';

interface PredictOptions {
  model: string;
  input: string[];
  inputFormat: 'text' | 'conll';
  tokenColumn?: number;
  format: PredictionFormat;
  output?: string;
  batchSize: number;
  backend: BackendChoice;
  workers?: number;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('Label raw text: one document per line, no pre-tokenisation needed; any length (windows are stitched).')
    .requiredOption('--model <dir>', 'a model folder from `ner train` (or a BertForTokenClassification folder / hub id)')
    .requiredOption('--input <files...>', 'UTF-8 text files, one document per line; - reads stdin')
    .addOption(new Option('--input-format <format>', 'text: one raw document per line; conll: pre-tokenised, one token per line (first column), blank line between sentences; the output keeps its columns and appends the label').choices(['text', 'conll']).default('text'))
    .addOption(new Option('--token-column <n>', 'with --input-format conll: column of the token, counted from 1').argParser((v) => parseInteger(v, 1, 1000)))
    .addOption(new Option('--format <format>', 'jsonl: {"text","entities":[{type,start,end,text,score}]} per line; conll: "token label" lines').choices(['jsonl', 'conll']).default(PREDICT_DEFAULTS.format))
    .option('--output <file>', 'write here instead of stdout')
    .addOption(new Option('--batch-size <n>', 'windows per batch').argParser((v) => parseInteger(v, 1, 100000)).default(PREDICT_DEFAULTS.batchSize))
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('auto'))
    .addOption(workersOption())
    .action(async (opts: PredictOptions) => {
      await runPredict(opts);
    });
}

/** Lines of a file, or of stdin for '-', in batches. */
async function* inputLines(file: string): AsyncGenerator<string[]> {
  if (file === '-') {
    let batch: string[] = [];
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      batch.push(line);
      if (batch.length >= PREDICT_DEFAULTS.chunkLines) yield batch.splice(0);
    }
    if (batch.length > 0) yield batch;
    return;
  }
  let pending: string[] = [];
  for await (const lines of readLines(file)) {
    pending.push(...lines.map((l) => l.text));
    while (pending.length >= PREDICT_DEFAULTS.chunkLines) yield pending.splice(0, PREDICT_DEFAULTS.chunkLines);
  }
  if (pending.length > 0) yield pending;
}

/** A pre-tokenised CoNLL file with each token line's predicted label appended (in the model's data scheme). */
async function labelConllFile(file: string, predictor: Predictor, model: LoadedModel, tokenColumn: number | null): Promise<string> {
  const sentences = transformSentences(await readCorpus(file, 'tokens', { tokenColumn }), model.tokenTransform);
  const predictions = await predictor.predictWords(sentences.map((s) => s.tokens));
  const byLine = new Map<number, string>();
  sentences.forEach((s, i) => convertLabels(predictions[i]!.labels, model.fileScheme).forEach((label, k) => byLine.set(s.line + k, label)));
  return rewriteLines(file, (line) => {
    const label = byLine.get(line.number);
    return label === undefined ? line.text : `${line.text.replace(/[ \t]+$/, '')} ${label}`;
  });
}

async function runPredict(opts: PredictOptions): Promise<void> {
  if (opts.inputFormat === 'conll' && opts.input.includes('-')) throw new UsageError('--input - reads raw text only; with --input-format conll name the files');
  for (const f of opts.input) {
    if (f === '-') continue;
    try {
      if (!statSync(f).isFile()) throw new Error();
    } catch {
      throw new InputError(f, undefined, 'no such file');
    }
  }
  if (opts.output) refuseOutputOverInput(opts.output, [...opts.input.filter((f) => f !== '-'), opts.model]);
  await selectBackend(opts.backend);
  const model = await loadModel(opts.model, { workers: opts.workers ?? null });
  const out: WriteStream | NodeJS.WriteStream = opts.output ? createWriteStream(opts.output) : process.stdout;
  const progress = new Progress(false);
  const predictor = model.predictor(opts.batchSize);
  let documents = 0;
  const started = Date.now();
  const several = opts.input.length > 1;
  try {
    for (const file of opts.input) {
      if (opts.inputFormat === 'conll') {
        if (several) out.write(conllFileMarker(file));
        out.write(await labelConllFile(file, predictor, model, opts.tokenColumn ?? null));
        continue;
      }
      if (several && opts.format === 'conll') out.write(conllFileMarker(file));
      for await (const lines of inputLines(file)) {
        const results = await predictor.predictTexts(lines);
        for (const r of results) out.write(formatPrediction(r, opts.format, model.fileScheme, several ? file : undefined));
        documents += lines.length;
        progress.log(`${documents} documents (${(documents / ((Date.now() - started) / 1000)).toFixed(1)}/s)`);
      }
    }
  } finally {
    model.dispose();
    if (out !== process.stdout) await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
  }
}
