import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { BACKENDS } from '../backend.js';
import { SERVE_DEFAULTS } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { serve, type ServeOptions } from '../serve/service.js';
import { parseInteger, workersOption } from './options.js';

/** The flags as commander parses them: the service's options before defaults from the environment. */
type ServeFlags = Omit<ServeOptions, 'workers' | 'apiKey' | 'version'> & { workers?: number; apiKey?: string };

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

function int(min: number, max: number) {
  return (v: string) => parseInteger(v, min, max);
}

export function serveCommand(): Command {
  const d = SERVE_DEFAULTS;
  return new Command('serve')
    .description('Serve a model over HTTP: POST /predict, the Hugging Face token-classification API, /health, /ready, /metrics, /openapi.json.')
    .requiredOption('--model <dir>', 'a model folder from `ner train` (or a BertForTokenClassification folder / hub id)')
    .addOption(new Option('--host <address>', 'address to listen on (loopback: only this machine can connect)').default(d.host))
    .addOption(new Option('--port <n>', 'TCP port (0: any free port)').argParser(int(0, 65535)).default(d.port))
    .addOption(workersOption())
    .addOption(new Option('--max-batch <n>', 'texts gathered into one batch').argParser(int(1, 4096)).default(d.maxBatch))
    .addOption(new Option('--batch-size <n>', 'windows per decoded batch, at most').argParser(int(1, 4096)).default(d.batchSize))
    .addOption(new Option('--batch-overhead <pieces>', "a decoded batch's fixed cost in word pieces: a gathered batch, sorted by length, is cut into batches minimising this + padded pieces").argParser(int(0, 1_000_000)).default(d.batchOverhead))
    .addOption(new Option('--max-wait-ms <ms>', 'at most how long a text waits for others to share its batch (0: never)').argParser(int(0, 10000)).default(d.maxWaitMs))
    .addOption(new Option('--max-queue <n>', 'texts waiting beyond which requests get 429').argParser(int(1, 1_000_000)).default(d.maxQueue))
    .addOption(new Option('--max-chars <n>', 'characters per text (longer: 400)').argParser(int(1, 100_000_000)).default(d.maxChars))
    .addOption(new Option('--body-limit <bytes>', 'bytes per request body (larger: 413)').argParser(int(1, 1 << 30)).default(d.bodyLimit))
    .option('--api-key <key>', 'require `Authorization: Bearer KEY` (default: $NER_API_KEY; none: open)')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('auto'))
    .action(async (flags: ServeFlags) => {
      const apiKey = flags.apiKey ?? (process.env.NER_API_KEY || undefined);
      if (apiKey !== undefined && apiKey.trim() === '') throw new UsageError('--api-key must not be empty');
      if (!LOOPBACK.has(flags.host) && !apiKey) process.stderr.write(`ner serve: warning: listening on ${flags.host} without an API key: anyone who can reach this port can use the model (set --api-key or NER_API_KEY)\n`);
      await serve({
        ...flags,
        workers: flags.workers ?? null,
        ...(apiKey ? { apiKey } : {}),
        version: pkg.version,
        onReady: (url, about) => process.stdout.write(`ner serve: ready at ${url} (${about})\n`),
      });
    });
}
