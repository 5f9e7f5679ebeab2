import { readFileSync } from 'node:fs';
import { parseSafetensors } from './safetensors.js';
import type { WeightMap } from '../spec/host-tensor.js';
import { readTfCheckpoint } from './tf-checkpoint.js';
import { parseTorchCheckpoint } from './torch.js';

export type CheckpointFormat = 'safetensors' | 'pytorch' | 'tf-checkpoint';

/** One checkpoint format: how to recognise it in a folder's file list and how to read its weights. */
export interface FormatReader {
  format: CheckpointFormat;
  /** The config file and weights file (or TF checkpoint prefix) of this format among `files`, or undefined. */
  find(files: readonly string[]): { config: string; weights: string } | undefined;
  read(weightsPath: string): { weights: WeightMap; skipped: string[] };
  /** Linear kernels are stored [in, out] under TF names (else PyTorch's [out, in] under HF names). */
  tfLayout: boolean;
}

const hfFolder = (weights: string) => (files: readonly string[]) => (files.includes('config.json') && files.includes(weights) ? { config: 'config.json', weights } : undefined);

/** In order of preference: the first format a folder holds is read. */
export const FORMATS: readonly FormatReader[] = [
  { format: 'safetensors', find: hfFolder('model.safetensors'), read: (p) => parseSafetensors(readFileSync(p)), tfLayout: false },
  { format: 'pytorch', find: hfFolder('pytorch_model.bin'), read: (p) => parseTorchCheckpoint(readFileSync(p)), tfLayout: false },
  {
    format: 'tf-checkpoint',
    find: (files) => {
      const index = files.find((f) => /\.ckpt(-\d+)?\.index$/.test(f));
      const config = files.includes('bert_config.json') ? 'bert_config.json' : files.includes('config.json') ? 'config.json' : undefined;
      return index && config ? { config, weights: index.replace(/\.index$/, '') } : undefined;
    },
    read: readTfCheckpoint,
    tfLayout: true,
  },
];
