// Xen's public headers as Debian ships them (libxen-dev), the reference the hypercall table
// is tested against. The package is fetched with `apt-get download` into a cache outside the
// repository (PARAVIRT_CACHE, default ~/.cache/paravirt) and unpacked there once.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const PACKAGE = 'libxen-dev';

/** The directory holding xen/xen.h (Xen's include/public), fetching the package on first use. */
export function xenPublicHeaders(): string {
  const cache = join(process.env.PARAVIRT_CACHE ?? join(homedir(), '.cache', 'paravirt'), 'debs');
  const root = join(cache, PACKAGE);
  const include = join(root, 'usr', 'include');
  if (existsSync(join(include, 'xen', 'xen.h'))) return include;
  mkdirSync(cache, { recursive: true });
  let deb = readdirSync(cache).find((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'));
  if (!deb) {
    try {
      execFileSync('apt-get', ['download', PACKAGE], { cwd: cache, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new Error(`cannot fetch ${PACKAGE} with apt-get download (run apt-get update first?): ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? e}`);
    }
    deb = readdirSync(cache).find((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${PACKAGE} left no .deb in ${cache}`);
  }
  execFileSync('dpkg-deb', ['-x', join(cache, deb), root]);
  return include;
}
