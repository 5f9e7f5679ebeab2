/**
 * An independent reading of conlleval.pl (CoNLL-2000 shared task scorer): its line loop, its
 * `inCorrect` state machine for exact chunk matches and its endOfChunk/startOfChunk rules, kept
 * apart from src/ so tests can check `ner`'s seqeval-style counting against it.
 */
export interface ConllevalCounts {
  tokens: number;
  correctTags: number;
  foundCorrect: Record<string, number>;
  foundGuessed: Record<string, number>;
  correctChunk: Record<string, number>;
}

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  let end = false;
  if (prevTag === 'B' && tag === 'B') end = true;
  if (prevTag === 'B' && tag === 'O') end = true;
  if (prevTag === 'I' && tag === 'B') end = true;
  if (prevTag === 'I' && tag === 'O') end = true;
  if (prevTag === 'E' && tag === 'E') end = true;
  if (prevTag === 'E' && tag === 'I') end = true;
  if (prevTag === 'E' && tag === 'O') end = true;
  if (prevTag !== 'O' && prevTag !== '.' && prevType !== type) end = true;
  if (prevTag === ']' || prevTag === '[') end = true;
  return end;
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  let start = false;
  if (prevTag === 'B' && tag === 'B') start = true;
  if (prevTag === 'I' && tag === 'B') start = true;
  if (prevTag === 'O' && tag === 'B') start = true;
  if (prevTag === 'O' && tag === 'I') start = true;
  if (prevTag === 'E' && tag === 'E') start = true;
  if (prevTag === 'E' && tag === 'I') start = true;
  if (prevTag === 'O' && tag === 'E') start = true;
  if (tag !== 'O' && tag !== '.' && prevType !== type) start = true;
  if (tag === '[' || tag === ']') start = true;
  return start;
}

/** Perl's `split(/-/, $tag)` assigned to two scalars, then `$type ? $type : ""`. */
function split(label: string): [string, string] {
  const parts = label.split('-');
  const type = parts[1] ?? '';
  return [parts[0]!, type === '0' ? '' : type];
}

const inc = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

/** Runs conlleval over lines "token gold pred" ('' = sentence boundary). */
export function conlleval(lines: readonly string[]): ConllevalCounts {
  const c: ConllevalCounts = { tokens: 0, correctTags: 0, foundCorrect: {}, foundGuessed: {}, correctChunk: {} };
  let inCorrect = false;
  let lastCorrect = 'O';
  let lastGuessed = 'O';
  let lastCorrectType = '';
  let lastGuessedType = '';
  for (const line of lines) {
    let features = line.split(/[ \t]+/).filter((f) => f !== '');
    if (features.length === 0 || features[0] === '-X-') features = ['-X-', 'O', 'O'];
    let [guessed, guessedType] = split(features.pop()!);
    const [correct, correctType] = split(features.pop()!);
    const first = features.shift();
    if (first === '-X-') guessed = 'O';

    if (inCorrect) {
      const endC = endOfChunk(lastCorrect, correct, lastCorrectType, correctType);
      const endG = endOfChunk(lastGuessed, guessed, lastGuessedType, guessedType);
      if (endC && endG && lastGuessedType === lastCorrectType) {
        inCorrect = false;
        inc(c.correctChunk, lastCorrectType);
      } else if (endC !== endG || guessedType !== correctType) {
        inCorrect = false;
      }
    }
    const startC = startOfChunk(lastCorrect, correct, lastCorrectType, correctType);
    const startG = startOfChunk(lastGuessed, guessed, lastGuessedType, guessedType);
    if (startC && startG && guessedType === correctType) inCorrect = true;
    if (startC) inc(c.foundCorrect, correctType);
    if (startG) inc(c.foundGuessed, guessedType);
    if (first !== '-X-') {
      if (correct === guessed && guessedType === correctType) c.correctTags += 1;
      c.tokens += 1;
    }
    lastGuessed = guessed;
    lastCorrect = correct;
    lastGuessedType = guessedType;
    lastCorrectType = correctType;
  }
  if (inCorrect) inc(c.correctChunk, lastCorrectType);
  return c;
}
