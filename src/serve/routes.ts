import type { FastifyReply, FastifyRequest } from 'fastify';
import { entitiesOf } from '../predict/predictor.js';
import { predictionJson } from '../predict/output.js';
import { HttpError } from './errors.js';
import { hfAnswer, type HfParameters } from './hf.js';
import { openApi, requestSchemas } from './schemas.js';
import type { ServerOptions, Service } from './server.js';

/** Aborts when the client goes away before its answer is sent, so its queued texts are dropped. */
function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

export function registerRoutes({ app, batcher, metrics, state }: Service, options: ServerOptions): void {
  const schemas = requestSchemas(options.maxChars);
  const label = (texts: string[], reply: FastifyReply) => {
    if (state.closing) throw new HttpError(503, 'shutting_down', 'the server is shutting down', undefined, { 'retry-after': '1' });
    if (!state.label) throw new HttpError(503, 'loading', 'the model is still loading: retry shortly (GET /ready says when)', undefined, { 'retry-after': '1' });
    return batcher.submit(texts, disconnectSignal(reply));
  };

  app.post('/predict', { schema: { body: schemas.predict } }, async (req: FastifyRequest<{ Body: { texts: string[] } }>, reply) => {
    const labelled = await label(req.body.texts, reply);
    return labelled.map((t) => predictionJson({ text: t.text, entities: entitiesOf(t) }));
  });

  const hf = async (req: FastifyRequest<{ Body: { inputs: string | string[]; parameters?: HfParameters } }>, reply: FastifyReply) => {
    const { inputs, parameters = {} } = req.body;
    const texts = typeof inputs === 'string' ? [inputs] : inputs;
    const answers = (await label(texts, reply)).map((t) => hfAnswer(t, parameters));
    return typeof inputs === 'string' ? answers[0] : answers;
  };
  const hfRoute = { schema: { body: schemas.hf }, config: { hfErrors: true } };
  app.post('/', hfRoute, hf);
  app.post('/models/*', hfRoute, hf);

  app.get('/model', async () => {
    if (!state.card) throw new HttpError(503, 'loading', 'the model is still loading', undefined, { 'retry-after': '1' });
    return state.card;
  });
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    if (state.label && !state.closing) return { status: 'ready' };
    return reply.status(503).send({ status: state.closing ? 'shutting down' : 'loading' });
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.text()));
  const doc = openApi(options.maxChars, options.version);
  app.get('/openapi.json', async () => doc);
}
