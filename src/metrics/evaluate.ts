import type { Scheme } from '../data/schemes.js';
import { extractEntities, type Mode } from './entities.js';
import { scoreEntities, type EntityScores } from './score.js';

export interface Evaluation extends EntityScores {
  mode: Mode;
  /** The scheme the labels are read in (strict mode) or were detected in (default mode), if known. */
  scheme: Scheme | null;
  /** Tokens scored, and the fraction whose predicted label equals the gold one (conlleval's accuracy). */
  tokens: number;
  accuracy: number;
}

/** Scores predicted label sequences against gold ones, sentence by sentence. */
export function evaluateLabels(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
  options: { mode: Mode; scheme?: Scheme | null },
): Evaluation {
  if (gold.length !== predicted.length) {
    throw new Error(`${gold.length} gold sentences but ${predicted.length} predicted`);
  }
  let tokens = 0;
  let same = 0;
  gold.forEach((g, s) => {
    const p = predicted[s]!;
    if (g.length !== p.length) throw new Error(`sentence ${s}: ${g.length} gold labels but ${p.length} predicted`);
    tokens += g.length;
    for (let i = 0; i < g.length; i++) if (g[i] === p[i]) same += 1;
  });
  const scheme = options.scheme ?? undefined;
  const scores = scoreEntities(
    extractEntities(gold, options.mode, scheme),
    extractEntities(predicted, options.mode, scheme),
  );
  return { ...scores, mode: options.mode, scheme: scheme ?? null, tokens, accuracy: tokens === 0 ? 0 : same / tokens };
}

/** The `--json` shape of DESIGN.md: fractions in [0,1], support = gold entities. */
export function evaluationJson(e: Evaluation): Record<string, unknown> {
  return {
    micro: e.micro,
    macro: e.macro,
    weighted: e.weighted,
    per_type: e.perType,
    mode: e.mode,
    scheme: e.scheme,
    tokens: e.tokens,
    accuracy: e.accuracy,
  };
}
