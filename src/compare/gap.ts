import { devF1Points } from './plot.js';
import type { RunRecord } from './run.js';

/** Below this change (in points of dev F1) over the last third, a gap counts as steady. */
const STEADY_POINTS = 0.5;
/** Columns of the gap table at most (evenly spaced steps, the last one always among them). */
const MAX_COLUMNS = 8;

/** How far a setup's dev F1 trails the best setup's at the steps both scored, and where it is heading. */
export interface GapTrend {
  setup: string;
  /** best − this setup, in points of dev F1, over the seeds both ran, per step the best setup scored (null where none is shared). */
  behind: { step: number; points: number | null }[];
  /** The gap at the end minus the gap at the last common step at or before ⅔ of training (negative: closing). */
  lastThirdChange: number | null;
  /** The step that change is measured from. */
  fromStep: number | null;
  verdict: 'closing' | 'widening' | 'steady' | 'unknown';
}

/**
 * Whether each setup's gap to the best one closes as training goes on, from the dev-F1 points of
 * the runs: the question a short budget leaves open (a slow optimizer still climbing at the last
 * step would catch up with more steps, a collapsed one would not). Each gap is a mean over the
 * seeds both setups ran, so a seed the other lacks adds no seed-to-seed noise.
 */
export function gapTrends(records: RunRecord[], best: string, setups: string[]): GapTrend[] {
  const ok = records.filter((r) => r.status === 'ok');
  /** seed → step → dev F1 of one setup's runs. */
  const bySeed = (setup: string) => new Map(ok.filter((r) => r.setup === setup).map((r) => [r.seed, new Map(devF1Points(r).map((p) => [p.step, p.y]))]));
  const top = bySeed(best);
  const steps = [...new Set([...top.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return setups.filter((s) => s !== best).map((setup) => {
    const own = bySeed(setup);
    const behind = steps.map((step) => {
      const diffs = [...own].flatMap(([seed, m]) => (m.has(step) && top.get(seed)?.has(step) ? [top.get(seed)!.get(step)! - m.get(step)!] : []));
      return { step, points: diffs.length ? (100 * diffs.reduce((a, b) => a + b, 0)) / diffs.length : null };
    });
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
  let md = `\n## Does the gap close with more steps?\n\nDev F1 of ${best} minus each setup's, in points (mean over the seeds both ran), at the steps ${best} was scored; the last column is how the gap changed over the last third of training (since the last step scored at or before ⅔ of the run): closing, widening, or steady (within ±${STEADY_POINTS}). With a decaying learning rate the last steps move little, so a gap that narrows only there says less about more steps than one that narrows while the rate is still high.\n\n`;
  md += `| setup | ${pick.map((s) => `step ${s}`).join(' | ')} | trend at the end |\n|---|${pick.map(() => '---|').join('')}---|\n`;
  for (const t of trends) {
    const cells = pick.map((step) => t.behind.find((b) => b.step === step)?.points);
    const last = t.lastThirdChange === null ? '– (too few points)' : `${t.verdict}: ${t.lastThirdChange > 0 ? '+' : ''}${t.lastThirdChange.toFixed(1)} since step ${t.fromStep}`;
    md += `| ${t.setup} | ${cells.map((c) => (c === null || c === undefined ? '–' : c.toFixed(1))).join(' | ')} | ${last} |\n`;
  }
  return md;
}
