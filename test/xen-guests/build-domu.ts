// Builds one of our Xen domU kernels (test/guests/mini-domu, test/guests/xen-services) with
// make, against Xen's public headers from libxen-dev (scripts/fetch-debs.sh caches them), in
// both flavours: build/<name>-pv.elf (64-bit PV) and build/<name>-pvh.elf (PVH).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');

/** The two kernels' paths; a string saying why when Xen's headers cannot be fetched. */
export function buildDomu(dir: string, name: string): { pv: string; pvh: string } | string {
  try {
    execFileSync('bash', [join(REPO, 'scripts', 'fetch-debs.sh'), 'libxen-dev'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    return `Xen's public headers (libxen-dev) could not be fetched: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? e}`;
  }
  const at = join(REPO, dir);
  execFileSync('make', ['-s', '-C', at], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pv = join(at, 'build', `${name}-pv.elf`), pvh = join(at, 'build', `${name}-pvh.elf`);
  if (!existsSync(pv) || !existsSync(pvh)) throw new Error(`make built no ${name} kernels`);
  return { pv, pvh };
}
