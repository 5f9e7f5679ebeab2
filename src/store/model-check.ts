import { labelListProblem } from '../data/label-list.js';
import { schemeFromName } from '../data/schemes.js';
import { InputError } from '../errors.js';
import type { BertConfig } from '../spec/bert-config.js';
import type { TaggerSpec } from '../model/tagger.js';
import type { NerModelMeta } from './model-dir.js';
import { encoderShapes } from '../spec/encoder-shapes.js';
import type { HostTensor } from '../spec/host-tensor.js';
import { snakeCase } from '../util/json-keys.js';

/**
 * A saved model folder is checked before anything is built from it: the `ner` section of
 * config.json has the right types and sane bounds (a string maxLen used to hang, 20,000 labels
 * aborted Node), and the weights file has every tensor the model needs in the shape it needs, so
 * nothing is silently left at a random initialisation. Errors name file:key.
 */
const MAX_LSTM = 100_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 80) ?? String(v);

export function checkModelMeta(raw: unknown, file: string, bert: BertConfig): NerModelMeta {
  // Keys are named as the file spells them (snake_case).
  const fail = (key: string, what: string): never => {
    throw new InputError(file, undefined, `${key.split('.').map(snakeCase).join('.')}: ${what}`);
  };
  if (!isObject(raw)) return fail('ner', `must be an object (got ${show(raw)})`);
  const spec = raw.spec;
  if (!isObject(spec)) return fail('ner.spec', `must be an object (got ${show(spec)})`);
  const int = (key: string, v: unknown, min: number, max: number): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fail(key, `must be a whole number from ${min} to ${max} (got ${show(v)})`);
  const bool = (key: string, v: unknown): boolean => (typeof v === 'boolean' ? v : fail(key, `must be true or false (got ${show(v)})`));
  const scheme = (key: string, v: unknown): string => (typeof v === 'string' && schemeFromName(v) ? v : fail(key, `must name a tag scheme such as IOB2 (got ${show(v)})`));
  const labelProblem = labelListProblem(spec.labels);
  if (labelProblem) fail('ner.spec.labels', labelProblem);
  const numLayers = int('ner.spec.numLayers', spec.numLayers, 1, bert.numLayers);
  const lstmHidden = int('ner.spec.lstmHidden', spec.lstmHidden, 0, MAX_LSTM);
  const crf = bool('ner.spec.crf', spec.crf);
  const dropout = typeof spec.dropout === 'number' && spec.dropout >= 0 && spec.dropout < 1 ? spec.dropout : fail('ner.spec.dropout', `must be a number ≥ 0 and < 1 (got ${show(spec.dropout)})`);
  const maxLen = int('ner.maxLen', raw.maxLen, 4, bert.maxPositions);
  // Fields read elsewhere as optional (the data summary) pass through; the ones decoding needs are checked.
  const meta: NerModelMeta = {
    ...(raw as Partial<NerModelMeta>),
    spec: { numLayers, labels: spec.labels as string[], lstmHidden, crf, dropout },
    scheme: scheme('ner.scheme', raw.scheme),
    fileScheme: scheme('ner.fileScheme', raw.fileScheme),
    maxLen,
    constrain: bool('ner.constrain', raw.constrain),
    config: isObject(raw.config) ? raw.config : {},
    versions: isObject(raw.versions) ? (raw.versions as Record<string, string>) : {},
  };
  return meta;
}

/** Every parameter a tagger of this spec has, by local name, with its internal shape. */
export function taggerShapes(spec: TaggerSpec): Map<string, number[]> {
  const m = new Map([...encoderShapes(spec.bert, spec.numLayers)].map(([n, s]) => [`bert.${n}`, s] as [string, number[]]));
  const H = spec.bert.hiddenSize;
  const L = spec.lstmHidden;
  const K = spec.labels.length;
  if (L > 0) {
    for (const dir of ['forward', 'backward']) {
      m.set(`lstm.${dir}.kernel`, [H, 4 * L]);
      m.set(`lstm.${dir}.recurrent_kernel`, [L, 4 * L]);
      m.set(`lstm.${dir}.bias`, [4 * L]);
    }
  }
  m.set('classifier.weight', [L > 0 ? 2 * L : H, K]);
  m.set('classifier.bias', [K]);
  if (spec.crf) {
    m.set('crf.transitions', [K, K]);
    m.set('crf.start_transitions', [K]);
    m.set('crf.end_transitions', [K]);
  }
  return m;
}

/** Missing or mis-shaped weights, as one message; undefined when every expected tensor is there. */
export function weightsProblem(expected: Map<string, number[]>, found: Map<string, Pick<HostTensor, 'shape'>>, o: { unexpected?: boolean } = {}): string | undefined {
  const unexpected = o.unexpected ? [...found.keys()].filter((n) => !expected.has(n)) : [];
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const [name, shape] of expected) {
    const t = found.get(name);
    if (!t) missing.push(name);
    else if (t.shape.join() !== shape.join()) mismatched.push(`${name} ${JSON.stringify(t.shape)} (expected ${JSON.stringify(shape)})`);
  }
  if (missing.length + mismatched.length + unexpected.length === 0) return undefined;
  const list = (xs: string[]) => (xs.length > 6 ? `${xs.slice(0, 6).join(', ')} and ${xs.length - 6} more` : xs.join(', '));
  return [
    missing.length ? `missing ${list(missing)}` : '',
    mismatched.length ? `wrong shape: ${list(mismatched)}` : '',
    unexpected.length ? `not part of this model: ${list(unexpected)}` : '',
  ].filter(Boolean).join('; ');
}
