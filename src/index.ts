/** Library entry point: `import { ... } from 'ner'`. */
export { ConllParser, formatConllSentence, parseConll, readConll, readCorpus } from './data/conll.js';
export type { ColumnLayout, Sentence } from './data/conll.js';
export { parseLabel } from './data/labels.js';
export { chunks } from './data/chunks.js';
export type { Span } from './data/chunks.js';
export { convertLabels, detectScheme, labelsToSpans, schemeFromName, SCHEMES, spansToLabels } from './data/schemes.js';
export type { Scheme } from './data/schemes.js';
export { extractEntities } from './metrics/entities.js';
export type { Entity, Mode } from './metrics/entities.js';
export { scoreEntities } from './metrics/score.js';
export { evaluateLabels, evaluationJson } from './metrics/evaluate.js';
export { formatReport } from './metrics/report.js';
export { InputError, NerError, RuntimeFailure, UsageError } from './errors.js';
