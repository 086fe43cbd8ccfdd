// Xen's public headers as Debian ships them (libxen-dev), the reference the hypercall table
// is tested against. scripts/fetch-debs.sh (run by scripts/setup.sh) downloads the package
// with `apt-get download` into a cache outside the repository and unpacks it there.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const REPO = new URL('../../', import.meta.url).pathname;

/** The directory holding xen/xen.h (Xen's include/public), fetching the package first if needed. */
export function xenPublicHeaders(): string {
  const include = join(process.env.PARAVIRT_CACHE ?? join(homedir(), '.cache', 'paravirt'), 'debs', 'libxen-dev', 'usr', 'include');
  if (!existsSync(join(include, 'xen', 'xen.h'))) {
    try {
      execFileSync('bash', [join(REPO, 'scripts', 'fetch-debs.sh')], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new Error(`scripts/fetch-debs.sh could not fetch libxen-dev: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? e}`);
    }
  }
  if (!existsSync(join(include, 'xen', 'xen.h'))) throw new Error(`no xen/xen.h under ${include} after scripts/fetch-debs.sh`);
  return include;
}
