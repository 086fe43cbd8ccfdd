// Builds the adapter bundle and the test kernels from source (nasm, gcc -m32 -g, ld) once per
// test file, into a private folder under guests/build/, and starts DebugClients against the
// bundle over stdio exactly as an editor would.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { DebugClient } from '@vscode/debugadapter-testsupport';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');
export const GUESTS = join(HERE, 'guests');

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`);
}

export interface Built { dir: string; adapter: string; elf(name: string): string }

const C_FLAGS = ['-m32', '-ffreestanding', '-fno-pic', '-fno-pie', '-nostdlib', '-fno-stack-protector', '-fno-asynchronous-unwind-tables', '-g'];

/** Bundles debug-adapter/main.ts as scripts/build.mjs does and builds the named guests. */
export async function buildAll(guests: string[]): Promise<Built> {
  mkdirSync(join(GUESTS, 'build'), { recursive: true });
  // Inside the repository, so the bundle resolves iced-x86 from node_modules as dist/ does.
  const dir = mkdtempSync(join(GUESTS, 'build', 'run-'));
  const adapter = join(dir, 'debug-adapter.js');
  await build({
    entryPoints: [join(ROOT, 'debug-adapter/main.ts')], outfile: adapter, bundle: true, platform: 'node', target: 'node20',
    format: 'cjs', external: ['vscode'], logLevel: 'error', sourcemap: true,
  });
  for (const g of guests) buildGuest(dir, g);
  return { dir, adapter, elf: (name) => join(dir, `${name}.elf`) };
}

/** Removes a test file's private build folder (after its clients have stopped). */
export function removeBuild(b: Built | undefined): void {
  if (b) rmSync(b.dir, { recursive: true, force: true });
}

/** kernel-O0 / kernel-O2: boot.asm + kernel.c at that level; kernel64-O0/-Og: boot64.asm + kernel64.c (x86-64), kernel64high-O0 the same in the top 2 GiB; irq-O0 / irq-O2: boot.asm + isrstubs.asm + irq.c; pv*: PV kernels; others: one .asm. */
export function buildGuest(dir: string, name: string): string {
  const elf = join(dir, `${name}.elf`);
  const nasm = (src: string, obj: string, extra: string[] = []) =>
    run('nasm', ['-f', 'elf32', '-g', '-F', 'dwarf', '-I', GUESTS + '/', ...extra, '-o', obj, join(GUESTS, src)]);
  const irq = /^irq-(O\d|Og)$/.exec(name);
  if (irq) {
    const boot = join(dir, `boot-${name}.o`), stubs = join(dir, `stubs-${name}.o`), k = join(dir, `${name}.o`);
    nasm('boot.asm', boot);
    nasm('isrstubs.asm', stubs);
    // gcc's interrupt attribute (isr49) takes -mgeneral-regs-only.
    run('gcc', [...C_FLAGS, `-${irq[1]}`, '-mgeneral-regs-only', '-c', join(GUESTS, 'irq.c'), '-o', k]);
    run('ld', ['-m', 'elf_i386', '-z', 'noexecstack', '--no-warn-rwx-segments', '-T', join(GUESTS, 'link.ld'), '-o', elf, boot, stubs, k]);
    return elf;
  }
  const k64 = /^kernel64(high)?-(O\d|Og)$/.exec(name);
  if (k64) {
    // x86-64: guest/boot64.inc takes the Multiboot entry into long mode, then kmain in kernel64.c;
    // `high`: linked in the top 2 GiB (-mcmodel=kernel), as the x86-64 sample is.
    const high = k64[1] === 'high';
    const boot = join(dir, `boot-${name}.o`), k = join(dir, `${name}.o`);
    run('nasm', ['-f', 'elf64', '-g', '-F', 'dwarf', '-I', GUESTS + '/', '-I', join(ROOT, 'guest') + '/', '-o', boot, join(GUESTS, high ? 'boot64high.asm' : 'boot64.asm')]);
    run('gcc', ['-m64', '-ffreestanding', '-fno-pic', '-fno-pie', '-nostdlib', '-fno-stack-protector', '-mno-red-zone', '-mgeneral-regs-only',
      ...(high ? ['-mcmodel=kernel'] : []), '-fno-asynchronous-unwind-tables', '-g', `-${k64[2]}`, '-I', join(ROOT, 'guest'), '-c', join(GUESTS, 'kernel64.c'), '-o', k]);
    run('ld', ['-m', 'elf_x86_64', '-z', 'noexecstack', '-z', 'max-page-size=0x1000', '--no-warn-rwx-segments', '--build-id=none',
      '-T', join(GUESTS, high ? 'link64high.ld' : 'link64.ld'), '-o', elf, boot, k]);
    return elf;
  }
  if (name === 'tailcall64') {
    // Sibling calls at -O2 (tailcall64.c), DWARF 5 call sites: the tail-call frames.
    const boot = join(dir, `boot-${name}.o`), k = join(dir, `${name}.o`);
    run('nasm', ['-f', 'elf64', '-g', '-F', 'dwarf', '-I', GUESTS + '/', '-I', join(ROOT, 'guest') + '/', '-o', boot, join(GUESTS, 'boot64.asm')]);
    run('gcc', ['-m64', '-ffreestanding', '-fno-pic', '-fno-pie', '-nostdlib', '-fno-stack-protector', '-mno-red-zone', '-mgeneral-regs-only',
      '-fno-asynchronous-unwind-tables', '-g', '-gdwarf-5', '-O2', '-I', join(ROOT, 'guest'), '-c', join(GUESTS, 'tailcall64.c'), '-o', k]);
    run('ld', ['-m', 'elf_x86_64', '-z', 'noexecstack', '-z', 'max-page-size=0x1000', '--no-warn-rwx-segments', '--build-id=none',
      '-T', join(GUESTS, 'link64.ld'), '-o', elf, boot, k]);
    return elf;
  }
  if (name === 'linuxlike64') {
    // Linux's per-CPU, task-list and printk structures in a -O2 kernel (linuxlike64.c).
    const boot = join(dir, `boot-${name}.o`), k = join(dir, `${name}.o`);
    run('nasm', ['-f', 'elf64', '-g', '-F', 'dwarf', '-I', GUESTS + '/', '-I', join(ROOT, 'guest') + '/', '-o', boot, join(GUESTS, 'boot64.asm')]);
    run('gcc', ['-m64', '-ffreestanding', '-fno-pic', '-fno-pie', '-nostdlib', '-fno-stack-protector', '-mno-red-zone', '-mgeneral-regs-only',
      '-fno-asynchronous-unwind-tables', '-g', '-O2', '-I', join(ROOT, 'guest'), '-c', join(GUESTS, 'linuxlike64.c'), '-o', k]);
    run('ld', ['-m', 'elf_x86_64', '-z', 'noexecstack', '-z', 'max-page-size=0x1000', '--no-warn-rwx-segments', '--build-id=none',
      '-T', join(GUESTS, 'linuxlike64.ld'), '-o', elf, boot, k]);
    return elf;
  }
  const m = /^kernel-(O\d|Og)$/.exec(name);
  if (m) {
    const boot = join(dir, `boot-${name}.o`), k = join(dir, `${name}.o`);
    nasm('boot.asm', boot);
    run('gcc', [...C_FLAGS, `-${m[1]}`, '-c', join(GUESTS, 'kernel.c'), '-o', k]);
    run('ld', ['-m', 'elf_i386', '-z', 'noexecstack', '--no-warn-rwx-segments', '-T', join(GUESTS, 'link.ld'), '-o', elf, boot, k]);
  } else if (name.startsWith('pv')) {
    const o = join(dir, `${name}.o`);
    nasm(`${name}.asm`, o, ['-w-other', '-I', join(ROOT, 'guest') + '/']);
    run('ld', ['-m', 'elf_i386', '--no-warn-rwx-segments', '-T', join(GUESTS, 'pv.ld'), '-o', elf, o]);
  } else {
    const o = join(dir, `${name}.o`);
    nasm(`${name}.asm`, o);
    run('ld', ['-m', 'elf_i386', '-z', 'noexecstack', '--no-warn-rwx-segments', '-T', join(GUESTS, 'link.ld'), '-o', elf, o]);
  }
  return elf;
}

/** 1-based line of the `@marker` comment in a guest source. */
export function markerLine(file: string, marker: string): number {
  const lines = readFileSync(join(GUESTS, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`@${marker} `) || l.endsWith(`@${marker}`) || l.includes(`@${marker}*/`));
  if (i < 0) throw new Error(`no @${marker} in ${file}`);
  return i + 1;
}

/** 1-based line of the first line of an asm source that starts with `text`. */
export function asmLine(file: string, text: string): number {
  const lines = readFileSync(join(GUESTS, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.trim().startsWith(text));
  if (i < 0) throw new Error(`no '${text}' in ${file}`);
  return i + 1;
}

/** `nm`'s address for a symbol (binutils, independent of our ELF reader). */
export function nmAddress(elf: string, name: string): number {
  const r = spawnSync('nm', [elf], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`nm: no ${name} in ${elf}`);
  return parseInt(line.split(' ')[0]!, 16);
}

/** addr2line's [file, line] for an address. */
export function addr2line(elf: string, addr: number): [string, number] | null {
  const r = spawnSync('addr2line', ['-e', elf, addr.toString(16)], { encoding: 'utf8' });
  const m = /^(.*):(\d+)/.exec(r.stdout.trim());
  return m && m[1] !== '??' ? [m[1]!, Number(m[2])] : null;
}

interface StopQueue { events: StoppedBody[]; waiters: Array<(b: StoppedBody) => void> }
type StoppedBody = { reason: string; description?: string; hitBreakpointIds?: number[]; text?: string };
const stopQueues = new WeakMap<DebugClient, StopQueue>();

/**
 * The next `stopped` event, in order, including ones that arrived before the call (a stop can
 * arrive in the same chunk as the response to the request that caused it).
 */
export function nextStopped(dc: DebugClient, ms = 20000): Promise<StoppedBody> {
  const q = stopQueues.get(dc)!;
  const ready = q.events.shift();
  if (ready) return Promise.resolve(ready);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { q.waiters.splice(q.waiters.indexOf(done), 1); reject(new Error(`no stopped event after ${ms} ms`)); }, ms);
    const done = (b: StoppedBody) => { clearTimeout(t); resolve(b); };
    q.waiters.push(done);
  });
}

/** Everything the adapter printed, by output category (collected from the start). */
export const outputs = new WeakMap<DebugClient, Record<string, string>>();

export async function startClient(adapter: string): Promise<DebugClient> {
  const dc = new DebugClient('node', adapter, 'paravirt');
  dc.defaultTimeout = 20000;
  const seen: Record<string, string> = {};
  outputs.set(dc, seen);
  dc.on('output', (e) => { const c = e.body.category ?? 'console'; seen[c] = (seen[c] ?? '') + e.body.output; });
  const q: StopQueue = { events: [], waiters: [] };
  stopQueues.set(dc, q);
  dc.on('stopped', (e) => { const w = q.waiters.shift(); if (w) w(e.body); else q.events.push(e.body); });
  await dc.start();
  return dc;
}

/** Waits (polling, bounded) until the adapter printed `text` in `category`. */
export async function waitForOutput(dc: DebugClient, category: string, text: string, ms = 10000): Promise<string> {
  const seen = outputs.get(dc)!;
  for (let waited = 0; ; waited += 20) {
    if ((seen[category] ?? '').includes(text)) return seen[category]!;
    if (waited > ms) throw new Error(`no '${text}' in ${category} output; got ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** launch + (after initialized) the given configuration + configurationDone. */
export async function launch(dc: DebugClient, args: Record<string, unknown>, configure?: () => Promise<unknown>): Promise<void> {
  const init = dc.waitForEvent('initialized');
  await dc.initializeRequest();
  await dc.launchRequest(args as never);
  await init;
  if (configure) await configure();
  await dc.configurationDoneRequest();
}
