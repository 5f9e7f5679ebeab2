import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** A refusal the client can act on: status, a stable code, a message naming the field. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The one error body the service sends: `{"error": {"code", "message", "field"?}}` — never a stack. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** `/texts/3` (AJV's instancePath) or a missing property → `texts[3]`, the field as users write it. */
function fieldOf(err: FastifyError): string | undefined {
  const v = firstError(err);
  if (!v) return undefined;
  const path = v.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
  const missing = (v.params as { missingProperty?: string }).missingProperty;
  const extra = (v.params as { additionalProperty?: string }).additionalProperty;
  const leaf = missing ?? extra;
  return leaf ? (path ? `${path}.${leaf}` : leaf) : path || 'body';
}

/** The error to report: an `anyOf`'s summary rather than the failure of one of its branches. */
function firstError(err: FastifyError) {
  return err.validation?.find((e) => e.keyword === 'anyOf') ?? err.validation?.[0];
}

function validationMessage(err: FastifyError, field: string): string {
  const v = firstError(err)!;
  if (v.keyword === 'anyOf') return `'${field}' must be a string or a list of strings`;
  if (v.keyword === 'maxLength') return `'${field}' ${v.message} (the server's --max-chars)`;
  const params = v.params as { additionalProperty?: string; missingProperty?: string; allowedValues?: unknown[] };
  if (params.additionalProperty) return `unknown field '${field}'`;
  if (params.missingProperty) return `'${field}' is required`;
  if (params.allowedValues) return `'${field}' must be one of ${params.allowedValues.map((a) => JSON.stringify(a)).join(', ')}`;
  return `'${field}' ${v.message ?? 'is invalid'}`;
}

/** The same on the Hugging Face routes: `{"error": "message", "error_type": code, "field"?}`. */
export interface HfErrorBody {
  error: string;
  error_type: string;
  field?: string;
}

/** Fastify's own errors (body too large, bad content type, schema) → statuses and messages for people. */
function classify(err: FastifyError): HttpError {
  if (err instanceof HttpError) return err;
  if (err.validation) {
    const field = fieldOf(err) ?? 'body';
    return new HttpError(400, 'invalid_request', validationMessage(err, field), field);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'body_too_large', 'the request body is larger than the server accepts (--body-limit)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'unsupported_media_type', 'send the body as JSON (Content-Type: application/json)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'invalid_json', 'the body is empty: send a JSON object', 'body');
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new HttpError(status, 'bad_request', err.message);
  return new HttpError(500, 'internal_error', 'the server failed to answer this request; it has been logged');
}

/** Error handler for the whole service: a JSON body, the status, any headers (Retry-After). */
export function sendError(err: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = classify(err as FastifyError);
  // The operator sees what failed (stderr); the client only that it did.
  if (e.status >= 500) process.stderr.write(`ner serve: ${request.method} ${request.url}: ${err.message}\n${process.env.NER_DEBUG ? `${err.stack}\n` : ''}`);
  const field = e.field ? { field: e.field } : {};
  // The Hugging Face routes answer errors as the Hugging Face API does (its client reads a string `error`).
  const hf = (request.routeOptions.config as { hfErrors?: boolean } | undefined)?.hfErrors;
  const body: ErrorBody | HfErrorBody = hf ? { error: e.message, error_type: e.code, ...field } : { error: { code: e.code, message: e.message, ...field } };
  return reply.status(e.status).headers(e.headers).send(body);
}
