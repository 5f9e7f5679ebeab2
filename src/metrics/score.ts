import type { Entity } from './entities.js';

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
  /** Gold entities. */
  support: number;
}

export interface TypeScores extends Scores {
  /** Predicted entities of this type. */
  predicted: number;
  /** Predicted entities that match a gold one exactly (type and span). */
  correct: number;
}

export interface EntityScores {
  /** One row per type seen in gold or predictions, sorted by type name. */
  perType: Record<string, TypeScores>;
  micro: TypeScores;
  /** Unweighted mean over types; NaN (null in JSON) when there is no type at all, as in seqeval. */
  macro: Scores;
  /** Mean over types weighted by support; all 0 when there is no gold entity, as in seqeval. */
  weighted: Scores;
}

/** 0 on 0/0, as seqeval's zero_division='warn'. */
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

function rowOf(correct: number, predicted: number, support: number): TypeScores {
  const precision = ratio(correct, predicted);
  const recall = ratio(correct, support);
  return { precision, recall, f1: f1(precision, recall), support, predicted, correct };
}

/** Gold entities (support), predicted entities and exact matches of one type. */
export interface TypeCounts {
  support: number;
  predicted: number;
  correct: number;
}

const key = (e: Entity) => `${e.sentence}\u0000${e.start}\u0000${e.end}\u0000${e.type}`;

/** Entity-level precision/recall/F1 with seqeval's averages (exact span and type match). */
export function scoreEntities(gold: readonly Entity[], predicted: readonly Entity[]): EntityScores {
  const counts = new Map<string, TypeCounts>();
  const slot = (type: string) => {
    let c = counts.get(type);
    if (!c) counts.set(type, (c = { support: 0, predicted: 0, correct: 0 }));
    return c;
  };
  const goldKeys = new Set<string>();
  for (const e of gold) {
    const k = key(e);
    if (goldKeys.has(k)) continue;
    goldKeys.add(k);
    slot(e.type).support += 1;
  }
  const predKeys = new Set<string>();
  for (const e of predicted) {
    const k = key(e);
    if (predKeys.has(k)) continue;
    predKeys.add(k);
    const c = slot(e.type);
    c.predicted += 1;
    if (goldKeys.has(k)) c.correct += 1;
  }
  return scoresFromCounts(counts);
}

/** Per-type rows and seqeval's averages from per-type counts (gold, predicted, correct). */
export function scoresFromCounts(counts: ReadonlyMap<string, TypeCounts>): EntityScores {
  const types = [...counts.keys()].sort();
  const perType: Record<string, TypeScores> = {};
  let tp = 0;
  let np = 0;
  let nt = 0;
  for (const t of types) {
    const c = counts.get(t)!;
    perType[t] = rowOf(c.correct, c.predicted, c.support);
    tp += c.correct;
    np += c.predicted;
    nt += c.support;
  }
  const rows = types.map((t) => perType[t]!);
  const mean = (f: (r: TypeScores) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  const weightedMean = (f: (r: TypeScores) => number) =>
    nt === 0 ? 0 : rows.reduce((s, r) => s + f(r) * r.support, 0) / nt;
  return {
    perType,
    micro: rowOf(tp, np, nt),
    macro: { precision: mean((r) => r.precision), recall: mean((r) => r.recall), f1: mean((r) => r.f1), support: nt },
    weighted: {
      precision: weightedMean((r) => r.precision),
      recall: weightedMean((r) => r.recall),
      f1: weightedMean((r) => r.f1),
      support: nt,
    },
  };
}
