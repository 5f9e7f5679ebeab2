/**
 * `npm run bench -- --profile`: where one training step's time goes, by kernel (tf.profile, which
 * times each kernel synchronously on wasm and cpu). With replica threads only this thread's kernels
 * are seen, so the profile runs with one replica (the kernel mix is the same in every replica).
 */
import * as tf from '@tensorflow/tfjs';

export interface KernelShare {
  kernel: string;
  calls: number;
  ms: number;
  share: number;
}

export interface StepProfile {
  wall_ms: number;
  kernel_ms: number;
  /** Time outside kernels: JavaScript of the model and the host-side CRF/LSTM work, the optimizer's bookkeeping. */
  outside_ms: number;
  top: KernelShare[];
}

export async function profileStep(run: () => Promise<unknown>, top = 15): Promise<StepProfile> {
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await run();
    return tf.scalar(0);
  });
  const wall = performance.now() - t0;
  const byKernel = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = byKernel.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += ms;
    byKernel.set(k.name, e);
  }
  if (process.env.NER_PROFILE_SHAPES) {
    const byShape = new Map<string, { calls: number; ms: number }>();
    for (const k of info.kernels) {
      const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
      const e = byShape.get(key) ?? { calls: 0, ms: 0 };
      e.calls += 1;
      e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      byShape.set(key, e);
    }
    for (const [key, e] of [...byShape].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) console.error(`${e.ms.toFixed(1).padStart(8)} ${String(e.calls).padStart(5)} ${key}`);
  }
  const kernelMs = [...byKernel.values()].reduce((n, e) => n + e.ms, 0);
  const rows = [...byKernel].map(([kernel, e]) => ({ kernel, calls: e.calls, ms: e.ms, share: e.ms / wall })).sort((a, b) => b.ms - a.ms);
  return { wall_ms: wall, kernel_ms: kernelMs, outside_ms: wall - kernelMs, top: rows.slice(0, top) };
}

export function formatProfile(p: StepProfile): string {
  const lines = [`one training step: ${p.wall_ms.toFixed(0)} ms wall, ${p.kernel_ms.toFixed(0)} ms in kernels, ${p.outside_ms.toFixed(0)} ms outside them`];
  lines.push('kernel                     calls       ms   share of the step');
  for (const r of p.top) lines.push(`${r.kernel.padEnd(26)} ${String(r.calls).padStart(5)} ${r.ms.toFixed(1).padStart(8)}   ${(100 * r.share).toFixed(1)}%`);
  return lines.join('\n');
}
