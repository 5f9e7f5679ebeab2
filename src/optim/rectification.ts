/**
 * RAdam's rectification (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and
 * Beyond", eq. 7), tensor-free so the report's explanations can quantify it:
 *   ρ∞ = 2/(1-β2) - 1;  ρt = ρ∞ - 2 t β2ᵗ / (1-β2ᵗ);
 *   r = √((1-β2ᵗ)(ρt-4)(ρt-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρt)) / (1-β1ᵗ) once ρt is past the threshold.
 * ρt and the step size at 1-based step t; stepSize null = no update (degenerate phase without SGD).
 */
export function rectification(t: number, beta1: number, beta2: number, threshold: number, inclusive: boolean, sgd: boolean) {
  const rhoInf = 2 / (1 - beta2) - 1;
  const bc2 = 1 - beta2 ** t;
  const rho = rhoInf - (2 * t * beta2 ** t) / bc2;
  const bc1 = 1 - beta1 ** t;
  if (inclusive ? rho >= threshold : rho > threshold) {
    const r = Math.sqrt((bc2 * (rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
    return { rho, rectified: true, stepSize: r / bc1 };
  }
  return { rho, rectified: false, stepSize: sgd ? 1 / bc1 : null };
}

/** RAdam's rectified step over bias-corrected Adam's √(1-β2ᵗ)/(1-β1ᵗ) at step t (β1 cancels); 0 while ρt ≤ 5. */
export function rectifiedShare(t: number, beta2: number): number {
  const beta1 = 0.9;
  const { rectified, stepSize } = rectification(t, beta1, beta2, 5, false, false);
  return rectified ? (stepSize! * (1 - beta1 ** t)) / Math.sqrt(1 - beta2 ** t) : 0;
}
