import { readLines, type Line } from '../util/lines.js';

/**
 * A text file with some of its lines rewritten: `edit` gets every line and returns it (changed or
 * not). Used where ner writes a corpus back in its own layout (convert, predict on CoNLL input), so
 * columns, separators, `-DOCSTART-` and blank lines stay as they were.
 */
export async function rewriteLines(path: string, edit: (line: Line) => string): Promise<string> {
  let text = '';
  for await (const lines of readLines(path)) for (const line of lines) text += edit(line) + '\n';
  return text;
}
