/**
 * Brings a grid's finished runs back from a kept results.json, so that on a new machine (its run
 * folders gone) the grid trains only what the copy lacks. Run: node dist/scripts/restore-runs.js
 * CONFIG RESULTS_JSON OUT   (e.g. configs/compare-full.json results/full-protocol/results.json OUT/grid)
 */
import { loadCompareConfig } from '../src/compare/config.js';
import { restoreRuns } from '../src/compare/restore.js';
import { UsageError } from '../src/errors.js';

const [config, results, out] = process.argv.slice(2);
if (!config || !results || !out) {
  console.error('usage: node dist/scripts/restore-runs.js CONFIG RESULTS_JSON OUT');
  process.exit(2);
}
try {
  const { restored, skipped } = restoreRuns(loadCompareConfig(config), out, results);
  console.log(`${restored.length} finished run(s) restored from ${results} into ${out}${restored.length ? `: ${restored.join(', ')}` : ''}`);
  for (const s of skipped) console.log(`not restored, will train: ${s}`);
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`restore-runs: ${e.message}`);
  process.exit(2);
}
