import { UsageError } from '../errors.js';
import { addSecret } from '../util/secrets.js';

/** A Redis server as `--queue` names it, with the options BullMQ's ioredis connection takes. */
export interface QueueAddress {
  /** The URL as it may be shown: the password replaced by `***`. */
  shown: string;
  connection: {
    host: string;
    port: number;
    db: number;
    username?: string;
    password?: string;
    tls?: { servername: string };
    /** BullMQ's workers block on Redis; they need commands that wait for a reconnect instead of failing. */
    maxRetriesPerRequest: null;
  };
}

const FORM = 'redis://[user:password@]host[:port][/db] or rediss://… (TLS)';

/**
 * Parses `redis://[user:pass@]host[:port][/db]` (and `rediss://` for TLS). The password, from the
 * URL or from NER_REDIS_PASSWORD when the URL has none (argv is visible to other users of the
 * machine; the environment is not), is registered as a secret so no message ever prints it.
 */
export function parseQueueUrl(raw: string, env: NodeJS.ProcessEnv = process.env): QueueAddress {
  let url: URL;
  // No message below echoes the URL's text until it has parsed whole: a mangled one may hold the password anywhere.
  const hint = `expected ${FORM}; in a password, / @ : # ? and % must be percent-encoded (or give it in NER_REDIS_PASSWORD)`;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--queue: not a URL; ${hint}`);
  }
  if (url.password) addSecret(url.password);
  const password = url.password ? safeDecode(url.password) : env.NER_REDIS_PASSWORD || undefined;
  if (password) addSecret(password);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UsageError(`--queue: the scheme must be redis: or rediss:; ${hint}`);
  if (!url.hostname) throw new UsageError(`--queue: no host; ${hint}`);
  if (url.search || url.hash) throw new UsageError(`--queue: a query string or fragment is not read; ${hint}`);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText)) throw new UsageError(`--queue: the path must be a database number (0–15 on a default Redis); ${hint}`);
  const shown = maskUrl(url);
  const port = url.port ? Number(url.port) : 6379;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1'); // [::1] → ::1
  return {
    shown,
    connection: {
      host,
      port,
      db: dbText === '' ? 0 : Number(dbText),
      ...(url.username ? { username: safeDecode(url.username) } : {}),
      ...(password ? { password } : {}),
      ...(url.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
      maxRetriesPerRequest: null,
    },
  };
}

/** The URL with its password (if any) replaced by `***`. */
export function maskUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href.replace(/\/$/, '');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
