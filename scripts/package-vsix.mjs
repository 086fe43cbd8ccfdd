// npm run package: bundles with esbuild (scripts/build.mjs) and packs paravirt-<version>.vsix
// with @vscode/vsce, offline. Dependencies are not collected by vsce (everything the
// extension runs is bundled into dist/), except iced-x86, whose module loads its .wasm from
// beside itself at run time.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`package: ${cmd} ${args.join(' ')} failed`); process.exit(r.status ?? 1); }
}

const { version, name } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = process.argv[2] ?? `${name}-${version}.vsix`;
run(process.execPath, ['scripts/build.mjs']);
// The bundles resolve iced-x86 from next to themselves first (dist/node_modules), so only its
// module, .wasm and licence go in, not the rest of node_modules.
const iced = 'dist/node_modules/iced-x86';
rmSync(iced, { recursive: true, force: true });
mkdirSync(iced, { recursive: true });
for (const f of ['package.json', 'iced_x86.js', 'iced_x86_bg.wasm', 'LICENSE.txt']) cpSync(`node_modules/iced-x86/${f}`, `${iced}/${f}`);
run(process.execPath, [
  'node_modules/@vscode/vsce/vsce', 'package', '--no-dependencies', '--allow-missing-repository',
'--no-update-package-json', '--no-rewrite-relative-links', '--out', out,
]);
console.log(`package: ${out} ${(statSync(out).size / 1024 / 1024).toFixed(2)} MiB`);
