import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { RunRecord } from './run.js';

/**
 * Dev F1 and training loss per epoch against the step, one line per setup (mean over seeds),
 * rendered to SVG headless by vega (no canvas or native dependency).
 */
export async function curvesSvg(records: RunRecord[]): Promise<string> {
  const points = new Map<string, { setup: string; step: number; f1: number[]; loss: number[] }>();
  for (const r of records.filter((x) => x.status === 'ok')) {
    for (const e of r.epochs) {
      const key = `${r.setup}\u0000${e.epoch}`;
      const p = points.get(key) ?? { setup: r.setup, step: Number(e.step), f1: [], loss: [] };
      if (typeof e.dev_f1 === 'number') p.f1.push(e.dev_f1);
      if (typeof e.train_loss === 'number') p.loss.push(e.train_loss);
      points.set(key, p);
    }
  }
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const values = [...points.values()].map((p) => ({ setup: p.setup, step: p.step, dev_f1: avg(p.f1), train_loss: avg(p.loss) }));
  const layer = (field: string, title: string, percent: boolean) => ({
    width: 520,
    height: 220,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field, type: 'quantitative', title, ...(percent ? { scale: { domain: [0, 1] }, axis: { format: '.0%' } } : {}) },
      color: { field: 'setup', type: 'nominal', title: 'setup' },
    },
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    vconcat: [layer('dev_f1', 'dev F1 (mean over seeds)', true), layer('train_loss', 'training loss (epoch mean)', false)],
  };
  const view = new vega.View(vega.parse(vl.compile(spec as unknown as vl.TopLevelSpec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
