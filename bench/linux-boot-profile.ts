// Where a Linux HVM boot spends its instructions: Debian's kernel and the test initramfs booted
// as the Linux boot bench does, with counters on the CPU's compile, TLB and CR3 paths, printed
// per phase (every PHASE instructions) and in total. The counters wrap the CPU's methods, so
// this run is slower than a plain one: its times are for comparing phases, the bench's for
// comparing engines. Add --cpu-prof to node for a V8 profile of the same run.
//   node --import tsx bench/linux-boot-profile.ts [--threshold N] [--phase N] [--seconds S] [--plain]
//     [--prof-from N --prof-out FILE] [--until N] [--ops]
// --plain runs without counters (times only); --prof-from takes a V8 CPU profile (written to
// FILE, for bench/profile-summary.ts) from instruction N to the end, e.g. the kernel's init
// without the decompressor before it. --ops counts the instructions the interpreter runs, by
// mnemonic, from --prof-from (or 0) on: those inside compiled blocks (forms the block compiler
// leaves to it) and those outside (code not hot enough to compile).
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { Machine, firmwareInfo } from '../emulator/machine';
import { loadImage } from '../emulator/loader';
import { decodeInfo } from '../emulator/isa/decode';
import type { Block } from '../emulator/cpu/block-cache';
import { linuxFixture } from '../test/linux/debian-kernel';
import { INIT_MARKER } from '../test/linux/initramfs';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const PHASE = Number(arg('--phase') ?? 500_000_000);
const SECONDS = Number(arg('--seconds') ?? 1800);
const PLAIN = process.argv.includes('--plain');
const PROF_FROM = arg('--prof-from') === undefined ? -1 : Number(arg('--prof-from'));
const PROF_OUT = arg('--prof-out') ?? 'linux-boot.cpuprofile';
/** Stop after this many instructions (e.g. to profile the decompressor alone). */
const UNTIL = Number(arg('--until') ?? Infinity);
const session = new Session();
let profiling = false;
function post(method: string, params?: object): Promise<unknown> {
  return new Promise((res, rej) => session.post(method, params ?? {}, (e, r) => (e ? rej(e) : res(r))));
}

interface Counters {
  compiledInstr: number; blockRuns: number; lookups: number; compiles: number; compileMs: number; noBlock: number;
  walks: number; cr3: number; flushAll: number; flushNonGlobal: number; pcidSwitch: number;
}
const zero = (): Counters => ({ compiledInstr: 0, blockRuns: 0, lookups: 0, compiles: 0, compileMs: 0, noBlock: 0, walks: 0, cr3: 0, flushAll: 0, flushNonGlobal: 0, pcidSwitch: 0 });
const c = zero();

const fx = linuxFixture();
const machine = new Machine({ mode: 'hvm', memoryMiB: 256 });
const threshold = arg('--threshold');
if (threshold !== undefined) machine.cpu.blockThreshold = Number(threshold);
const cpu = machine.cpu as unknown as Record<string, unknown> & { icount: number; blocks: { compiled: number; invalidated: number; insert: (p: number, b: Block) => boolean } };

function wrap(obj: Record<string, unknown>, name: string, count: (...a: unknown[]) => void): void {
  const orig = obj[name] as (...a: unknown[]) => unknown;
  obj[name] = function (this: unknown, ...a: unknown[]) { count(...a); return orig.apply(this, a); };
}

if (!PLAIN) {
  wrap(cpu, 'walk', () => { c.walks++; });
  wrap(cpu, 'writeCr3', () => { c.cr3++; });
  wrap(cpu, 'flushTlb', () => { c.flushAll++; });
  wrap(cpu, 'flushNonGlobal', () => { c.flushNonGlobal++; });
  wrap(cpu, 'switchPcid', () => { c.pcidSwitch++; });
}

machine.load(loadImage(new Uint8Array(readFileSync(fx.kernelPath)), {
  ramBytes: 256 * 1024 * 1024, cmdline: fx.cmdline, initrd: new Uint8Array(readFileSync(fx.initrdPath)), ...firmwareInfo(),
}));

const OPS = process.argv.includes('--ops');
const opsInside = new Map<string, number>(), opsOutside = new Map<string, number>();
if (OPS) {
  const mem = machine as unknown as { readPhysical(a: number, n: number): Uint8Array };
  const c2 = cpu as unknown as { eip: number; ripHi: number; csBase: number; long64: boolean; cs32: boolean; peekTranslate(l: number): number };
  const mnemonic = (): string => {
    const lin = (c2.csBase + c2.eip) | 0;
    const phys = c2.peekTranslate(lin);
    if (phys < 0) return '?';
    const d = decodeInfo(mem.readPhysical(phys, Math.min(15, 4096 - (phys & 0xfff))), c2.long64 ? 64 : c2.cs32 ? 32 : 16);
    return d?.mnemonic ?? '?';
  };
  let inside = false;
  wrap(cpu, 'execOne', () => { if (cpu.icount >= PROF_FROM) { inside = true; const k = mnemonic(); opsInside.set(k, (opsInside.get(k) ?? 0) + 1); } });
  wrap(cpu, 'exec', () => {
    if (inside) { inside = false; return; }
    if (cpu.icount >= PROF_FROM) { const k = mnemonic(); opsOutside.set(k, (opsOutside.get(k) ?? 0) + 1); }
  });
}

if (!PLAIN) {
  // After load: the machine attaches memory (and makes the block cache) there.
  const cache = cpu.blocks;
  const insert = cache.insert.bind(cache);
  cache.insert = (phys: number, b: Block): boolean => {
    if (b.count === 0) { c.noBlock++; return insert(phys, b); }
    const fn = b.fn;
    (b as { fn: (x: unknown) => void }).fn = (x: unknown) => {
      const before = cpu.icount;
      c.blockRuns++;
      try { fn(x); } finally { c.compiledInstr += cpu.icount - before; }
    };
    return insert(phys, b);
  };
  // compileBlock is imported by execute.ts: time it through blockHere's compile branch instead.
  const blockHere = cpu.blockHere as (this: unknown) => Block | null;
  cpu.blockHere = function (this: unknown): Block | null {
    c.lookups++;
    const before = cache.compiled, t = performance.now();
    const r = blockHere.call(this);
    if (cache.compiled !== before) { c.compiles += cache.compiled - before; c.compileMs += performance.now() - t; }
    return r;
  };
}

const t0 = performance.now(), cpu0 = process.cpuUsage();
let last = zero(), lastCompiled = 0, lastIcount = 0, lastT = t0, lastCpu = 0;
let marker: { wall: number; cpu: number; icount: number } | null = null;
const head = 'phase (G instr) | wall s | CPU s | CPU MIPS | compiled % | block runs | cache lookups | blocks compiled | compile ms | TLB walks | CR3 loads | full flushes | non-global flushes | PCID switches | invalidated';
console.log(head);

function cpuSeconds(): number { const u = process.cpuUsage(cpu0); return (u.user + u.system) / 1e6; }

function row(final: boolean): void {
  const now = performance.now(), cs = cpuSeconds(), n = cpu.icount - lastIcount;
  const d = (k: keyof Counters): number => c[k] - last[k];
  const line = [
    `${(lastIcount / 1e9).toFixed(2)}-${(cpu.icount / 1e9).toFixed(2)}${final ? ' (end)' : ''}`,
    ((now - lastT) / 1000).toFixed(1), (cs - lastCpu).toFixed(1), (n / 1e6 / Math.max(1e-9, cs - lastCpu)).toFixed(0),
    PLAIN ? '-' : (100 * d('compiledInstr') / Math.max(1, n)).toFixed(1),
    PLAIN ? '-' : String(d('blockRuns')), PLAIN ? '-' : String(d('lookups')),
    String(cpu.blocks.compiled - lastCompiled), PLAIN ? '-' : d('compileMs').toFixed(0),
    ...(['walks', 'cr3', 'flushAll', 'flushNonGlobal', 'pcidSwitch'] as const).map((k) => PLAIN ? '-' : String(d(k))),
    String(cpu.blocks.invalidated),
  ].join(' | ');
  console.log(line);
  last = { ...c }; lastCompiled = cpu.blocks.compiled; lastIcount = cpu.icount; lastT = now; lastCpu = cs;
}

let nextRow = PHASE;
async function main(): Promise<void> {
  for (;;) {
    if (PROF_FROM >= 0 && !profiling && cpu.icount >= PROF_FROM) {
      session.connect(); profiling = true;
      await post('Profiler.enable'); await post('Profiler.setSamplingInterval', { interval: 1000 }); await post('Profiler.start');
    }
    const s = machine.run(5_000_000);
    if (marker === null && machine.serialOutput().includes(INIT_MARKER)) {
      marker = { wall: (performance.now() - t0) / 1000, cpu: cpuSeconds(), icount: cpu.icount };
      row(true);
      break;
    }
    if (cpu.icount >= nextRow) { row(false); nextRow += PHASE; }
    if (s.kind !== 'budget' || performance.now() - t0 > SECONDS * 1000 || cpu.icount >= UNTIL) { row(true); console.log(`stopped: ${JSON.stringify(s)}`); break; }
  }
  if (profiling) {
    const { profile } = await post('Profiler.stop') as { profile: unknown };
    writeFileSync(PROF_OUT, JSON.stringify(profile));
    console.log(`profile from ${(PROF_FROM / 1e9).toFixed(2)}G instructions: ${PROF_OUT}`);
  }
  if (OPS) {
    for (const [name, m] of [['inside blocks', opsInside], ['outside blocks', opsOutside]] as const) {
      const all = [...m.values()].reduce((a, b) => a + b, 0);
      console.log(`interpreted ${name}: ${all}`);
      for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${(100 * v / all).toFixed(1).padStart(5)}%  ${k}`);
    }
  }
  const total = cpuSeconds();
  console.log(marker ? `marker after ${marker.wall.toFixed(1)} s wall, ${marker.cpu.toFixed(1)} s CPU, ${(marker.icount / 1e9).toFixed(3)}G instructions` : 'no marker');
  if (!PLAIN) console.log(`total: ${(100 * c.compiledInstr / cpu.icount).toFixed(1)}% of instructions compiled, ${c.compiles} blocks (${c.noBlock} not worth it), ${c.compileMs.toFixed(0)} ms compiling, ${c.walks} TLB walks, ${c.cr3} CR3 loads, ${c.flushAll} full and ${c.flushNonGlobal} non-global flushes, ${c.pcidSwitch} PCID switches, ${cpu.blocks.invalidated} blocks invalidated; ${total.toFixed(1)} s CPU`);
}

void main();
