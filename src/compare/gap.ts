import { devF1Series } from './plot.js';
import type { RunRecord } from './run.js';

/** Below this change (in points of dev F1) over the last third, a gap counts as steady. */
const STEADY_POINTS = 0.5;
/** Columns of the gap table at most (evenly spaced steps, the last one always among them). */
const MAX_COLUMNS = 8;

/** How far a setup's dev F1 trails the best setup's at the steps both scored, and where it is heading. */
export interface GapTrend {
  setup: string;
  /** best − this setup, in points of dev F1, per step the best setup scored (null where this one did not). */
  behind: { step: number; points: number | null }[];
  /** The gap at the end minus the gap at the last common step at or before ⅔ of training (negative: closing). */
  lastThirdChange: number | null;
  /** The step that change is measured from. */
  fromStep: number | null;
  verdict: 'closing' | 'widening' | 'steady' | 'unknown';
}

/**
 * Whether each setup's gap to the best one closes as training goes on, from the dev-F1 points of
 * the runs (mean over seeds per step): the question a short budget leaves open — a slow optimizer
 * still climbing at the last step would catch up with more steps, a collapsed one would not.
 */
export function gapTrends(records: RunRecord[], best: string, setups: string[]): GapTrend[] {
  const series = devF1Series(records.filter((r) => r.status === 'ok'));
  const at = (setup: string) => new Map(series.filter((p) => p.setup === setup).map((p) => [p.step, p.y]));
  const top = at(best);
  const steps = [...top.keys()].sort((a, b) => a - b);
  return setups.filter((s) => s !== best).map((setup) => {
    const own = at(setup);
    const behind = steps.map((step) => ({ step, points: own.has(step) ? 100 * (top.get(step)! - own.get(step)!) : null }));
    const scored = behind.filter((b): b is { step: number; points: number } => b.points !== null);
    const end = scored.at(-1);
    const from = end && [...scored].reverse().find((b) => b.step <= (2 / 3) * end.step);
    if (!end || !from || from === end) return { setup, behind, lastThirdChange: null, fromStep: null, verdict: 'unknown' as const };
    const change = end.points - from.points;
    const verdict = Math.abs(change) < STEADY_POINTS ? 'steady' : change < 0 ? 'closing' : 'widening';
    return { setup, behind, lastThirdChange: change, fromStep: from.step, verdict };
  });
}

/** report.md's section: the gap table with one verdict per setup. */
export function gapSection(records: RunRecord[], best: string, setups: string[]): string {
  const trends = gapTrends(records, best, setups).filter((t) => t.behind.some((b) => b.points !== null));
  if (trends.length === 0) return '';
  const all = trends[0]!.behind.map((b) => b.step);
  const pick = all.length <= MAX_COLUMNS ? all : Array.from({ length: MAX_COLUMNS }, (_, i) => all[Math.round((i * (all.length - 1)) / (MAX_COLUMNS - 1))]!);
  let md = `\n## Does the gap close with more steps?\n\nDev F1 of ${best} minus each setup's, in points (mean over the seeds that scored the step), at the steps ${best} was scored; the last column is how the gap changed over the last third of training (since the last step scored at or before ⅔ of the run): closing, widening, or steady (within ±${STEADY_POINTS}).\n\n`;
  md += `| setup | ${pick.map((s) => `step ${s}`).join(' | ')} | trend at the end |\n|---|${pick.map(() => '---|').join('')}---|\n`;
  for (const t of trends) {
    const cells = pick.map((step) => t.behind.find((b) => b.step === step)?.points);
    const last = t.lastThirdChange === null ? '– (too few points)' : `${t.verdict}: ${t.lastThirdChange > 0 ? '+' : ''}${t.lastThirdChange.toFixed(1)} since step ${t.fromStep}`;
    md += `| ${t.setup} | ${cells.map((c) => (c === null || c === undefined ? '–' : c.toFixed(1))).join(' | ')} | ${last} |\n`;
  }
  return md;
}
