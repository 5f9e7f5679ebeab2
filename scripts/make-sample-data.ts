/** Regenerates data/sample-{zh,en}/{train,dev,test}.txt and data/examples/ (deterministic). Run: npm run sample-data */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateExamplePredictions, generateSample, SAMPLE_SPLITS, type SampleLanguage } from '../src/data/sample.js';

const root = new URL('../../', import.meta.url).pathname;
for (const language of ['zh', 'en'] as SampleLanguage[]) {
  const dir = join(root, 'data', `sample-${language}`);
  mkdirSync(dir, { recursive: true });
  for (const split of SAMPLE_SPLITS) {
    writeFileSync(join(dir, `${split.name}.txt`), generateSample(language, split));
  }
  console.log(`wrote ${dir}`);
}
mkdirSync(join(root, 'data', 'examples'), { recursive: true });
writeFileSync(join(root, 'data', 'examples', 'predictions.txt'), generateExamplePredictions());
console.log(`wrote ${join(root, 'data', 'examples', 'predictions.txt')}`);
