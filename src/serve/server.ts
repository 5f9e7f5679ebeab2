import { createHash, timingSafeEqual } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { LabelledText } from '../predict/predictor.js';
import { Batcher } from './batcher.js';
import { HttpError, sendError } from './errors.js';
import { ServeMetrics } from './metrics.js';
import type { ModelCard } from './card.js';
import { PAGE_ROUTES, registerPage } from './page.js';
import { registerRoutes } from './routes.js';

/** What labels texts: the loaded model's predictor (src/predict/), behind one function. */
export type LabelTexts = (texts: string[]) => Promise<LabelledText[]>;

export interface ServerOptions {
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
  /** Characters per text. */
  maxChars: number;
  /** Bytes per request body. */
  bodyLimit: number;
  apiKey?: string;
  version: string;
  /** Fastify's logger (pino) on stderr; off in tests. */
  log?: boolean;
}

/** The service's mutable state: the model arrives after listening starts; shutdown flips `closing`. */
export interface ServiceState {
  label: LabelTexts | undefined;
  card: ModelCard | undefined;
  /** Live tensors per thread, once the model is loaded. */
  tensorCounts: (() => Promise<number[]>) | undefined;
  closing: boolean;
}

export interface Service {
  app: FastifyInstance;
  metrics: ServeMetrics;
  batcher: Batcher<LabelledText>;
  state: ServiceState;
}

/** GET routes anyone may call with --api-key set: probes and the page's files, which tell nothing about the data (POST / is not among them). */
const OPEN_ROUTES = new Set(['/health', '/ready', ...PAGE_ROUTES]);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON bodies as bytes: invalid UTF-8 is refused (Fastify's own parser would replace it with U+FFFD). */
function parseJson(_req: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void): void {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return done(new HttpError(400, 'invalid_utf8', 'the body is not valid UTF-8', 'body'));
  }
  if (text.trim() === '') return done(new HttpError(400, 'invalid_json', 'the body is empty: send a JSON object', 'body'));
  try {
    done(null, JSON.parse(text));
  } catch (err) {
    done(new HttpError(400, 'invalid_json', `the body is not valid JSON (${(err as Error).message})`, 'body'));
  }
}

function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** The presented key: `Authorization: Bearer K` (what the Hugging Face client sends) or `X-API-Key: K`. */
function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-api-key'];
  return typeof header === 'string' ? header : undefined;
}

/** Builds the HTTP service (not yet listening); `state.label` is set once the model is loaded. */
export function buildService(options: ServerOptions): Service {
  const app = Fastify({
    bodyLimit: options.bodyLimit,
    logger: options.log ? { level: 'warn' } : false,
    // Validation must refuse, not repair: no type coercion, no silent removal of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    return503OnClosing: true,
  });
  const state: ServiceState = { label: undefined, card: undefined, tensorCounts: undefined, closing: false };
  const metrics = new ServeMetrics(() => batcher.depth, async () => (state.tensorCounts ? state.tensorCounts() : [tf.memory().numTensors]));
  const batcher = new Batcher<LabelledText>(
    async (texts) => {
      const started = performance.now();
      const out = await state.label!(texts);
      metrics.labelled(texts.length, (performance.now() - started) / 1000);
      return out;
    },
    options,
    { onBatch: (n, waited) => metrics.batch(n, waited) },
  );
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJson);
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((req, reply) => sendError(new HttpError(404, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}: see /openapi.json`), req, reply));
  if (options.apiKey) {
    const expected = keyDigest(options.apiKey);
    app.addHook('onRequest', async (req) => {
      if ((req.method === 'GET' || req.method === 'HEAD') && OPEN_ROUTES.has(req.routeOptions.url ?? '')) return;
      const key = presentedKey(req);
      if (key === undefined) throw new HttpError(401, 'unauthorized', 'an API key is required: send Authorization: Bearer KEY', undefined, { 'www-authenticate': 'Bearer' });
      if (!timingSafeEqual(keyDigest(key), expected)) throw new HttpError(401, 'unauthorized', 'wrong API key', undefined, { 'www-authenticate': 'Bearer' });
    });
  }
  // While shutting down, answer the requests in flight on connections that then close: Node's
  // server.close() drops only the connections idle when it is called, and Fastify keeps others alive 72 s.
  app.addHook('onSend', async (_req, reply) => {
    if (state.closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.request(req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  const service = { app, metrics, batcher, state };
  registerRoutes(service, options);
  registerPage(app);
  return service;
}
