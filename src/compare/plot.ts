import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { RunRecord } from './run.js';

/**
 * Dev F1 (per epoch, and every evalEvery steps where runs scored it) and training loss (every
 * logged step) against the step, one line per setup (mean over seeds), rendered to SVG headless
 * by vega (no canvas or native dependency).
 */
export async function curvesSvg(records: RunRecord[]): Promise<string> {
  const ok = records.filter((x) => x.status === 'ok');
  const f1 = devF1Series(ok);
  const loss = meanPerStep(ok.flatMap((r) => r.loss_curve.map((p) => ({ setup: r.setup, step: p.step, y: p.loss }))));
  const values = [...f1.map((p) => ({ setup: p.setup, step: p.step, dev_f1: p.y })), ...loss.map((p) => ({ setup: p.setup, step: p.step, train_loss: p.y }))];
  const setups = new Set(ok.map((r) => r.setup)).size;
  const layer = (field: string, title: string, percent: boolean) => ({
    width: 520,
    height: 220,
    transform: [{ filter: `isValid(datum.${field})` }],
    mark: { type: 'line', point: percent },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step', scale: { zero: true } },
      y: { field, type: 'quantitative', title, ...(percent ? { scale: { domain: [0, 1] }, axis: { format: '.0%' } } : { scale: { type: 'log' } }) },
      // Ten distinct hues while they suffice (tableau20 pairs a dark and a light shade of each), and whole names in the legend.
      color: { field: 'setup', type: 'nominal', title: 'setup', scale: { scheme: setups > 10 ? 'tableau20' : 'tableau10' }, legend: { labelLimit: 400 } },
    },
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    vconcat: [layer('dev_f1', 'dev F1 (mean over seeds)', true), layer('train_loss', 'training loss (mean over seeds)', false)],
  };
  const view = new vega.View(vega.parse(vl.compile(spec as unknown as vl.TopLevelSpec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/**
 * Dev F1 per setup and step: epoch ends and, where runs scored dev between them (evalEvery), those
 * points; each step's mean is over the seeds that scored it.
 */
export function devF1Series(ok: RunRecord[]): { setup: string; step: number; y: number }[] {
  return meanPerStep(ok.flatMap((r) => devF1Points(r).map((p) => ({ setup: r.setup, ...p }))));
}

/** One run's dev F1 by step: its epoch ends and its evalEvery points. */
export function devF1Points(r: RunRecord): { step: number; y: number }[] {
  return [...r.epochs.filter((e) => typeof e.dev_f1 === 'number').map((e) => ({ step: Number(e.step), y: e.dev_f1 as number })), ...(r.dev_points ?? []).map((p) => ({ step: p.step, y: p.dev_f1 }))];
}

/** Mean over seeds of the points sharing a setup and step, in step order. */
function meanPerStep(points: { setup: string; step: number; y: number }[]): { setup: string; step: number; y: number }[] {
  const groups = new Map<string, { setup: string; step: number; ys: number[] }>();
  for (const p of points) {
    const key = `${p.setup}\u0000${p.step}`;
    const g = groups.get(key) ?? { setup: p.setup, step: p.step, ys: [] };
    g.ys.push(p.y);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({ setup: g.setup, step: g.step, y: g.ys.reduce((a, b) => a + b, 0) / g.ys.length })).sort((a, b) => a.step - b.step);
}
