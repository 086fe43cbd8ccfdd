// Runs every *.test.ts under test/ (or the paths given) with node's test runner through tsx.
// Node 20's runner does not discover .ts files itself, so we list them.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(path, out) {
  const st = statSync(path);
  if (st.isFile()) { if (path.endsWith('.test.ts')) out.push(path); return; }
  for (const name of readdirSync(path).sort()) {
    if (name === 'node_modules' || name === 'build' || name.startsWith('.')) continue;
    collect(join(path, name), out);
  }
}

const roots = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = [];
for (const r of roots.length ? roots : ['test']) collect(r, files);
if (files.length === 0) { console.error('no test files found'); process.exit(1); }
const res = spawnSync(process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit' });
process.exit(res.status ?? 1);
