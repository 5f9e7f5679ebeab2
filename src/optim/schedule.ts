/**
 * Learning-rate schedules as a factor of the base rate, evaluated at the 0-based step about to be
 * taken (the first update uses step 0, as BERT's global_step and a scheduler stepped after the
 * optimizer both do).
 */
export const SCHEDULES = ['constant', 'bert', 'linear', 'cosine'] as const;
export type ScheduleKind = (typeof SCHEDULES)[number];

export interface ScheduleOptions {
  /**
   * constant: warmup then flat. bert: google-research/bert create_optimizer (warmup to the base
   * rate, else polynomial decay from step 0, so the rate drops at the end of warmup). linear:
   * Hugging Face get_linear_schedule_with_warmup (decay from the end of warmup to 0 at totalSteps).
   * cosine: get_cosine_schedule_with_warmup (half a cosine from the end of warmup).
   */
  kind: ScheduleKind;
  warmupSteps: number;
  /** Needed by bert, linear and cosine. */
  totalSteps: number;
}

export const CONSTANT_SCHEDULE: ScheduleOptions = { kind: 'constant', warmupSteps: 0, totalSteps: 0 };

export function scheduleFactor(s: ScheduleOptions, step: number): number {
  const warm = s.warmupSteps;
  switch (s.kind) {
    case 'constant':
      return step < warm ? step / warm : 1;
    case 'bert':
      // optimization.py: polynomial_decay(init_lr, global_step, num_train_steps, end 0, power 1),
      // replaced by init_lr * global_step / num_warmup_steps while global_step < num_warmup_steps.
      return step < warm ? step / warm : 1 - Math.min(step, s.totalSteps) / s.totalSteps;
    case 'linear':
      return step < warm ? step / Math.max(1, warm) : Math.max(0, (s.totalSteps - step) / Math.max(1, s.totalSteps - warm));
    case 'cosine': {
      if (step < warm) return step / Math.max(1, warm);
      const progress = (step - warm) / Math.max(1, s.totalSteps - warm);
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
  }
}

/** Checks a schedule and says what is wrong; undefined when fine. */
export function scheduleProblem(s: ScheduleOptions): string | undefined {
  if (!(SCHEDULES as readonly string[]).includes(s.kind)) return `unknown schedule '${s.kind}'; expected one of ${SCHEDULES.join(', ')}`;
  if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0) return `warmupSteps must be a whole number ≥ 0 (got ${s.warmupSteps})`;
  if (s.kind !== 'constant' && (!Number.isInteger(s.totalSteps) || s.totalSteps <= 0)) {
    return `the ${s.kind} schedule needs totalSteps, a whole number > 0 (got ${s.totalSteps})`;
  }
  if (s.kind !== 'constant' && s.warmupSteps > s.totalSteps) return `warmupSteps (${s.warmupSteps}) exceeds totalSteps (${s.totalSteps})`;
  return undefined;
}
