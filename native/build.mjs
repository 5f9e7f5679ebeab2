// npm install / npm ci hook: builds native/blas.c (the OpenBLAS matrix-product kernel) with node-gyp.
// Optional by design: where a compiler, Node's headers or libopenblas-dev are missing, it prints one
// line saying so and exits 0, and `ner` runs on the stock wasm kernels (and says why at start-up).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const status = join(root, 'build', 'native-status.json');
const record = (ok, reason) => {
  mkdirSync(dirname(status), { recursive: true });
  writeFileSync(status, JSON.stringify({ ok, reason, date: new Date().toISOString() }) + '\n');
};

if (process.env.NER_BLAS === 'off') {
  record(false, 'NER_BLAS=off at install');
  console.log('ner: native BLAS kernel not built (NER_BLAS=off)');
  process.exit(0);
}

/** node-gyp: the one npm runs scripts with, else npm's bundled copy next to this node. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  for (const base of [join(dirname(process.execPath), '..', 'lib'), '/usr/lib', '/usr/local/lib']) {
    const p = join(base, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(p)) return p;
  }
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

const gyp = nodeGyp();
if (!gyp) {
  record(false, 'node-gyp not found');
  console.log('ner: native BLAS kernel not built (node-gyp not found); ner will use the stock wasm kernels');
  process.exit(0);
}
// Node's own headers (include/node/node_api.h beside the binary) let node-gyp build offline.
const prefix = join(dirname(process.execPath), '..');
const args = [gyp, 'rebuild', '--release'];
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
if (run.status === 0) {
  record(true, 'built');
  console.log('ner: native BLAS kernel built (build/Release/ner_blas.node)');
} else {
  const text = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
  const reason = /cblas\.h|lopenblas|openblas/i.test(text)
    ? 'OpenBLAS development files are missing (Debian/Ubuntu: apt-get install libopenblas-dev, then npm rebuild ner or npm ci)'
    : `node-gyp failed: ${text.split('\n').filter((l) => /error/i.test(l))[0] ?? `exit ${run.status}`}`.slice(0, 300);
  record(false, reason);
  console.log(`ner: native BLAS kernel not built: ${reason}; ner will use the stock wasm kernels`);
}
