/** What `ner train` prints about its data before training, and saves with the model. */
export interface CorpusSummary {
  file: string;
  sentences: number;
  tokens: number;
  /** Sentences longer than max-len word pieces (labelled in overlapping windows). */
  overMaxLen: number;
  /** Entities per type (labels in the training scheme). */
  entities: Record<string, number>;
}

export interface DataSummary {
  fileScheme: string;
  scheme: string;
  labels: number;
  train: CorpusSummary;
  dev: CorpusSummary;
  test: CorpusSummary | null;
}
