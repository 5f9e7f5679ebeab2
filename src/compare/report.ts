import { TRAIN_DEFAULTS, type TrainConfig } from '../config/schema.js';
import { findOptimizer } from '../optim/registry.js';
import { seedsOf, setupSettings, type CompareConfig, type Setup } from './config.js';
import { contrast, contrastSection, pooledSpread, type Contrast } from './contrast.js';
import { gapSection } from './gap.js';
import { AGREE_POINTS, compareWithReference, mean, std, type ReferenceComparison } from './reference.js';
import type { RunRecord } from './run.js';

/** Per-setup aggregates over seeds. */
export interface SetupSummary {
  setup: string;
  runs: number;
  failed: number;
  /** Runs with a test F1: the seeds its means are over. */
  finished: number;
  f1_mean: number | null;
  f1_std: number | null;
  f1_best: number | null;
  drift_mean: number | null;
  outside_fraction_mean: number | null;
  /** Over the runs one process did whole (a resumed run times only its last part); null when there are none. */
  wall_seconds_mean: number | null;
  /** Against the setup's reference figure, when the config gives one. */
  reference: ReferenceComparison | null;
}

/** A run of the grid not finished yet (a report written while the grid runs). */
export interface PendingRun {
  setup: string;
  seed: number;
  /** It ran and failed (its reason is under "Failed runs"). */
  failed?: boolean;
}

/** "mean ± std" in points, or "mean (1 seed)" where there is no spread to show. */
const meanStd = (m: number, sd: number | null) => (sd === null ? `${pct(m)} (1 seed)` : `${pct(m)} ± ${pct(sd)}`);

export function summarize(cfg: CompareConfig, records: RunRecord[]): SetupSummary[] {
  return cfg.setups.map(({ name, reference }) => {
    const rs = records.filter((r) => r.setup === name);
    const ok = rs.filter((r) => r.status === 'ok');
    const f1 = ok.map((r) => r.test?.f1).filter((x): x is number => typeof x === 'number');
    const nums = (f: (r: RunRecord) => number | null) => ok.map(f).filter((x): x is number => typeof x === 'number');
    return {
      setup: name,
      runs: rs.length,
      failed: rs.length - ok.length,
      finished: f1.length,
      f1_mean: mean(f1),
      f1_std: std(f1),
      f1_best: f1.length ? Math.max(...f1) : null,
      drift_mean: mean(nums((r) => r.drift)),
      outside_fraction_mean: mean(nums((r) => r.outside_fraction)),
      // A resumed run's wall time is its last process's only: not a run's time.
      wall_seconds_mean: mean(ok.filter((r) => !r.resumed_from_step).map((r) => r.wall_seconds)),
      reference: reference ? compareWithReference(f1, reference) : null,
    };
  });
}

const pct = (x: number | null) => (x === null ? '–' : (100 * x).toFixed(1));
const share = (x: number | null) => (x === null ? '–' : `${pct(x)}%`);
const dur = (s: number | null) => (s === null ? '–' : s >= 90 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);

/** Why a setup scored below the best one, from what the runs measured. */
function diagnosis(s: SetupSummary, best: SetupSummary, settings: TrainConfig, bestSettings: TrainConfig, steps: number | undefined, control?: Control): string[] {
  const out: string[] = [];
  const spec = findOptimizer(settings.optimizer);
  // The registry's defaults under the setup's options: what the optimizer actually ran with.
  const options: Record<string, unknown> = { ...spec?.defaults, ...settings.optimizerOptions };
  if (s.drift_mean !== null && best.drift_mean !== null) {
    if (s.drift_mean < 0.6 * best.drift_mean) {
      const how = s.drift_mean < 0.3 * best.drift_mean ? 'barely left the checkpoint' : `moved ${((100 * s.drift_mean) / best.drift_mean).toFixed(0)}% as far from the checkpoint as ${best.setup}'s`;
      out.push(`The encoder ${how}: mean relative drift ${s.drift_mean.toFixed(3)} against ${best.drift_mean.toFixed(3)} for ${best.setup}. Its updates were too small for the steps available, so this is slow learning, not a destroyed model.`);
    } else if (s.drift_mean > 2 * best.drift_mean) {
      out.push(`The encoder moved far from the checkpoint: mean relative drift ${s.drift_mean.toFixed(3)} against ${best.drift_mean.toFixed(3)} for ${best.setup}. The pretrained weights were overwritten rather than fine-tuned.`);
    }
  }
  if (s.outside_fraction_mean !== null && best.outside_fraction_mean !== null && s.outside_fraction_mean > best.outside_fraction_mean + 0.02) {
    out.push(`It predicts O for ${pct(s.outside_fraction_mean)}% of test tokens (${pct(best.outside_fraction_mean)}% for ${best.setup}): the tagger falls back on the majority label.`);
  }
  const { lr } = settings;
  const headLr = settings.headLr ?? lr;
  if (headLr <= lr) {
    out.push(`Cause: the head (BiLSTM, CRF, classifier: freshly initialised) learns at the encoder's fine-tuning rate (head lr ${headLr}, encoder lr ${lr}). In a few hundred steps it barely leaves its random start, so the encoder is tuned against a tagger that never learns the task; a new head usually gets 10–100× the encoder's rate.`);
  }
  if (settings.encoderWeights === 'random') {
    out.push(`Cause: no pretraining (encoderWeights "random"): the encoder starts from a random initialisation of the same architecture, so the gap to ${control ? `${control.summary.setup}, the same setup from the checkpoint,` : 'a setup that differs only in this'} is what the checkpoint is worth to this task at this budget.`);
  }
  if (control && s.f1_mean !== null && control.summary.f1_mean !== null) {
    const delta = 100 * (s.f1_mean - control.summary.f1_mean);
    out.push(`Against ${control.summary.setup}, which differs only in ${control.differ}: ${pct(s.f1_mean)} against ${pct(control.summary.f1_mean)} (means over ${s.finished} and ${control.summary.finished} seeds), ${delta >= 0 ? '+' : ''}${delta.toFixed(1)} points: what this ablation costs here.`);
  }
  const differ = settingsDiff(settings, bestSettings, best.setup);
  if (differ) out.push(`Settings that differ from ${best.setup}'s: ${differ}.`);
  // The optimizer's own mechanism, from its registry entry.
  out.push(...(spec?.explain(options, { slowWeights: settings.lookaheadSlowWeights, steps }) ?? []));
  return out;
}

export function reportMarkdown(cfg: CompareConfig, records: RunRecord[], summaries: SetupSummary[], pending: PendingRun[] = []): string {
  const base = { ...TRAIN_DEFAULTS, ...cfg.base };
  const ranked = rank(summaries);
  const best = ranked[0];
  const settingsOf = settingsLookup(cfg);
  let md = `# Optimizer comparison\n\n`;
  if (pending.length) md += `**Partial:** ${pending.length} of the grid's runs are still to run (listed at the end); means are over the seeds finished so far.\n\n`;
  md += `Model ${base.model}${base.numLayers ? ` (first ${base.numLayers} layers)` : ''}, train ${base.train}${base.trainLimit ? ` (first ${base.trainLimit} sentences)` : ''}, test ${base.test}${base.testLimit ? ` (first ${base.testLimit} sentences)` : ''}; ${base.epochs} epochs, batch ${base.batchSize}, max-len ${base.maxLen}; ${seedsLine(cfg)}. Test entity F1 (conlleval semantics) of the model with the best dev F1.\n\n`;
  md += `| setup | test F1 (mean ± std) | best | drift | O predicted | time per run |\n|---|---|---|---|---|---|\n`;
  for (const s of summaries) {
    const f1 = s.f1_mean !== null ? meanStd(s.f1_mean, s.f1_std) : s.runs === 0 ? 'not run yet' : 'failed';
    md += `| ${s.setup}${s.failed ? ` (${s.failed} failed)` : ''} | ${f1} | ${pct(s.f1_best)} | ${s.drift_mean?.toFixed(3) ?? '–'} | ${share(s.outside_fraction_mean)} | ${dur(s.wall_seconds_mean)} |\n`;
  }
  md += `\nDrift: ‖θ_encoder,final − θ_encoder,start‖ / ‖θ_encoder,start‖ (start = the weights training began from: the loaded checkpoint, or the random init with encoderWeights "random"), mean over seeds. Curves: curves.svg.\n\n## Setups\n\n| setup | optimizer | lr | head lr | warmup | other settings |\n|---|---|---|---|---|---|\n`;
  for (const setup of cfg.setups) {
    const s = resolved(cfg, setup);
    const other = Object.entries(setup.settings).filter(([k]) => !['optimizer', 'lr', 'headLr', 'warmup'].includes(k)).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
    md += `| ${setup.name} | ${s.optimizer} | ${s.lr} | ${s.headLr ?? s.lr} | ${s.warmup} | ${other.join('; ') || '–'}${setup.description ? ` — ${setup.description}` : ''} |\n`;
  }
  md += referenceSection(cfg, summaries);
  md += runsTable(records);
  md += contrastSection(contrasts(cfg, summaries), pooledSpread(summaries));
  md += `\n## Why\n\n`;
  if (!best) return md + 'No run finished.\n' + failedSection(records) + pendingSection(pending);
  md += `Best: **${best.setup}** (${meanStd(best.f1_mean!, best.f1_std)}).\n\n`;
  const collapsed = ranked.filter((s) => s !== best && s.f1_mean! < 0.8 * best.f1_mean!);
  // Every setup clearly short of the best gets its cause, collapsed or not; a diagnostic ablation
  // whenever it trails the best, however little it costs on this checkpoint.
  const explained = ranked.filter((s) => s !== best && (collapsed.includes(s) || best.f1_mean! - s.f1_mean! > AGREE_POINTS / 100 || (s.f1_mean! < best.f1_mean! && isAblation(settingsOf(s.setup)))));
  if (collapsed.length === 0) md += 'No setup collapsed (all are within 80% of the best mean F1).\n\n';
  if (explained.length) md += `Below: every setup more than ${AGREE_POINTS} points under the best${collapsed.length ? ' (the collapsed ones first)' : ''}, and every diagnostic ablation under it, with what the runs measured and the optimizer's mechanism.\n\n`;
  for (const s of [...explained.filter((x) => collapsed.includes(x)), ...explained.filter((x) => !collapsed.includes(x))]) {
    md += `### ${s.setup}: ${pct(s.f1_mean)} (${((100 * s.f1_mean!) / best.f1_mean!).toFixed(0)}% of the best)\n\n`;
    const steps = Math.max(0, ...records.filter((r) => r.setup === s.setup && r.status === 'ok').map((r) => r.steps ?? 0));
    const control = isAblation(settingsOf(s.setup)) ? controlOf(s, ranked, settingsOf) : undefined;
    for (const line of diagnosis(s, best, settingsOf(s.setup), settingsOf(best.setup), steps || undefined, control)) md += `- ${line}\n`;
    md += '\n';
  }
  md += gapSection(records, best.setup, ranked.map((s) => s.setup));
  return md + failedSection(records) + pendingSection(pending);
}

/** The setups with a mean test F1, best first. */
const rank = (summaries: SetupSummary[]) => summaries.filter((s) => s.f1_mean !== null).sort((a, b) => b.f1_mean! - a.f1_mean!);

const settingsLookup = (cfg: CompareConfig) => (name: string) => resolved(cfg, cfg.setups.find((x) => x.name === name)!);

/**
 * The differences the study reads, each once: every setup against the best, every diagnostic
 * ablation against its control, and every other pair next to each other in the ranking (what
 * ordering the setups claims).
 */
export function contrasts(cfg: CompareConfig, summaries: SetupSummary[]): Contrast[] {
  const ranked = rank(summaries);
  const settingsOf = settingsLookup(cfg);
  const pooled = pooledSpread(summaries);
  const out: Contrast[] = [];
  const seen = new Set<string>();
  const add = (a: SetupSummary, b: SetupSummary, kind: Contrast['kind']) => {
    const [higher, lower] = a.f1_mean! >= b.f1_mean! ? [a, b] : [b, a];
    const key = [a.setup, b.setup].sort().join('\0');
    if (seen.has(key)) return;
    seen.add(key);
    out.push(contrast(higher, lower, kind, pooled));
  };
  for (const s of ranked.slice(1)) add(ranked[0]!, s, 'best');
  for (const s of ranked.filter((x) => isAblation(settingsOf(x.setup)))) {
    const control = controlOf(s, ranked, settingsOf);
    if (control) add(control.summary, s, 'control');
  }
  // An ablation is read against its control, not ranked among the optimizers.
  const optimizers = ranked.filter((x) => !isAblation(settingsOf(x.setup)));
  optimizers.slice(1).forEach((s, i) => add(optimizers[i]!, s, 'neighbour'));
  return out;
}

function failedSection(records: RunRecord[]): string {
  const failed = records.filter((r) => r.status === 'failed');
  return failed.length ? `\n## Failed runs\n\n${failed.map((r) => `- ${r.setup} seed ${r.seed}: ${r.error}`).join('\n')}\n` : '';
}

function pendingSection(pending: PendingRun[]): string {
  const line = (r: PendingRun) => `- ${r.setup} seed ${r.seed}${r.failed ? ' (failed before: the next run of the grid retries it)' : ''}`;
  return pending.length ? `\n## Still to run\n\n${pending.map(line).join('\n')}\n` : '';
}

/** "headInit "bert" (adamw: "torch"), dropout 0.1 (adamw: 0)": what a setup trains with that the best does not; seeds and recording settings aside. */
function settingsDiff(settings: TrainConfig, best: TrainConfig, bestName: string): string {
  return differingKeys(settings, best).map((k) => `${k} ${show(settings[k])} (${bestName}: ${show(best[k])})`).join(', ');
}

const show = (v: unknown) => JSON.stringify(v) ?? 'unset';

/** The settings two setups train with differently; seeds and recording settings aside. */
function differingKeys(a: TrainConfig, b: TrainConfig): (keyof TrainConfig)[] {
  const skip = new Set(['seed', 'out', 'logEvery', 'evalEvery', 'saveEvery']);
  return (Object.keys({ ...a, ...b }) as (keyof TrainConfig)[]).filter((k) => !skip.has(k) && show(a[k]) !== show(b[k]));
}

/** A setup's settings with the schema's defaults filled in: what its runs actually trained with. */
function resolved(cfg: CompareConfig, setup: Setup): TrainConfig {
  return { ...TRAIN_DEFAULTS, ...setupSettings(cfg, setup) };
}

/** "seeds 1", or "seeds 1 (1, 2, 3 for a, b)" when some setups run their own. */
function seedsLine(cfg: CompareConfig): string {
  const own = new Map<string, string[]>();
  for (const setup of cfg.setups) {
    const seeds = seedsOf(cfg, setup).join(', ');
    if (seeds !== cfg.seeds.join(', ')) own.set(seeds, [...(own.get(seeds) ?? []), setup.name]);
  }
  const extra = [...own].map(([seeds, names]) => `${seeds} for ${names.join(', ')}`).join('; ');
  return `seeds ${cfg.seeds.join(', ')}${extra ? ` (${extra})` : ''}`;
}

/** Row by row against the reference figures the config gives, with what explains each difference. */
function referenceSection(cfg: CompareConfig, summaries: SetupSummary[]): string {
  const rows = summaries.filter((s) => s.reference !== null);
  if (rows.length === 0) return '';
  const verdict = (c: ReferenceComparison) =>
    c.verdict === 'within' ? `within ±${AGREE_POINTS} points` : c.verdict === 'spread' ? 'inside the spread of our seeds' : 'differs (see below)';
  let md = `\n## Against the reference\n\n${cfg.referenceSource ? `Reference: ${cfg.referenceSource}. ` : ''}Δ = our mean test F1 − the reference's, in points. "95% range": where one more run of ours would fall with 95% probability (mean ± t·s·√(1 + 1/n) over our n seeds); a one-seed reference inside it is no evidence that the implementations differ.\n\n`;
  md += `| setup | ours: test F1 | reference | Δ | 95% range (one run) | ours: drift | reference drift | verdict |\n|---|---|---|---|---|---|---|---|\n`;
  for (const s of rows) {
    const c = s.reference!;
    const range = c.f1_interval ? `${pct(Math.max(0, c.f1_interval[0]))}–${pct(Math.min(1, c.f1_interval[1]))}` : '– (1 seed)';
    md += `| ${s.setup} | ${meanStd(s.f1_mean!, s.f1_std)} | ${pct(c.reference_f1)} | ${c.f1_delta >= 0 ? '+' : ''}${(100 * c.f1_delta).toFixed(1)} | ${range} | ${s.drift_mean?.toFixed(3) ?? '–'} | ${c.reference_drift?.toFixed(3) ?? '–'} | ${verdict(c)} |\n`;
  }
  // Rows can each sit inside the seed spread and still lean one way together: say so.
  const deltas = rows.map((s) => s.reference!.f1_delta);
  const under = deltas.filter((d) => d < 0).length;
  md += `\nOurs is under the reference in ${under} of ${rows.length} rows, over in ${deltas.filter((d) => d > 0).length}; mean Δ ${(100 * mean(deltas)!).toFixed(1)} points.\n`;
  const notes = rows.filter((s) => s.reference!.verdict !== 'within');
  if (notes.length) md += '\n';
  for (const s of notes) {
    const note = cfg.setups.find((x) => x.name === s.setup)?.reference?.note;
    const c = s.reference!;
    const n = s.finished;
    const gap = `${(100 * Math.abs(c.f1_delta)).toFixed(1)} points ${c.f1_delta < 0 ? 'under' : 'over'} the reference`;
    const what = c.verdict === 'spread' ? `${gap}, but the reference's ${pct(c.reference_f1)} lies inside the 95% range of our ${n} seeds.` : c.f1_interval ? `${gap}, outside the 95% range of our ${n} seeds.` : `${gap}, one seed each: no spread to judge the gap by.`;
    md += `- **${s.setup}**: ${what}${note ? ` ${note}` : c.verdict === 'differs' ? ' Not explained by a measurement.' : ''}\n`;
  }
  return md;
}

/** Settings that deliberately break a setup (the TF1 Lookahead pitfall, no pretraining). */
/** The settings a diagnostic ablation changes from their (correct) defaults: its control is a setup that differs from it in these alone. */
const ABLATION_KEYS: (keyof TrainConfig)[] = ['lookaheadSlowWeights', 'encoderWeights'];

function isAblation(s: TrainConfig): boolean {
  return ABLATION_KEYS.some((k) => show(s[k]) !== show(TRAIN_DEFAULTS[k]));
}

interface Control {
  summary: SetupSummary;
  /** "encoderWeights "random" (adamw: "checkpoint")". */
  differ: string;
}

/**
 * The finished setup an ablation is measured against: the same settings without the ablation
 * (lookahead-adamw for lookahead-adamw-init, adamw for adamw-random-init), so its cost is not
 * mixed with the best setup's other differences (another optimizer, say).
 */
function controlOf(s: SetupSummary, ranked: SetupSummary[], settingsOf: (name: string) => TrainConfig): Control | undefined {
  const mine = settingsOf(s.setup);
  const c = ranked.find((c) => {
    const differing = c === s || isAblation(settingsOf(c.setup)) ? [] : differingKeys(mine, settingsOf(c.setup));
    return differing.length > 0 && differing.every((k) => ABLATION_KEYS.includes(k));
  });
  return c && { summary: c, differ: settingsDiff(mine, settingsOf(c.setup), c.setup) };
}

/** Every run, so a collapse (drift far from the others) can be told apart from slow learning (drift small). */
function runsTable(records: RunRecord[]): string {
  let md = `\n## Runs\n\n| setup | seed | test F1 | best dev F1 | drift | O predicted | steps | tokens/s | time |\n|---|---|---|---|---|---|---|---|---|\n`;
  for (const r of records) {
    if (r.status !== 'ok') {
      md += `| ${r.setup} | ${r.seed} | failed | – | – | – | – | – | ${dur(r.wall_seconds)} |\n`;
      continue;
    }
    const dev = r.epochs.map((e) => e.dev_f1).filter((x): x is number => typeof x === 'number');
    md += `| ${r.setup} | ${r.seed} | ${pct(r.test?.f1 ?? null)} | ${pct(dev.length ? Math.max(...dev) : null)} | ${r.drift?.toFixed(3) ?? '–'} | ${share(r.outside_fraction)} | ${r.steps ?? '–'} | ${r.tokens_per_second?.toFixed(0) ?? '–'} | ${dur(r.wall_seconds)}${r.resumed_from_step ? ` (from step ${r.resumed_from_step}: resumed)` : ''} |\n`;
  }
  return md;
}
