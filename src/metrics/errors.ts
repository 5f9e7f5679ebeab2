import type { Entity } from './entities.js';

/**
 * Entity-level errors as users tabulate them by hand: every gold or predicted entity that is not
 * an exact match, classified by how it relates to the other side.
 */
export type ErrorKind = 'missed' | 'spurious' | 'wrong_type' | 'wrong_boundary' | 'wrong_type_and_boundary';
export const ERROR_KINDS: readonly ErrorKind[] = ['missed', 'spurious', 'wrong_type', 'wrong_boundary', 'wrong_type_and_boundary'];

export interface EntityError {
  kind: ErrorKind;
  sentence: number;
  /** The gold entity involved (none for spurious) and the predicted one (none for missed). */
  gold: Entity | null;
  predicted: Entity | null;
}

const overlaps = (a: Entity, b: Entity) => a.sentence === b.sentence && a.start < b.end && b.start < a.end;
const same = (a: Entity, b: Entity) => a.sentence === b.sentence && a.start === b.start && a.end === b.end;

/**
 * Each predicted entity without an exact match is spurious (it overlaps no gold entity) or wrong
 * (type, boundary, or both) against the first gold entity it overlaps; each gold entity that no
 * prediction matches or overlaps is missed. So spurious + wrong = predicted − correct.
 */
export function entityErrors(gold: readonly Entity[], predicted: readonly Entity[]): EntityError[] {
  const key = (e: Entity) => `${e.sentence}:${e.start}:${e.end}:${e.type}`;
  const goldKeys = new Set(gold.map(key));
  const predKeys = new Set(predicted.map(key));
  const bySentence = new Map<number, Entity[]>();
  for (const g of gold) bySentence.set(g.sentence, [...(bySentence.get(g.sentence) ?? []), g]);
  const errors: EntityError[] = [];
  for (const p of predicted) {
    if (goldKeys.has(key(p))) continue;
    const g = (bySentence.get(p.sentence) ?? []).find((x) => overlaps(x, p));
    if (!g) {
      errors.push({ kind: 'spurious', sentence: p.sentence, gold: null, predicted: p });
      continue;
    }
    const kind: ErrorKind = same(g, p) ? 'wrong_type' : g.type === p.type ? 'wrong_boundary' : 'wrong_type_and_boundary';
    errors.push({ kind, sentence: p.sentence, gold: g, predicted: p });
  }
  for (const g of gold) {
    if (predKeys.has(key(g)) || predicted.some((p) => overlaps(g, p))) continue;
    errors.push({ kind: 'missed', sentence: g.sentence, gold: g, predicted: null });
  }
  return errors.sort((a, b) => a.sentence - b.sentence || (a.gold ?? a.predicted)!.start - (b.gold ?? b.predicted)!.start);
}

/** Errors per type (the gold entity's type, the predicted one's for spurious) and kind. */
export function errorBreakdown(errors: readonly EntityError[]): Record<string, Record<ErrorKind, number>> {
  const table: Record<string, Record<ErrorKind, number>> = {};
  for (const e of errors) {
    const type = (e.gold ?? e.predicted)!.type;
    table[type] ??= Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;
    table[type]![e.kind] += 1;
  }
  return Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
}
