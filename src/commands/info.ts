import { Command } from 'commander';
import { readModelInfo, type ModelInfo } from '../store/model-info.js';
import { snakeKeys } from '../util/json-keys.js';
import { printJson, printText } from './output.js';

export function infoCommand(): Command {
  return new Command('info')
    .description('What a model folder of `ner train` holds: architecture, labels, scheme, max-len, training data, scores.')
    .argument('<model>', 'model folder')
    .option('--json', 'print it as JSON')
    .action((folder: string, opts: { json?: boolean }) => {
      const info = readModelInfo(folder);
      if (opts.json) printJson(snakeKeys(info));
      else printText(infoText(info));
    });
}

function infoText(m: ModelInfo): string {
  const a = m.architecture;
  const pct = (x: number) => (100 * x).toFixed(2);
  const lines = [
    `model: ${m.folder}`,
    `architecture: BERT ${a.encoderLayers} layers × hidden ${a.hiddenSize} (${a.attentionHeads} heads, vocabulary ${a.vocabSize}) + ${a.lstmHidden > 0 ? `BiLSTM ${a.lstmHidden} + ` : ''}${a.crf ? 'CRF' : 'softmax'}`,
    `labels (${m.labels.length}, ${m.scheme}${m.fileScheme !== m.scheme ? `; data in ${m.fileScheme}` : ''}): ${m.labels.join(' ')}`,
    `max-len: ${m.maxLen} word pieces; decoding ${m.constrain ? 'constrained' : 'unconstrained'}`,
  ];
  if (m.data) {
    for (const [name, c] of [['train', m.data.train], ['dev', m.data.dev], ['test', m.data.test]] as const) {
      if (c) lines.push(`${name}: ${c.file} (${c.sentences} sentences, ${c.tokens} tokens)`);
    }
  } else {
    lines.push(`data: ${String(m.config.train)} (sizes not recorded by the version that trained it)`);
  }
  for (const split of ['dev', 'test'] as const) {
    const s = m.scores[split];
    if (s) lines.push(`${split} scores: precision ${pct(s.precision)}  recall ${pct(s.recall)}  F1 ${pct(s.f1)}`);
  }
  return lines.join('\n');
}
