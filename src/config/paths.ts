import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

/** Settings that name files or folders. */
const PATH_KEYS = ['train', 'dev', 'test', 'out'] as const;

/** `model` is a path when it starts with . or /, or names something that exists there; else a hub id or "scratch". */
function isModelPath(model: string, dir: string): boolean {
  return model.startsWith('.') || isAbsolute(model) || (model !== 'scratch' && existsSync(resolve(dir, model)));
}

/**
 * Paths written in a config file are relative to that file's folder (not to where `ner` runs),
 * so a config works from any working directory; flags stay relative to the working directory.
 */
export function resolveConfigPaths(values: Record<string, unknown>, configFile: string): Record<string, unknown> {
  const dir = dirname(resolve(configFile));
  const out = { ...values };
  for (const key of PATH_KEYS) {
    const v = out[key];
    if (typeof v === 'string' && v !== '') out[key] = resolve(dir, v);
  }
  if (typeof out.model === 'string' && isModelPath(out.model, dir)) out.model = resolve(dir, out.model);
  return out;
}
