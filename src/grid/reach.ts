import { Redis } from 'ioredis';
import { RuntimeFailure } from '../errors.js';
import { redact } from '../util/secrets.js';
import type { QueueAddress } from './queue-url.js';

/**
 * One connection attempt before BullMQ takes over: its clients retry forever (right once a grid
 * runs: Redis may restart), so a wrong host or password would otherwise hang without a word.
 */
export async function checkReachable(address: QueueAddress, timeoutMs = 10_000): Promise<void> {
  const client = new Redis({ ...address.connection, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  client.on('error', () => {}); // reported below, once
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new RuntimeFailure(redact(`cannot use the queue at ${address.shown}: ${why}; check the host, port and password (NER_REDIS_PASSWORD when the URL has none)`));
  } finally {
    client.disconnect();
  }
}
