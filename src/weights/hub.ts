import { downloadFile } from '@huggingface/hub';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError, RuntimeFailure } from '../errors.js';

/**
 * Hugging Face hub models, downloaded once with @huggingface/hub into
 * `$NER_CACHE/hub/<repo>/<revision>/` (default ~/.cache/ner). A folder with a complete download
 * is used without touching the network, so cached models work offline. `HF_ENDPOINT` points at a
 * mirror, `HF_TOKEN` authorises private repositories.
 */
export const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

/** Files of a BERT model repository: one of each group is needed; the first present is taken. */
const GROUPS: { files: string[]; required: boolean }[] = [
  { files: ['config.json'], required: true },
  { files: ['model.safetensors', 'pytorch_model.bin'], required: true },
  { files: ['tokenizer.json', 'vocab.txt'], required: true },
  { files: ['tokenizer_config.json'], required: false },
  { files: ['special_tokens_map.json'], required: false },
];
const COMPLETE = '.ner-complete.json';

/** The local folder of a model source: the folder itself, or a hub id's cached download. */
export async function modelFolder(source: string): Promise<string> {
  if (!existsSync(source)) {
    if (!HUB_ID.test(source)) throw new InputError(source, undefined, 'no such model folder, and not a hub id (like bert-base-chinese or org/name)');
    return ensureHubModel(source);
  }
  if (!statSync(source).isDirectory()) throw new InputError(source, undefined, 'is a file; pass the model folder that contains it');
  return source;
}

export function cacheRoot(): string {
  return process.env.NER_CACHE || join(homedir(), '.cache', 'ner');
}

export function hubCacheDir(repo: string, revision = 'main'): string {
  return join(cacheRoot(), 'hub', ...repo.split('/'), revision);
}

/** Returns a local folder holding the model, downloading what is missing. */
export async function ensureHubModel(repo: string, revision = 'main'): Promise<string> {
  const dir = hubCacheDir(repo, revision);
  if (existsSync(join(dir, COMPLETE))) return dir;
  mkdirSync(dir, { recursive: true });
  const fetched: string[] = [];
  const needed = GROUPS.filter((g) => g.required).map((g) => g.files.join(' or '));
  try {
    for (const group of GROUPS) {
      let got: string | undefined;
      for (const file of group.files) {
        if (existsSync(join(dir, file)) || (await download(repo, revision, file, dir))) {
          got = file;
          break;
        }
      }
      if (got) fetched.push(got);
      else if (group.required) throw new RuntimeFailure(`${repo} has none of ${group.files.join(', ')} on the hub; is it a BERT model repository?`);
    }
  } catch (err) {
    if (err instanceof RuntimeFailure) throw err;
    throw new RuntimeFailure(
      `cannot download ${repo} from the Hugging Face hub (${(err as Error).message}). ` +
        `Offline, put ${needed.join('; ')} (and tokenizer_config.json if the model has one) in ${dir}/, or pass a local folder to --model.`,
    );
  }
  writeFileSync(join(dir, COMPLETE), JSON.stringify({ repo, revision, files: fetched }, null, 2));
  return dir;
}

/** Downloads one file atomically; false when the repository has no such file. */
async function download(repo: string, revision: string, file: string, dir: string): Promise<boolean> {
  const blob = await downloadFile({
    repo,
    path: file,
    revision,
    ...(process.env.HF_ENDPOINT ? { hubUrl: process.env.HF_ENDPOINT } : {}),
    ...(process.env.HF_TOKEN ? { accessToken: process.env.HF_TOKEN } : {}),
  });
  if (!blob) return false;
  const tmp = join(dir, `.${file}.part`);
  try {
    await pipeline(Readable.fromWeb(blob.stream() as import('node:stream/web').ReadableStream), createWriteStream(tmp));
    renameSync(tmp, join(dir, file));
  } finally {
    rmSync(tmp, { force: true });
  }
  return true;
}

/** What a completed cache folder says it holds (for reports). */
export function cachedFiles(dir: string): string[] {
  const p = join(dir, COMPLETE);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { files: string[] }).files : [];
}
