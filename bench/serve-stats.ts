/** Helpers of `npm run bench:serve`: percentiles, the service's /metrics counters, other load. */
import { readdirSync, readFileSync } from 'node:fs';

export function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const median = (xs: readonly number[]) => percentile(xs, 50);

/** Cumulative counters from /metrics (differences over a level give its means). */
export interface ServeCounters {
  batches: number;
  batchTexts: number;
  waitSeconds: number;
  batchSeconds: number;
}

export async function readServeMetrics(url: string): Promise<ServeCounters> {
  const m = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(m)?.[1] ?? NaN);
  return {
    batches: value('ner_batch_size_texts_count'),
    batchTexts: value('ner_batch_size_texts_sum'),
    waitSeconds: value('ner_batch_wait_seconds_sum'),
    batchSeconds: value('ner_batch_duration_seconds_sum'),
  };
}

/** CPU ticks (user + system) of every process, from /proc (Linux; elsewhere none). */
function cpuTicks(): Map<number, { ticks: number; nice: number; name: string }> {
  const out = new Map<number, { ticks: number; nice: number; name: string }>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields after the name: state is f[0]; utime f[11], stime f[12], nice f[16].
      out.set(Number(pid), { ticks: Number(f[11]) + Number(f[12]), nice: Number(f[16]), name });
    } catch {
      // The process ended meanwhile.
    }
  }
  return out;
}

/** Other processes that used ≥ 10% of a core over the last second, so a noisy measurement says so. */
export async function otherBusyProcesses(): Promise<string[]> {
  const a = cpuTicks();
  await new Promise((r) => setTimeout(r, 1000));
  const b = cpuTicks();
  const busy: string[] = [];
  for (const [pid, p] of b) {
    const share = p.ticks - (a.get(pid)?.ticks ?? p.ticks); // ticks are 1/100 s on Linux
    if (pid !== process.pid && share >= 10) busy.push(`${p.name} (nice ${p.nice}, ${share}% of a core)`);
  }
  return busy;
}
