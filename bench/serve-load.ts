/**
 * The load generator of `npm run bench:serve`, in a process of its own so that its work does not
 * share the server's event loop: autocannon at one concurrency level, one text per POST /predict,
 * texts taken in turn. Prints one JSON line: the latency (ms) of every 200 answer, non-2xx, errors, its CPU seconds.
 *   node dist/bench/serve-load.js URL CONNECTIONS SECONDS TEXTS.json
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

const [url, connections, seconds, textsFile] = process.argv.slice(2);
const texts = JSON.parse(readFileSync(textsFile!, 'utf8')) as string[];
const bodies = texts.map((t) => JSON.stringify({ texts: [t] }));
const latencies: number[] = [];
let next = 0;
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    {
      url: `${url}/predict`,
      connections: Number(connections),
      duration: Number(seconds),
      requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
    },
    (err, r) => (err ? reject(err) : resolve(r)),
  );
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status === 200) latencies.push(ms);
  });
});
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ latencies, non2xx: result.non2xx, errors: result.errors, cpuSeconds: (cpu.user + cpu.system) / 1e6 }) + '\n');
