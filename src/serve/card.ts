import type { LoadedModel } from '../predict/load.js';
import { readModelInfo, type ModelInfo } from '../store/model-info.js';

/** What the web page shows about the served model (no file paths: the card is public to clients). */
export interface ModelCard {
  kind: LoadedModel['kind'];
  labels: string[];
  /** Entity types, in the order of the labels (the page's legend and colours). */
  types: string[];
  scheme: string;
  maxLen: number;
  replicas: number;
  architecture?: ModelInfo['architecture'];
  scores?: { dev: { precision: number; recall: number; f1: number } | null; test: { precision: number; recall: number; f1: number } | null };
}

const typeOf = (label: string) => label.replace(/^[A-Z]+-/, '');

export function modelCard(source: string, model: LoadedModel): ModelCard {
  const labels = model.tagger.spec.labels;
  const card: ModelCard = {
    kind: model.kind,
    labels: [...labels],
    types: [...new Set(labels.filter((l) => l !== 'O').map(typeOf))],
    scheme: model.scheme,
    maxLen: model.maxLen,
    replicas: model.replicas,
  };
  if (model.kind !== 'ner') return card;
  const info = readModelInfo(source);
  const strip = (s: ModelInfo['scores']['dev']) => (s ? { precision: s.precision, recall: s.recall, f1: s.f1 } : null);
  return { ...card, architecture: info.architecture, scores: { dev: strip(info.scores.dev), test: strip(info.scores.test) } };
}
