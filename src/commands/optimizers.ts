import { Command } from 'commander';
import { optimizerSpecs } from '../optim/registry.js';
import { printJson, printText } from './output.js';

export function optimizersCommand(): Command {
  return new Command('optimizers')
    .description('List every optimizer name with its defaults and the reference its equations follow.')
    .option('--json', 'print the list as JSON')
    .action((opts: { json?: boolean }) => {
      const specs = optimizerSpecs().map((s) => ({ name: s.name, summary: s.summary, source: s.source, defaults: s.defaults, options: s.keys }));
      if (opts.json) return printJson(specs);
      const width = Math.max(...specs.map((s) => s.name.length));
      const lines = specs.flatMap((s) => [
        `${s.name.padEnd(width)}  ${s.summary}`,
        `${''.padEnd(width)}  defaults: ${Object.entries(s.defaults).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('|') : String(v)}`).join(', ')}`,
        `${''.padEnd(width)}  source: ${s.source}`,
        '',
      ]);
      printText(lines.join('\n'));
    });
}
