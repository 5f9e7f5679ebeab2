import type { Scheme } from '../data/schemes.js';
import { conllevalCounts } from './conlleval.js';
import { extractEntities, unreadByStrict, type Entity, type Mode } from './entities.js';
import { scoreEntities, scoresFromCounts, type EntityScores } from './score.js';

export interface Evaluation extends EntityScores {
  mode: Mode;
  /** The scheme the labels are read in (strict mode) or were detected in (default mode), if known. */
  scheme: Scheme | null;
  /** Tokens scored, and the fraction whose predicted label equals the gold one (conlleval's accuracy). */
  tokens: number;
  accuracy: number;
  /** Strict mode: entities default mode reads but the scheme's patterns do not count (seqeval drops them silently). */
  dropped?: { gold: Entity[]; predicted: Entity[] };
}

type Labels = readonly (readonly string[])[];

/** Gold and predicted labels of a corpus; `tokens` only matters to conlleval mode (`-X-` is a break there). */
export interface LabelledCorpus {
  gold: Labels;
  predicted: Labels;
  tokens?: Labels;
}

/** Fraction of tokens whose predicted label equals the gold one. */
export function tokenAccuracy(gold: Labels, predicted: Labels): { tokens: number; accuracy: number } {
  let tokens = 0;
  let same = 0;
  gold.forEach((g, s) => {
    const p = predicted[s]!;
    tokens += g.length;
    for (let i = 0; i < g.length; i++) if (g[i] === p[i]) same += 1;
  });
  return { tokens, accuracy: tokens === 0 ? 0 : same / tokens };
}

function checkShapes(gold: Labels, predicted: Labels): void {
  if (gold.length !== predicted.length) {
    throw new Error(`${gold.length} gold sentences but ${predicted.length} predicted`);
  }
  gold.forEach((g, s) => {
    if (g.length !== predicted[s]!.length) throw new Error(`sentence ${s}: ${g.length} gold labels but ${predicted[s]!.length} predicted`);
  });
}

function evaluateConlleval(c: LabelledCorpus): EntityScores & { tokens: number; accuracy: number } {
  const counts = conllevalCounts(
    c.gold.map((g, s) => g.map((gold, i) => ({ token: c.tokens?.[s]?.[i] ?? '', gold, predicted: c.predicted[s]![i]! }))),
  );
  return { ...scoresFromCounts(counts.types), tokens: counts.tokens, accuracy: counts.tokens === 0 ? 0 : counts.correctTags / counts.tokens };
}

function evaluateStrict(gold: Labels, predicted: Labels, scheme: Scheme): EntityScores & Pick<Evaluation, 'dropped'> {
  const scores = scoreEntities(extractEntities(gold, 'strict', scheme), extractEntities(predicted, 'strict', scheme));
  return { ...scores, dropped: { gold: unreadByStrict(gold, scheme), predicted: unreadByStrict(predicted, scheme) } };
}

/**
 * Scores predicted label sequences against gold ones, sentence by sentence. Strict mode scores as
 * seqeval does and also lists the entities it dropped, so callers can say so.
 */
export function evaluateLabels(gold: Labels, predicted: Labels, options: { mode: Mode; scheme?: Scheme | null; tokens?: Labels }): Evaluation {
  checkShapes(gold, predicted);
  const scheme = options.scheme ?? null;
  if (options.mode === 'conlleval') {
    return { ...evaluateConlleval({ gold, predicted, ...(options.tokens ? { tokens: options.tokens } : {}) }), mode: 'conlleval', scheme };
  }
  const base = { mode: options.mode, scheme, ...tokenAccuracy(gold, predicted) };
  if (options.mode === 'strict') {
    if (!scheme) throw new Error('strict mode needs a scheme');
    return { ...evaluateStrict(gold, predicted, scheme), ...base };
  }
  return { ...scoreEntities(extractEntities(gold, 'default'), extractEntities(predicted, 'default')), ...base };
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
    ...(e.dropped ? { dropped: { gold: e.dropped.gold.length, predicted: e.dropped.predicted.length } } : {}),
  };
}
