import type { Window } from './align.js';

/** A padded batch: pieces for BERT, first-piece positions and word counts for the head. */
export interface TaggerBatch {
  inputIds: number[][];
  attentionMask: number[][];
  /** wordStarts[b][w]: index of word w's first piece in row b. */
  wordStarts: number[][];
  /** Words per row. */
  lengths: number[];
  /** Gold label indices per word (training). */
  tags?: number[][];
}

/** A window plus, for training, the gold label index of each of its words. */
export interface Example {
  window: Window;
  tags?: number[];
}

/** Pads examples into one batch (right padding with `padId`, attention mask 0 on padding). */
export function makeBatch(examples: readonly Example[], padId: number): TaggerBatch {
  const width = Math.max(...examples.map((e) => e.window.inputIds.length));
  const batch: TaggerBatch = {
    inputIds: examples.map((e) => [...e.window.inputIds, ...new Array<number>(width - e.window.inputIds.length).fill(padId)]),
    attentionMask: examples.map((e) => e.window.inputIds.map(() => 1).concat(new Array<number>(width - e.window.inputIds.length).fill(0))),
    wordStarts: examples.map((e) => e.window.wordStarts),
    lengths: examples.map((e) => e.window.wordStarts.length),
  };
  if (examples.every((e) => e.tags)) batch.tags = examples.map((e) => e.tags!);
  return batch;
}

/** Groups item indices into batches of similar length (sorted by length), `size` per batch. */
export function lengthBuckets(lengths: readonly number[], size: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
  return out;
}

/**
 * Splits a batch (examples of similar length) into micro-batches of at most `maxPieces` padded
 * pieces each, keeping order; a single example longer than that forms its own micro-batch.
 */
export function microBatches(examples: readonly Example[], maxPieces: number): Example[][] {
  const out: Example[][] = [];
  let current: Example[] = [];
  let width = 0;
  for (const e of examples) {
    const w = Math.max(width, e.window.inputIds.length);
    if (current.length > 0 && w * (current.length + 1) > maxPieces) {
      out.push(current);
      current = [];
      width = 0;
    }
    current.push(e);
    width = Math.max(width, e.window.inputIds.length);
  }
  if (current.length > 0) out.push(current);
  return out;
}
