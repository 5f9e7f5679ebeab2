import { SCHEMES, schemeFromName, type Scheme } from '../data/schemes.js';

/**
 * The value type of a setting: how a value is checked (config file or flag), how a flag's text
 * becomes a value, and how the flag's argument is shown in --help.
 */
export interface ValueType<T> {
  /** What is wrong with `v`, or undefined when it is a valid value. */
  check(v: unknown): string | undefined;
  /** A flag's text → value; throws an Error saying what is wrong when it cannot be read. */
  parse(text: string): T;
  /** The flag's argument in --help (`<n>`, `<json>`…); none for a boolean. */
  arg: string;
  /** A boolean: its flag is `--no-<key>` and sets false. */
  boolean?: true;
}

type Check = (v: unknown) => string | undefined;

const number = (text: string): number => {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`expected a number, got '${text}'`);
  return n;
};

const range = (min: number, max: number, int: boolean): Check => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!int || Number.isInteger(v))
    ? undefined
    : `expected ${int ? 'a whole number' : 'a number'}${max === Infinity ? ` ≥ ${min}` : ` from ${min} to ${max}`}`;

/** A number in [min, max]. */
export const num = (min: number, max = Infinity): ValueType<number> => ({ check: range(min, max, false), parse: number, arg: '<n>' });

/** A whole number in [min, max]. */
export const int = (min: number, max = Infinity): ValueType<number> => ({ check: range(min, max, true), parse: number, arg: '<n>' });

/** A non-empty string; `arg` names it in --help. */
export const str = (arg: string): ValueType<string> => ({
  check: (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'expected a non-empty string'),
  parse: (text) => text,
  arg,
});

/** One of a few strings. */
export const oneOf = <T extends string>(xs: readonly T[], arg = `<${xs.join('|')}>`): ValueType<T> => ({
  check: (v) => (typeof v === 'string' && (xs as readonly string[]).includes(v) ? undefined : `expected one of ${xs.join(', ')}`),
  parse: (text) => text as T,
  arg,
});

export const bool: ValueType<boolean> = {
  check: (v) => (typeof v === 'boolean' ? undefined : 'expected true or false'),
  parse: (text) => text !== 'false',
  arg: '',
  boolean: true,
};

/** A JSON object; on the command line, its JSON text. */
export const object = <T extends object>(): ValueType<T> => ({
  check: (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'expected a JSON object'),
  parse: (text) => {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`not valid JSON: ${text}`);
    }
  },
  arg: '<json>',
});

/** A tag scheme; on the command line its aliases (BIO, BIOES…) are accepted too. */
export const scheme: ValueType<Scheme> = {
  check: oneOf(SCHEMES).check,
  parse: (text) => {
    const s = schemeFromName(text);
    if (!s) throw new Error(`unknown scheme '${text}'`);
    return s;
  },
  arg: '<scheme>',
};

/** `t` or null (null = "none": no limit, no file, the default behaviour). */
export const nullable = <T>(t: ValueType<T>): ValueType<T | null> => ({ ...t, check: (v) => (v === null ? undefined : t.check(v)) });

/** A string a function checks (e.g. against a registry). */
export const named = (arg: string, problem: (name: string) => string | undefined): ValueType<string> => ({
  check: (v) => (typeof v === 'string' && v.length > 0 ? problem(v) : 'expected a non-empty string'),
  parse: (text) => text,
  arg,
});
