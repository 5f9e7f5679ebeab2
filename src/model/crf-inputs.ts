import type { TransitionMask } from '../data/constraints.js';

/**
 * Checks of the CRF's inputs before any math, as pytorch-crf's `_validate` does: a tag index out
 * of range would otherwise gather garbage (or NaN) and surface as a diverging loss.
 */
export class CrfInputError extends Error {
  constructor(message: string) {
    super(`CRF: ${message}`);
    this.name = 'CrfInputError';
  }
}

const isCount = (n: unknown, max: number) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;

/** emissions [batch, steps, K], lengths [batch] in 0..steps, and (when given) tags[b][t] in 0..K-1 for t < lengths[b]. */
export function checkSequenceInputs(shape: readonly number[], numTags: number, lengths: readonly number[], tags?: readonly (readonly number[])[]): void {
  if (shape.length !== 3) throw new CrfInputError(`emissions must be [batch, steps, tags], got shape [${shape.join(', ')}]`);
  const [B, T, K] = shape as [number, number, number];
  if (K !== numTags) throw new CrfInputError(`emissions have ${K} scores per step but the CRF has ${numTags} tags`);
  if (lengths.length !== B) throw new CrfInputError(`${lengths.length} lengths for a batch of ${B}`);
  lengths.forEach((n, b) => {
    if (!isCount(n, T)) throw new CrfInputError(`lengths[${b}] = ${n} is not a whole number from 0 to ${T} (the steps of the batch)`);
  });
  if (!tags) return;
  if (tags.length !== B) throw new CrfInputError(`${tags.length} tag rows for a batch of ${B}`);
  tags.forEach((row, b) => {
    if (row.length < lengths[b]!) throw new CrfInputError(`tags[${b}] has ${row.length} tags for a sequence of length ${lengths[b]}`);
    for (let t = 0; t < lengths[b]!; t++) {
      if (!isCount(row[t], K - 1)) throw new CrfInputError(`tags[${b}][${t}] = ${row[t]} is not a tag index (0 to ${K - 1}): the labels do not match the model's label list`);
    }
  });
}

/** One sequence's emissions [length][K] for decoding, and a transition mask that leaves at least one path. */
export function checkDecodeInputs(emissions: readonly ArrayLike<number>[], numTags: number, mask?: TransitionMask): void {
  emissions.forEach((row, t) => {
    if (row.length !== numTags) throw new CrfInputError(`emissions[${t}] has ${row.length} scores but the CRF has ${numTags} tags`);
  });
  if (!mask) return;
  if (mask.start.length !== numTags || mask.end.length !== numTags || mask.allowed.length !== numTags || mask.allowed.some((r) => r.length !== numTags)) {
    throw new CrfInputError(`the transition mask is not for ${numTags} tags (start ${mask.start.length}, end ${mask.end.length}, allowed ${mask.allowed.length}×${mask.allowed[0]?.length ?? 0})`);
  }
  if (!mask.start.some(Boolean) || !mask.end.some(Boolean)) throw new CrfInputError('the transition mask allows no tag to start or none to end a sequence');
}
