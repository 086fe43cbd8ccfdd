// Issue 17 point 1: symbols from Debian's debug vmlinux (590 MB, DWARF 5). Ours: open the file
// (section headers, symbol table), resolve start_kernel with its line and frames, then
// setup_arch by name and arch/x86/kernel/setup.c:896 by line, in a child process whose RSS is
// its own. The peer: gdb -batch -ex 'break start_kernel' on the same file (wall time and
// maximum RSS from /usr/bin/time). The launch -> stop at start_kernel over DAP, guest time
// apart, is printed by test/linux/linux-symbols.test.ts.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
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
  dc.on('output', (e) => consoleText.set(dc, (consoleText.get(dc) ?? '') + String(e.body.output)));
  const out: Record<string, number> = {};
  try {
    const stopped = dc.waitForEvent('stopped', 600_000);
    const init = dc.waitForEvent('initialized');
    const t0 = performance.now(), c0 = onCpuNs(pid);
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
    out.launchToStopCpuMs = (onCpuNs(pid) - c0) / 1e6;
    if (kaslr) return out;
    // Later breakpoints: by a name with a symbol, by a name only ever inlined (its units from
    // the name index once the worker has built it, or from the cache), by file:line.
    const timedReq = async (work: () => Promise<unknown>): Promise<[number, number]> => {
      const c = onCpuNs(pid), t = performance.now();
      await work();
      return [performance.now() - t, (onCpuNs(pid) - c) / 1e6];
    };
    [out.breakpointByNameMs, out.breakpointByNameCpuMs] = await timedReq(() => dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }, { name: 'setup_arch' }] }));
    for (let waited = 0; !indexReady(dc) && waited < 120_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    out.nameIndexReadyAfterLaunchMs = performance.now() - t0;
    let inl: unknown;
    [out.breakpointInlineOnlyMs, out.breakpointInlineOnlyCpuMs] = await timedReq(async () => { inl = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'start_kernel' }, { name: 'setup_arch' }, { name: 'memblock_alloc' }] }); });
    if (!(inl as { body: { breakpoints: Array<{ verified: boolean }> } }).body.breakpoints[2]?.verified) throw new Error('memblock_alloc: not verified');
    let r: { body: { breakpoints: Array<{ verified: boolean; message?: string }> } } | undefined;
    [out.breakpointByFileLineMs, out.breakpointByFileLineCpuMs] = await timedReq(async () => { r = await dc.setBreakpointsRequest({ source: { path: '/src/linux/mm/memblock.c' }, breakpoints: [{ line: 1500 }] }); });
    let t = performance.now();
    if (!r!.body.breakpoints[0]?.verified) throw new Error(`mm/memblock.c:1500: ${r!.body.breakpoints[0]?.message}`);
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

/** On-CPU nanoseconds of a process's main thread (/proc/<pid>/schedstat), NaN where there is none. */
function onCpuNs(pid: number | undefined): number {
  try { return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]); } catch { return Number.NaN; }
}

/** Whether the adapter said its function name index is ready (read from the cache or built). */
function indexReady(dc: DebugClient): boolean { return /function name index (from the cache|built)|no function name index/.test(consoleText.get(dc) ?? ''); }
const consoleText = new WeakMap<DebugClient, string>();

/**
 * DAP figures: nokaslr with no cached name index (the first launch with this vmlinux: the
 * adapter builds it in a worker), nokaslr again (read from the cache), and KASLR (what the 512
 * probes cost the guest). The cache is a folder of the bench's own (XDG_CACHE_HOME).
 */
export async function runLinuxSymbolsDapBench(): Promise<Record<string, number | string>> {
  const fx = cloudFixture();
  if (typeof fx === 'string') return { skipped: fx };
  const dir = join(__dirname, '.cache', 'linux-symbols');
  mkdirSync(dir, { recursive: true });
  const adapter = join(dir, 'debug-adapter.js');
  await build({ entryPoints: [join(__dirname, '..', 'debug-adapter/main.ts')], outfile: adapter, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'], logLevel: 'error' });
  const out: Record<string, number | string> = {};
  const cache = join(dir, 'cache');
  rmSync(cache, { recursive: true, force: true });
  process.env.XDG_CACHE_HOME = cache;
  for (const [k, v] of Object.entries(await dapSession(fx, adapter, false))) out[`firstLaunch.${k}`] = v;
  for (const [k, v] of Object.entries(await dapSession(fx, adapter, false))) out[`cachedIndex.${k}`] = v;
  for (const [k, v] of Object.entries(await dapSession(fx, adapter, true))) out[`kaslr.${k}`] = v;
  return out;
}
