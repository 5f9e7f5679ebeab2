import { AGGREGATIONS } from './hf.js';

/** JSON schemas of the request bodies (Fastify validates them; /openapi.json publishes them). */
export function requestSchemas(maxChars: number) {
  const text = { type: 'string', maxLength: maxChars } as const;
  return {
    predict: {
      type: 'object',
      required: ['texts'],
      additionalProperties: false,
      properties: { texts: { type: 'array', items: text, description: 'Documents to label, any length (long ones are windowed and stitched).' } },
    },
    hf: {
      type: 'object',
      required: ['inputs'],
      additionalProperties: false,
      properties: {
        inputs: { anyOf: [text, { type: 'array', items: text }], description: 'One text (answer: a list of entities) or several (answer: a list per text).' },
        parameters: {
          type: 'object',
          additionalProperties: false,
          properties: {
            aggregation_strategy: { type: 'string', enum: [...AGGREGATIONS], default: 'simple' },
            ignore_labels: { type: 'array', items: { type: 'string' } },
            stride: { type: 'integer', minimum: 0, description: 'Accepted and ignored: texts are windowed anyway.' },
          },
        },
        options: { type: 'object', description: 'Hugging Face client options (wait_for_model, use_cache): accepted and ignored.' },
      },
    },
  } as const;
}

const entity = {
  type: 'object',
  required: ['type', 'start', 'end', 'text', 'score'],
  properties: {
    type: { type: 'string' },
    start: { type: 'integer', description: 'JavaScript (UTF-16) string index, as `ner predict` writes it' },
    end: { type: 'integer' },
    text: { type: 'string' },
    score: { type: 'number', description: 'mean confidence of the words, 4 decimals' },
  },
} as const;

const prediction = { type: 'object', required: ['text', 'entities'], properties: { text: { type: 'string' }, entities: { type: 'array', items: entity } } } as const;

const hfGroup = {
  type: 'object',
  properties: {
    entity_group: { type: 'string' },
    entity: { type: 'string', description: 'with aggregation_strategy "none" (instead of entity_group), the word’s label' },
    index: { type: 'integer', description: 'with "none": the word’s position, from 1' },
    score: { type: 'number' },
    word: { type: 'string' },
    start: { type: 'integer', description: 'code-point index (Python str index)' },
    end: { type: 'integer' },
  },
} as const;

const error = {
  type: 'object',
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } } },
} as const;

const hfError = { type: 'object', properties: { error: { type: 'string' }, error_type: { type: 'string' }, field: { type: 'string' } } } as const;

function json(schema: unknown, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

function refusalsOf(e: unknown) {
  return {
    400: json(e, 'malformed JSON, invalid UTF-8, or a field of the wrong type (named in the field)'),
    401: json(e, 'missing or wrong API key'),
    413: json(e, 'body larger than --body-limit, or more texts than --max-queue'),
    429: json(e, 'queue full; see Retry-After'),
    503: json(e, 'model not loaded yet, or shutting down'),
  };
}
const refusals = refusalsOf(error);
const hfRefusals = refusalsOf(hfError);

/** The OpenAPI 3.1 description of the service, from the same schemas Fastify validates with. */
export function openApi(maxChars: number, version: string) {
  const s = requestSchemas(maxChars);
  const hf = {
    summary: 'Hugging Face Inference token classification (what @huggingface/inference’s tokenClassification({ endpointUrl }) posts)',
    requestBody: { required: true, content: { 'application/json': { schema: s.hf } } },
    responses: { 200: json({ anyOf: [{ type: 'array', items: hfGroup }, { type: 'array', items: { type: 'array', items: hfGroup } }] }, 'entities of each input'), ...hfRefusals },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'ner serve', version, description: 'Named-entity recognition over HTTP. With --api-key, send `Authorization: Bearer KEY` (or `X-API-Key: KEY`) to every route but /health and /ready.' },
    paths: {
      '/predict': {
        post: {
          summary: 'Label texts: the objects `ner predict --format jsonl` writes, in order',
          requestBody: { required: true, content: { 'application/json': { schema: s.predict } } },
          responses: { 200: json({ type: 'array', items: prediction }, 'one object per text'), ...refusals },
        },
      },
      '/models/{model}': { post: { ...hf, parameters: [{ name: 'model', in: 'path', required: true, schema: { type: 'string' }, description: 'ignored: the served model answers' }] } },
      '/model': { get: { summary: 'The served model’s card: labels, entity types, scheme, architecture, scores', responses: { 200: json({ type: 'object' }, 'the card'), 503: json(error, 'loading') } } },
      '/': { post: hf, get: { summary: 'The web page: type text, see its entities highlighted', responses: { 200: { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } } } },
      '/health': { get: { summary: 'The process is alive', responses: { 200: json({ type: 'object' }, 'alive') } } },
      '/ready': { get: { summary: 'The model is loaded and requests are accepted', responses: { 200: json({ type: 'object' }, 'ready'), 503: json(error, 'loading or shutting down') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: json({ type: 'object' }, 'OpenAPI 3.1') } } },
    },
  };
}
