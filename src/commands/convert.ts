import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readCorpus } from '../data/conll.js';
import { convertCorpusText } from '../data/convert-file.js';
import { detectScheme, SchemeError, type Scheme } from '../data/schemes.js';
import { InputError, UsageError } from '../errors.js';
import { writeAtomic } from '../util/files.js';
import { note } from '../util/progress.js';
import { parseInteger, parseScheme } from './options.js';

interface ConvertOptions {
  scheme: Scheme;
  from?: Scheme;
  labelColumn?: number;
}

export function convertCommand(): Command {
  return new Command('convert')
    .description('Re-encode the labels of a CoNLL corpus in another tag scheme (lossless); every other column and line is kept as it is.')
    .argument('<in>', 'CoNLL corpus')
    .argument('<out>', 'file to write (must not exist yet)')
    .addOption(new Option('--scheme <scheme>', 'scheme to write: IOB1|IOB2|IOE1|IOE2|IOBES|BMES|BILOU (or BIO, BIOES, BIOUL)').argParser(parseScheme).makeOptionMandatory())
    .addOption(new Option('--from <scheme>', "the input's scheme (default: detected)").argParser(parseScheme))
    .addOption(new Option('--label-column <n>', 'column of the label, counted from 1 (default: the last)').argParser((v) => parseInteger(v, 1, 1000)))
    .action(async (input: string, output: string, opts: ConvertOptions) => runConvert(input, output, opts));
}

async function runConvert(input: string, output: string, opts: ConvertOptions): Promise<void> {
  if (existsSync(output)) {
    throw new UsageError(`${output} already exists; ner convert never overwrites a file (${resolve(output) === resolve(input) ? 'it is the input' : 'choose another name or delete it'})`);
  }
  const sentences = await readCorpus(input, 'labelled', { labelColumn: opts.labelColumn ?? null });
  let from = opts.from;
  if (!from) {
    try {
      from = detectScheme(sentences.map((s) => s.labels));
    } catch (err) {
      if (err instanceof SchemeError) throw new InputError(input, undefined, `cannot detect the tag scheme: ${err.message}; pass --from`);
      throw err;
    }
  }
  const { text, changed } = await convertCorpusText(input, sentences, opts.scheme, opts.labelColumn ?? null);
  writeAtomic(output, text);
  note(`ner convert: ${sentences.length} sentences from ${from} to ${opts.scheme}, ${changed} labels changed: ${output}`);
}
