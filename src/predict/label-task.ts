/**
 * Labelling raw texts inside a replica thread (ner serve): the task module a labelling pool is
 * started with (parallel/protocol.ts TaskInit). The thread builds the model's tokenizer once and
 * runs `Predictor.labelTexts` — tokenising, windowing, decoding — so the main thread's event loop
 * only serves HTTP. Same code, same weights: the same results as labelling on the main thread.
 */
import type { TaskFactory } from '../parallel/protocol.js';
import { buildTokenizer, type TokenizerFiles } from '../tokenizer/wordpiece.js';
import { Predictor, type LabelledText, type PredictorOptions } from './predictor.js';

/** How a call cuts its windows into batches (it comes with each task). */
export type Batching = Pick<PredictorOptions, 'batchSize' | 'batchOverhead'>;

/** Given once to each thread: the model's tokenizer and the predictor's other settings. */
export interface LabelTaskData {
  tokenizer: TokenizerFiles;
  embeddingRows: number;
  options: Omit<PredictorOptions, 'decoder' | keyof Batching>;
}

export interface LabelTask {
  texts: string[];
  batching: Batching;
}

export const LABEL_TASK_MODULE = import.meta.url;

export const taskHandler: TaskFactory = (tagger, data) => {
  const d = data as LabelTaskData;
  const tokenizer = buildTokenizer(d.tokenizer, d.embeddingRows);
  const predictors = new Map<string, Predictor>();
  return async (task): Promise<LabelledText[]> => {
    const { texts, batching } = task as LabelTask;
    const key = JSON.stringify(batching);
    let predictor = predictors.get(key);
    if (!predictor) predictors.set(key, (predictor = new Predictor(tagger, tokenizer, { ...d.options, ...batching })));
    return predictor.labelTexts(texts);
  };
};
