import { InputError } from '../errors.js';
import { parseLabel } from './labels.js';
import { readLines, splitLines, type Line } from '../util/lines.js';

/** One sentence of a CoNLL-column file. Token i sits on line `line + i` of the file. */
export interface Sentence {
  tokens: string[];
  /** Gold labels (the last column; the second-to-last in a prediction file). Empty when unlabelled. */
  labels: string[];
  /** Predicted labels (the last column of a prediction file), else undefined. */
  predictions?: string[];
  /** 1-based line of the first token. */
  line: number;
}

export type ColumnLayout =
  /** token [ignored columns...]: raw text already split into tokens. */
  | 'tokens'
  /** token [features...] label: a training or evaluation corpus. */
  | 'labelled'
  /** token [features...] gold predicted: what conlleval reads. */
  | 'predictions';

export interface ReadOptions {
  /** Keep `-DOCSTART-` lines that carry labels as tokens, as conlleval.pl counts them (default: a sentence break). */
  docstartTokens?: boolean;
  /** 1-based columns of the token (default: the first) and of the label (default: the last), for other layouts. */
  tokenColumn?: number | null;
  labelColumn?: number | null;
}

const MIN_COLUMNS: Record<ColumnLayout, number> = { tokens: 1, labelled: 2, predictions: 3 };
const LAYOUT_HELP: Record<ColumnLayout, string> = {
  tokens: 'a token',
  labelled: 'a token and a label (token first, label last)',
  predictions: 'a token, the gold label and the predicted label (as conlleval reads them)',
};
const SEPARATOR = /[ \t]+/;

/**
 * Line-at-a-time CoNLL parser: token = first column, label(s) = last column(s), columns split on
 * spaces and tabs only (U+FEFF and U+200B occur inside real tokens), blank lines and
 * `-DOCSTART-` lines end a sentence. Every malformed line becomes `file:line: what and what to do`.
 */
export class ConllParser {
  private columns = 0;
  private columnsLine = 0;
  private current: Sentence | undefined;
  /** Labels already checked: a corpus has few distinct ones. */
  private readonly validLabels = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly layout: ColumnLayout,
    private readonly options: ReadOptions = {},
  ) {}

  /** Feeds one line; returns the sentence this line completed, if any. */
  push(line: Line): Sentence | undefined {
    const trimmed = trimColumns(line.text);
    if (trimmed === '') return this.flush();
    const cols = trimmed.split(SEPARATOR);
    if (cols[0] === '-DOCSTART-' && !this.keepDocstart(cols.length)) return this.flush();
    this.checkColumns(cols.length, line.number);
    const s = (this.current ??= {
      tokens: [],
      labels: [],
      ...(this.layout === 'predictions' ? { predictions: [] } : {}),
      line: line.number,
    });
    s.tokens.push(this.column(cols, this.options.tokenColumn, 1, line.number, '--token-column'));
    if (this.layout === 'labelled') {
      s.labels.push(this.label(this.column(cols, this.options.labelColumn, cols.length, line.number, '--label-column'), line.number, 'label'));
    } else if (this.layout === 'predictions') {
      s.labels.push(this.label(cols[cols.length - 2]!, line.number, 'gold label'));
      s.predictions!.push(this.label(cols[cols.length - 1]!, line.number, 'predicted label'));
    }
    return undefined;
  }

  /** Column `wanted` (1-based; `fallback` when not set) of a line. */
  private column(cols: readonly string[], wanted: number | null | undefined, fallback: number, lineNo: number, flag: string): string {
    const n = wanted ?? fallback;
    if (n > cols.length) throw new InputError(this.file, lineNo, `${flag} ${n} asks for column ${n}, but this line has ${cols.length}; check the file's layout`);
    return cols[n - 1]!;
  }

  /** Call after the last line: returns the sentence still open, if any. */
  end(): Sentence | undefined {
    return this.flush();
  }

  private flush(): Sentence | undefined {
    const s = this.current;
    this.current = undefined;
    return s;
  }

  /** A `-DOCSTART-` line is a token only when asked and laid out like the file's other lines. */
  private keepDocstart(n: number): boolean {
    return Boolean(this.options.docstartTokens) && n >= MIN_COLUMNS[this.layout] && (this.columns === 0 || n === this.columns);
  }

  private checkColumns(n: number, lineNo: number): void {
    const min = MIN_COLUMNS[this.layout];
    if (n < min) {
      throw new InputError(
        this.file,
        lineNo,
        `found ${n} column${n === 1 ? '' : 's'}, expected at least ${min}: ${LAYOUT_HELP[this.layout]}, separated by spaces or tabs` +
          (this.layout !== 'tokens' && n === 1 ? '; is this file unlabelled?' : ''),
      );
    }
    if (this.layout === 'tokens') return;
    if (this.columns === 0) {
      this.columns = n;
      this.columnsLine = lineNo;
    } else if (n !== this.columns) {
      throw new InputError(
        this.file,
        lineNo,
        `found ${n} columns but line ${this.columnsLine} has ${this.columns}; every token line needs the same columns`,
      );
    }
  }

  private label(text: string, lineNo: number, what: string): string {
    if (this.validLabels.has(text)) return text;
    const parsed = parseLabel(text);
    if (typeof parsed === 'string') throw new InputError(this.file, lineNo, `bad ${what}: ${parsed}`);
    this.validLabels.add(text);
    return text;
  }
}

/** Strips leading and trailing spaces/tabs by scanning (a `[ \t]+$` regex is quadratic on long blank runs). */
export function trimColumns(text: string): string {
  const edge = (i: number) => text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09;
  let start = 0;
  let end = text.length;
  while (start < end && edge(start)) start++;
  while (end > start && edge(end - 1)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Streams the sentences of a CoNLL file (constant memory in the file's size). */
export async function* readConll(path: string, layout: ColumnLayout, options: ReadOptions = {}): AsyncGenerator<Sentence> {
  const parser = new ConllParser(path, layout, options);
  for await (const batch of readLines(path)) {
    for (const line of batch) {
      const s = parser.push(line);
      if (s) yield s;
    }
  }
  const last = parser.end();
  if (last) yield last;
}

/** Reads a whole corpus; a file with no sentence is an error. */
export async function readCorpus(path: string, layout: ColumnLayout, options: ReadOptions = {}): Promise<Sentence[]> {
  const out: Sentence[] = [];
  for await (const s of readConll(path, layout, options)) out.push(s);
  if (out.length === 0) throw new InputError(path, undefined, `no sentences found; expected lines of ${LAYOUT_HELP[layout]}`);
  return out;
}

/** Parses CoNLL text held in memory (same rules as `readConll`). */
export function parseConll(text: string, path: string, layout: ColumnLayout): Sentence[] {
  const parser = new ConllParser(path, layout);
  const out: Sentence[] = [];
  for (const line of splitLines(text, path)) {
    const s = parser.push(line);
    if (s) out.push(s);
  }
  const last = parser.end();
  if (last) out.push(last);
  return out;
}

/**
 * Formats one sentence as CoNLL lines (`token col1 col2 …`) followed by a blank line.
 * `columns[c][i]` is column c of token i.
 */
export function formatConllSentence(tokens: readonly string[], columns: readonly (readonly string[])[]): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '' || /[ \t\r\n]/.test(token)) {
      throw new Error(`token ${JSON.stringify(token)} cannot be written as a CoNLL column`);
    }
    out += token;
    for (const col of columns) out += ' ' + col[i];
    out += '\n';
  }
  return out + '\n';
}
