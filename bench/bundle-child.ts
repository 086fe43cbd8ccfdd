// Bundles bench/child.ts with esbuild, as the product's entry points are bundled, so each
// child runs on plain node: its RSS then holds the engine and not a TypeScript loader
// (tsx alone adds about 45 MB). v86 stays external and loads from node_modules.
import { build } from 'esbuild';
import { join } from 'node:path';
import { BENCH_DIR, CACHE_DIR } from './build-guests';

export const CHILD_BUNDLE = join(CACHE_DIR, 'child.js');

export async function bundleChild(): Promise<string> {
  await build({
    entryPoints: [join(BENCH_DIR, 'child.ts')],
    outfile: CHILD_BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['v86'],
    logLevel: 'silent',
  });
  return CHILD_BUNDLE;
}
