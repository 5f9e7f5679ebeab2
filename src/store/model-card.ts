import { snakeKeys } from '../util/json-keys.js';
import type { CorpusSummary } from './data-summary.js';
import type { ModelInfo, ScoreSummary } from './model-info.js';

/**
 * The README.md of a run folder: a Hugging Face model card (YAML front matter with library,
 * task, labels, datasets and metrics, then what the model is, its data, scores and training config),
 * so the folder reads like a hub model and `ner info` and the card cannot disagree.
 */
const yamlString = (s: string) => JSON.stringify(s);
const pct = (x: number) => (100 * x).toFixed(2);

function frontMatter(m: ModelInfo): string[] {
  const corpora = m.data ? [m.data.train, m.data.dev, m.data.test].filter((c): c is CorpusSummary => c !== null) : [];
  const results = (['dev', 'test'] as const).flatMap((split) => {
    const s = m.scores[split];
    if (!s) return [];
    return [
      `      - task: { type: token-classification, name: Named-entity recognition }`,
      `        dataset: { type: conll, name: ${yamlString(s.file ?? split)}, split: ${split} }`,
      `        metrics:`,
      ...(['f1', 'precision', 'recall'] as const).map((k) => `          - { type: ${k}, value: ${s[k]}, name: ${yamlString(`entity ${k}, seqeval default mode`)} }`),
    ];
  });
  return [
    '---',
    'library_name: ner',
    'pipeline_tag: token-classification',
    'tags: [token-classification, ner, bert, ' + (m.architecture.crf ? 'crf' : 'softmax') + ']',
    ...(corpora.length ? ['datasets:', ...[...new Set(corpora.map((c) => c.file))].map((f) => `  - ${yamlString(f)}`)] : []),
    'metrics: [f1, precision, recall]',
    `labels: [${m.labels.map(yamlString).join(', ')}]`,
    ...(results.length ? ['model-index:', `  - name: ${yamlString(m.folder)}`, '    results:', ...results] : []),
    '---',
  ];
}

function scoreLine(name: string, s: ScoreSummary | null): string[] {
  return s ? [`| ${name} | ${s.file ?? ''} | ${pct(s.precision)} | ${pct(s.recall)} | ${pct(s.f1)} |`] : [];
}

export function modelCard(m: ModelInfo): string {
  const a = m.architecture;
  const head = `${a.lstmHidden > 0 ? `BiLSTM ${a.lstmHidden} + ` : ''}${a.crf ? 'CRF' : 'softmax'}`;
  const corpora = m.data ? ([['train', m.data.train], ['dev', m.data.dev], ['test', m.data.test]] as const) : [];
  return [
    ...frontMatter(m),
    '',
    `# ${m.folder}`,
    '',
    `Named-entity recognition trained with \`ner\`: a BERT encoder (${a.encoderLayers} layers, hidden ${a.hiddenSize}, ${a.attentionHeads} heads, vocabulary ${a.vocabSize}) + ${head}.`,
    `Labels in ${m.scheme}${m.fileScheme !== m.scheme ? ` (predictions are written back in the data's ${m.fileScheme})` : ''}, ${m.labels.length} of them; windows of ${m.maxLen} word pieces; decoding ${m.constrain ? 'constrained to valid transitions' : 'unconstrained'}.`,
    '',
    '```sh',
    `npx ner predict --model ${m.folder} --input texts.txt`,
    `npx ner eval --model ${m.folder} --data test.txt`,
    '```',
    '',
    '## Data',
    '',
    '| split | file | sentences | tokens | longer than max-len | entities |',
    '|---|---|---|---|---|---|',
    ...corpora.flatMap(([name, c]) =>
      c ? [`| ${name} | ${c.file} | ${c.sentences} | ${c.tokens} | ${c.overMaxLen} | ${Object.entries(c.entities).map(([t, n]) => `${t} ${n}`).join(', ')} |`] : [],
    ),
    '',
    `## Scores (entity level, seqeval default mode, %${m.scores.bestEpoch ? `; best epoch ${m.scores.bestEpoch}` : ''})`,
    '',
    '| split | file | precision | recall | F1 |',
    '|---|---|---|---|---|',
    ...scoreLine('dev', m.scores.dev),
    ...scoreLine('test', m.scores.test),
    '',
    '## Training config',
    '',
    '```json',
    JSON.stringify(snakeKeys(m.config), null, 2),
    '```',
    '',
    `Versions: ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
  ].join('\n');
}
