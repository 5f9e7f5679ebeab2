import { InvalidArgumentError, Option } from 'commander';
import { SCHEMES, schemeFromName, type Scheme } from '../data/schemes.js';

/** Flag value parsers shared by commands; each rejects bad values with what is accepted. */
export function parseScheme(value: string): Scheme {
  const scheme = schemeFromName(value);
  if (!scheme) throw new InvalidArgumentError(`expected one of ${SCHEMES.join(', ')} (or BIO, BIOES, BIOUL).`);
  return scheme;
}

export function parseDigits(value: string): number {
  return parseInteger(value, 0, 10);
}

export function parseInteger(value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
  const n = Number(value);
  if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
  return n;
}

/** --workers for the commands that label text: replica threads decoding batches in parallel. */
export function workersOption(prefix = ''): Option {
  return new Option('--workers <n>', `${prefix}replica threads that decode batches (default: one per core on wasm/cpu, 1 on tfjs-node)`).argParser((v) => parseInteger(v, 1, 256));
}
