// Issue 17 point 1: symbols from Debian's debug vmlinux (590 MB, DWARF 5). Ours: open the file
// (section headers, symbol table), resolve start_kernel with its line and frames, then
// setup_arch by name and arch/x86/kernel/setup.c:896 by line, in a child process whose RSS is
// its own. The peer: gdb -batch -ex 'break start_kernel' on the same file (wall time and
// maximum RSS from /usr/bin/time). The launch -> stop at start_kernel over DAP, guest time
// apart, is printed by test/linux/linux-symbols.test.ts.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { cloudFixture, type CloudFixture } from '../test/linux/debian-kernel';

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

/** Peak and current RSS of a process in MiB, from /proc (NaN where there is none). */
function rssMiB(pid: number | undefined): { peak: number; now: number } {
  if (pid === undefined) return { peak: Number.NaN, now: Number.NaN };
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? Number.NaN);
    return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
  } catch { return { peak: Number.NaN, now: Number.NaN }; }
}

/**
 * The session as an editor drives it: launch with `symbols` and a function breakpoint on
 * start_kernel, configurationDone, and the time to the stopped event, split into the run after
 * configurationDone (paravirt.runStats: the guest's Machine.run time and the adapter's own) and
 * what came before it (reading the kernel, opening the symbols, resolving the breakpoint); then
 * breakpoints set after the stop, a global read, and the adapter's RSS from /proc.
 */
async function dapSession(fx: CloudFixture, adapter: string, kaslr: boolean): Promise<Record<string, number>> {
  const dc = new DebugClient('node', adapter, 'paravirt');
  dc.defaultTimeout = 600_000;
  await dc.start();
  const pid = (dc as unknown as { _adapterProcess?: ChildProcess })._adapterProcess?.pid;
  const out: Record<string, number> = {};
  try {
    const stopped = dc.waitForEvent('stopped', 600_000);
    const init = dc.waitForEvent('initialized');
    const t0 = performance.now();
    await dc.initializeRequest();
    await dc.launchRequest({ program: fx.kernelPath, initrd: fx.initrdPath, cmdline: `${fx.cmdline}${kaslr ? '' : ' nokaslr'}`, symbols: fx.vmlinuxPath, memory: 256, profile: false, sourceMap: { 'debian/build/build_amd64_none_cloud-amd64': '/src/linux' } } as never);
    await init;
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }] });
    const tConf = performance.now();
    await dc.configurationDoneRequest();
    await stopped;
    const t1 = performance.now();
    const stats = (await dc.customRequest('paravirt.runStats')).body as { wallMs: number; machineMs: number; instructions: number };
    out.launchToStopMs = t1 - t0;
    out.beforeConfigurationDoneMs = tConf - t0;
    out.runWallMs = stats.wallMs;
    out.guestMs = stats.machineMs;
    out.guestInstructions = stats.instructions;
    out.notGuestMs = out.launchToStopMs - stats.machineMs;
    if (kaslr) return out;
    let t = performance.now();
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }, { name: 'setup_arch' }] });
    out.breakpointByNameMs = performance.now() - t;
    t = performance.now();
    const r = await dc.setBreakpointsRequest({ source: { path: '/src/linux/mm/memblock.c' }, breakpoints: [{ line: 1500 }] });
    out.breakpointByFileLineMs = performance.now() - t;
    if (!r.body.breakpoints[0]?.verified) throw new Error(`mm/memblock.c:1500: ${r.body.breakpoints[0]?.message}`);
    const st = await dc.stackTraceRequest({ threadId: 1 });
    t = performance.now();
    await dc.evaluateRequest({ expression: 'init_task.comm', frameId: st.body.stackFrames[0]!.id, context: 'watch' });
    out.globalByNameMs = performance.now() - t;
    const rss = rssMiB(pid);
    out.adapterPeakRssMiB = rss.peak;
    out.adapterRssMiB = rss.now;
    return out;
  } finally {
    await dc.stop().catch(() => undefined);
  }
}

/** DAP figures, nokaslr and KASLR runs (the KASLR one shows what the 512 probes cost the guest). */
export async function runLinuxSymbolsDapBench(): Promise<Record<string, number | string>> {
  const fx = cloudFixture();
  if (typeof fx === 'string') return { skipped: fx };
  const dir = join(__dirname, '.cache', 'linux-symbols');
  mkdirSync(dir, { recursive: true });
  const adapter = join(dir, 'debug-adapter.js');
  await build({ entryPoints: [join(__dirname, '..', 'debug-adapter/main.ts')], outfile: adapter, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'error' });
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(await dapSession(fx, adapter, false))) out[`nokaslr.${k}`] = v;
  for (const [k, v] of Object.entries(await dapSession(fx, adapter, true))) out[`kaslr.${k}`] = v;
  return out;
}
