// What the tests that debug Debian's cloud kernel over DAP share (linux-symbols, linux-views,
// linux-views-xen): the fixture, or why a file's tests are skipped; the adapter built once per
// file and every client it started stopped after the file; and the launch attributes that run
// the kernel with its initramfs and take symbols from its debug vmlinux.

import { before, after } from 'node:test';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildAll, removeBuild, startClient, type Built } from '../debug-adapter/harness';
import { cloudFixture, type CloudFixture } from './debian-kernel';

export interface CloudDebug {
  /** Why the file's tests are skipped (the fixture cannot be had, PARAVIRT_LINUX_DEBUG=0), or false. */
  readonly skip: string | false;
  /** The kernel, its debug vmlinux and initramfs (for a test that is not skipped). */
  readonly fixture: CloudFixture;
  /** The adapter's build; its directory takes a test's scratch files. */
  readonly built: Built;
  /** A client on the adapter, stopped after the file's tests. */
  client(): Promise<DebugClient>;
  /** Launch attributes for the kernel: 256 MiB, no profile, no history, unless `attrs` says otherwise. */
  kernel(attrs: Record<string, unknown>): Record<string, unknown>;
}

/** Registers the file's before/after hooks. `optional`: PARAVIRT_LINUX_DEBUG=0 skips the file (minutes of boot). */
export function cloudDebug(o: { optional?: boolean } = {}): CloudDebug {
  const fx = o.optional && process.env.PARAVIRT_LINUX_DEBUG === '0' ? 'PARAVIRT_LINUX_DEBUG=0' : cloudFixture();
  const skip = typeof fx === 'string' ? fx : false;
  let b: Built | undefined;
  const clients: DebugClient[] = [];
  before(async () => { if (!skip) b = await buildAll([]); });
  after(async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    removeBuild(b);
  });
  const fixture = (): CloudFixture => {
    if (typeof fx === 'string') throw new Error(`no cloud kernel fixture: ${fx}`);
    return fx;
  };
  const built = (): Built => {
    if (!b) throw new Error('the debug adapter is not built (the file\'s tests are skipped)');
    return b;
  };
  return {
    skip,
    get fixture() { return fixture(); },
    get built() { return built(); },
    async client() {
      const dc = await startClient(built().adapter);
      clients.push(dc);
      return dc;
    },
    kernel(attrs) {
      const f = fixture();
      return { program: f.kernelPath, initrd: f.initrdPath, symbols: f.vmlinuxPath, memory: 256, profile: false, historyMemory: 0, ...attrs };
    },
  };
}
