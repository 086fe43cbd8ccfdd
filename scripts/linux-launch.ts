// A launch.json for debugging Debian's kernel (README, "Debugging Linux"): fetches what is
// missing into the cache (scripts/fetch-debs.sh: the cloud kernel, its debug vmlinux, busybox,
// linux-source's arch/x86 and init/), builds the busybox initramfs there, and prints one
// configuration per mode (HVM, 64-bit PV, PVH) with those files' absolute paths.
//   node --import tsx scripts/linux-launch.ts > my-folder/.vscode/launch.json

import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { cloudFixture } from '../test/linux/debian-kernel';

const fx = cloudFixture();
if (typeof fx === 'string') {
  process.stderr.write(`linux-launch: ${fx}\n`);
  process.exit(1);
}
let source: string;
try {
  source = dirname(dirname(execFileSync('bash', [join(__dirname, 'fetch-linux-source.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()));
} catch {
  process.stderr.write('linux-launch: Debian\'s linux-source could not be fetched (scripts/fetch-linux-source.sh says why above)\n');
  process.exit(1);
}
const release = /^linux-image-(.*)-dbg$/.exec(fx.debugPackage)?.[1] ?? fx.debugPackage;
// Debian records C paths relative to its build directory and assembly paths under the
// package's build path; both map onto linux-source's tree.
const version = /^linux-source-[\d.]+_([\d.]+)/.exec(source.split('/').pop() ?? '')?.[1];
const sourceMap: Record<string, string> = { 'debian/build/build_amd64_none_cloud-amd64': source };
if (version) sourceMap[`/build/reproducible-path/linux-${version}`] = source;
const common = { program: fx.kernelPath, symbols: fx.vmlinuxPath, initrd: fx.initrdPath, memory: 256, sourceMap };
const configurations = [
  { type: 'paravirt', request: 'launch', name: `Linux ${release} (HVM)`, mode: 'hvm', ...common, cmdline: 'console=ttyS0 panic=-1 nokaslr' },
  { type: 'paravirt', request: 'launch', name: `Linux ${release} (PV)`, mode: 'pv', ...common, cmdline: 'console=hvc0' },
  { type: 'paravirt', request: 'launch', name: `Linux ${release} (PVH)`, mode: 'pvh', ...common, cmdline: 'console=hvc0' },
];
process.stdout.write(JSON.stringify({ version: '0.2.0', configurations }, null, 2) + '\n');
