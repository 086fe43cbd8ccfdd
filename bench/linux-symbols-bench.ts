// Issue 17 point 1: symbols from Debian's debug vmlinux (590 MB, DWARF 5). Ours: open the file
// (section headers, symbol table), resolve start_kernel with its line and frames, then
// setup_arch by name and arch/x86/kernel/setup.c:896 by line, in a child process whose RSS is
// its own. The peer: gdb -batch -ex 'break start_kernel' on the same file (wall time and
// maximum RSS from /usr/bin/time). The launch -> stop at start_kernel over DAP, guest time
// apart, is printed by test/linux/linux-symbols.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cloudFixture } from '../test/linux/debian-kernel';

export async function runLinuxSymbolsBench(): Promise<Record<string, number | string>> {
  const fx = cloudFixture();
  if (typeof fx === 'string') return { skipped: fx };
  const out: Record<string, number | string> = { debugPackage: fx.debugPackage };
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'linux-symbols-child.ts'), fx.vmlinuxPath], { encoding: 'utf8', timeout: 300_000 });
  if (child.status !== 0) return { ...out, ours: `failed: ${child.stderr.slice(-500)}` };
  const o = JSON.parse(child.stdout.trim().split('\n').pop()!) as Record<string, number>;
  for (const [k, v] of Object.entries(o)) out[`ours.${k}`] = v;
  if (existsSync('/usr/bin/time') && spawnSync('gdb', ['--version']).status === 0) {
    const g = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', 'gdb', '-nx', '-batch', '-ex', 'break start_kernel', fx.vmlinuxPath], { encoding: 'utf8', timeout: 300_000 });
    const m = /TIME ([\d.]+) (\d+)/.exec(g.stderr);
    if (m) {
      out['gdb.breakStartKernelMs'] = Number(m[1]) * 1000;
      out['gdb.rssMB'] = Number(m[2]) / 1024;
      out['ours/gdb time (open + start_kernel)'] = (o.openMs! + o.startKernelMs!) / (Number(m[1]) * 1000);
      out['ours/gdb RSS'] = o.rssMB! / (Number(m[2]) / 1024);
    } else out.gdb = `no figures: ${g.stderr.slice(-300)}`;
  } else out.gdb = 'gdb or /usr/bin/time not installed (scripts/setup.sh installs gdb)';
  return out;
}
