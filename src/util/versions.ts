import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import type { BackendInfo } from '../backend.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Versions saved with every model and benchmark, so results can be traced. */
export function versions(backend?: BackendInfo): Record<string, string> {
  return {
    ner: pkg.version,
    tfjs: tf.version.tfjs,
    node: process.version,
    ...(backend ? { backend: backend.label, backend_package: backend.provider, kernels: backend.kernels } : {}),
  };
}
