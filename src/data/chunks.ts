/** An entity as a token span of one sentence: [start, end). */
export interface Span {
  type: string;
  start: number;
  end: number;
}

/**
 * Entity spans by conlleval's chunk rules as seqeval extends them to E-/S- (seqeval
 * `get_entities`, i.e. its default mode; chakki-works/seqeval metrics/sequence_labeling.py).
 * The tag is the first character and the type what follows the first '-'. Tolerant by design:
 * an I- after O starts an entity, and any label is read, as conlleval.pl reads it. One addition
 * to seqeval: BMES's M- reads as I- (seqeval knows no M-, so `B-X M-X E-X` would be two entities).
 */
export function chunks(labels: readonly string[]): Span[] {
  const spans: Span[] = [];
  let prevTag = 'O';
  let prevType = '';
  let begin = 0;
  for (let i = 0; i <= labels.length; i++) {
    const label = i < labels.length ? labels[i]! : 'O';
    const tag = label[0] === 'M' ? 'I' : (label[0] ?? 'O');
    const dash = label.indexOf('-', 1);
    const type = (dash >= 1 ? label.slice(dash + 1) : label.slice(1)) || '_';
    if (endOfChunk(prevTag, tag, prevType, type)) spans.push({ type: prevType, start: begin, end: i });
    if (startOfChunk(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
  }
  return spans;
}

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}
