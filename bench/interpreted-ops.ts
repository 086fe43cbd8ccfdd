// Which instructions the block compiler leaves to the interpreter (issue 15 point 2): each
// real-code guest (or Debian's kernel to the /init marker) run in this process with the CPU's
// two interpreter entries wrapped, counting every interpreted instruction by mnemonic,
// operand size and its first bytes, split into those run from inside a compiled block
// (`execOne`: forms the compiler does not inline) and those run by the run loop (below the
// compile threshold, or code no block may run). The wrapping makes the run slower: its counts
// are exact, its times mean nothing.
//   node --import tsx bench/interpreted-ops.ts [--bits 64|32] [--top N] [guest,...]
//   node --import tsx bench/interpreted-ops.ts --linux [--max N]   (instructions, default: to the marker)
import { readFileSync } from 'node:fs';
import { Machine, firmwareInfo } from '../emulator/machine';
import { loadImage } from '../emulator/loader';
import { decodeForm } from '../emulator/isa/decode';
import { buildReal, REAL_WORKLOADS, type RealWorkload } from './build-guests';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The CPU fields and methods this reads or wraps (not part of its typed interface). */
interface CpuView {
  long64: boolean; cs32: boolean; csBase: number; eip: number; u8: Uint8Array;
  peekTranslate(lin: number): number;
  exec(): void; execOne(): void;
}

export interface OpCounts { inBlocks: Map<string, number>; interpreter: Map<string, number>; instructions: number; finish(): void }

/** Per physical address and mode: the instruction's first four bytes, its name and its count so far. */
interface Site { sig: number; key: string; n: number }

/** Count interpreted instructions on `machine` from now on; `finish()` folds the counts by name. */
export function countInterpreted(machine: Machine): OpCounts {
  const cpu = machine.cpu as unknown as CpuView;
  const sites = [new Map<number, Site>(), new Map<number, Site>()];
  const counts: OpCounts = { inBlocks: new Map(), interpreter: new Map(), instructions: 0, finish };
  let inside = false;
  const exec = cpu.exec, execOne = cpu.execOne;
  const name = (phys: number, bits: 16 | 32 | 64): string => {
    const bytes = cpu.u8.subarray(phys, phys + 15);
    const d = decodeForm(bytes, bits, bytes.length);
    if (d === null) return `(invalid, ${bits}-bit)`;
    const hex = Array.from(bytes.subarray(0, Math.min(d.length, 3)), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return `${d.mnemonic} o${d.operandBits} [${hex}${d.length > 3 ? ' ..' : ''}] ${bits}-bit`;
  };
  const fold = (m: Map<string, number>, s: Site): void => { if (s.n) m.set(s.key, (m.get(s.key) ?? 0) + s.n); s.n = 0; };
  function finish(): void {
    for (const [i, m] of [counts.interpreter, counts.inBlocks].entries()) for (const s of sites[i].values()) fold(m, s);
  }
  cpu.execOne = function (this: CpuView) { inside = true; try { execOne.call(this); } finally { inside = false; } };
  // Decoding every instruction would make a Linux boot take hours: each site is decoded when
  // first seen and again only when its first bytes changed (code written over).
  cpu.exec = function (this: CpuView) {
    const bits = cpu.long64 ? 64 : cpu.cs32 ? 32 : 16;
    const phys = cpu.peekTranslate(cpu.long64 ? cpu.eip : (cpu.csBase + cpu.eip) | 0);
    if (phys >= 0 && phys + 4 <= cpu.u8.length) {
      const u8 = cpu.u8;
      const sig = u8[phys] | (u8[phys + 1] << 8) | (u8[phys + 2] << 16) | (u8[phys + 3] << 24);
      const at = sites[inside ? 1 : 0];
      const id = phys * 4 + (bits >> 4);
      let s = at.get(id);
      if (s === undefined) { s = { sig, key: name(phys, bits), n: 0 }; at.set(id, s); }
      else if (s.sig !== sig) { fold(inside ? counts.inBlocks : counts.interpreter, s); s.sig = sig; s.key = name(phys, bits); }
      s.n++;
    }
    exec.call(this);
  };
  return counts;
}

function print(title: string, c: OpCounts, top: number): void {
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const pct = (n: number): string => (c.instructions ? `${(100 * n / c.instructions).toFixed(2)}%` : '-');
  const inB = sum(c.inBlocks), inI = sum(c.interpreter);
  console.log(`\n${title}: ${c.instructions} instructions; interpreted inside blocks ${inB} (${pct(inB)}), by the run loop ${inI} (${pct(inI)})`);
  for (const [name, m] of [['inside blocks (forms not compiled)', c.inBlocks], ['run loop (below the threshold, or no block)', c.interpreter]] as const) {
    const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
    if (rows.length === 0) continue;
    console.log(`  ${name}:`);
    for (const [k, n] of rows) console.log(`  ${String(n).padStart(11)}  ${k}`);
  }
}

function runGuest(workload: RealWorkload, bits: 32 | 64, top: number): void {
  const image = buildReal(workload, 2, bits === 64 ? 'x86_64' : 'i386');
  const machine = new Machine({ mode: 'hvm', memoryMiB: 64 });
  machine.load(loadImage(new Uint8Array(readFileSync(image)), { ramBytes: 64 << 20 }));
  const c = countInterpreted(machine);
  let stop;
  for (;;) { stop = machine.run(10_000_000); if (stop.kind !== 'budget') break; }
  c.instructions = machine.icount;
  c.finish();
  print(`${workload} (${bits}-bit, 2 trips, stop ${stop.kind})`, c, top);
}

async function runLinux(max: number, top: number): Promise<void> {
  const { linuxFixture } = await import('../test/linux/debian-kernel');
  const { INIT_MARKER } = await import('../test/linux/initramfs');
  const fx = linuxFixture();
  const machine = new Machine({ mode: 'hvm', memoryMiB: 256 });
  machine.load(loadImage(new Uint8Array(readFileSync(fx.kernelPath)), {
    ramBytes: 256 << 20, cmdline: fx.cmdline, initrd: new Uint8Array(readFileSync(fx.initrdPath)), ...firmwareInfo(),
  }));
  const c = countInterpreted(machine);
  let stop;
  for (;;) {
    stop = machine.run(10_000_000);
    if (machine.serialOutput().includes(INIT_MARKER) || machine.icount >= max || stop.kind !== 'budget') break;
  }
  c.instructions = machine.icount;
  c.finish();
  print(`Linux HVM boot (${fx.kernelPackage}) to ${machine.serialOutput().includes(INIT_MARKER) ? 'the /init marker' : `instruction ${machine.icount}`}`, c, top);
}

const top = Number(arg('--top') ?? 15);
if (process.argv.includes('--linux')) {
  void runLinux(Number(arg('--max') ?? Infinity), top);
} else {
  const bits = arg('--bits') === '32' ? 32 : 64;
  const named = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !['--bits', '--top'].includes(all[i - 1] ?? ''));
  const list = named.length ? named.join(',').split(',') : [...REAL_WORKLOADS];
  for (const w of list) {
    if (!(REAL_WORKLOADS as readonly string[]).includes(w)) throw new Error(`unknown real-code guest ${w}; known: ${REAL_WORKLOADS.join(', ')}`);
    runGuest(w as RealWorkload, bits, top);
  }
}
