import type { AddressInfo } from 'node:net';
import { selectBackend, type BackendChoice } from '../backend.js';
import { loadModel } from '../predict/load.js';
import { modelCard } from './card.js';
import { buildService, type ServerOptions, type Service } from './server.js';

export interface ServeOptions extends Omit<ServerOptions, 'log'> {
  model: string;
  host: string;
  port: number;
  /** Replica threads (null: one per core on wasm/cpu). */
  workers: number | null;
  /** Windows per decoded batch, at most. */
  batchSize: number;
  /** A decoded batch's fixed cost in word pieces: how a gathered batch is cut (data/cost-buckets.ts). */
  batchOverhead: number;
  backend: BackendChoice;
}

export interface RunningService {
  url: string;
  /** What is served, in one line. */
  about: string;
  service: Service;
  /** Threads that decode. */
  replicas: number;
  /** Stops accepting connections, finishes the requests in flight, frees the model. */
  close(): Promise<void>;
}

/** host:port as it goes in a URL (IPv6 literals in brackets). */
function urlHost(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${host}:${address.port}`;
}

/**
 * Listens at once (/health answers, /ready says "loading" meanwhile), loads the model, and
 * resolves when requests are answered.
 */
export async function startService(o: ServeOptions): Promise<RunningService> {
  const service = buildService({ ...o, log: false });
  try {
    await service.app.listen({ host: o.host, port: o.port });
    await selectBackend(o.backend);
  } catch (err) {
    await service.app.close();
    throw err;
  }
  // Tokenising and decoding run on replica threads only (even with --workers 1): the event loop stays free.
  const model = await loadModel(o.model, { workers: o.workers, labelling: 'thread' }).catch(async (err: unknown) => {
    await service.app.close();
    throw err;
  });
  const label = model.labeller({ batchSize: o.batchSize, batchOverhead: o.batchOverhead });
  service.state.card = modelCard(o.model, model);
  service.state.tensorCounts = () => model.tensorCounts();
  service.state.label = label;
  // Each gathered batch goes whole to one thread: as many batches run at once as there are threads.
  service.batcher.setConcurrency(model.replicas);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(service.app.server.address() as AddressInfo)}`,
    about: `${model.kind === 'ner' ? 'model' : 'Hugging Face model'} ${o.model}, ${model.tagger.spec.labels.length} labels, ${model.replicas} replica thread(s)`,
    service,
    replicas: model.replicas,
    close: () =>
      (closing ??= (async () => {
        service.state.closing = true;
        try {
          await service.app.close();
          await service.batcher.drained();
        } finally {
          model.dispose();
        }
      })()),
  };
}

/** Runs the service until SIGTERM or SIGINT, then drains it and resolves (the CLI exits 0). */
export async function serve(o: ServeOptions & { onReady?(url: string, about: string): void }): Promise<void> {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const running = await startService(o);
    o.onReady?.(running.url, running.about);
    await stopped;
    await running.close();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
