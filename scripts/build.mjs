// Bundles each entry point into dist/ as CommonJS (what VS Code and the bin need).
import { build } from 'esbuild';
import { existsSync, chmodSync } from 'node:fs';

const entries = [
  { in: 'cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  { in: 'debug-adapter/main.ts', out: 'debug-adapter' },
  { in: 'language-server/main.ts', out: 'language-server' },
  { in: 'extension/extension.ts', out: 'extension' },
];

for (const e of entries) {
  if (!existsSync(e.in)) continue; // folders land one issue at a time
  await build({
    entryPoints: [e.in],
    outfile: `dist/${e.out}.js`,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    external: ['vscode'],
    banner: e.banner ? { js: e.banner } : undefined,
    logLevel: 'warning',
  });
  if (e.banner) chmodSync(`dist/${e.out}.js`, 0o755);
}
