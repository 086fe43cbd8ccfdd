// The executor in 64-bit mode against the host CPU (issue 15, point 7): random sequences
// (cases64.ts) run natively (exec64-oracle.c) and on our CPU in 64-bit mode, at the same
// linear addresses; every register (all 64 bits), the status flags the SDM defines, DF,
// MXCSR, XMM0-15 and both data windows are compared, or the exception when one is raised.

import { Machine } from '../../emulator/machine';
import * as K from '../../emulator/cpu/constants';
import { CODE_ADDR, FAR_ADDR, NEAR_ADDR, WINDOW, generateCase64, type Case64 } from './cases64';
import { NO_FAULT, runOnHost64, type Outcome64 } from './exec64-oracle';
import { Rng } from './random';
import { DF, STATUS_FLAGS } from './undefined-flags';

const CODE_PHYS = 0x100000, NEAR_PHYS = 0x110000, FAR_PHYS = 0x120000;
const PML4 = 0x200000;

function le64(buf: Uint8Array, off: number, lo: number, hi: number): void {
  new DataView(buf.buffer, buf.byteOffset).setUint32(off, lo >>> 0, true);
  new DataView(buf.buffer, buf.byteOffset).setUint32(off + 4, hi >>> 0, true);
}

/** 4-level tables mapping the code page, the near window and the far window (4 KiB pages). */
function pageTables(): Uint8Array {
  const t = new Uint8Array(7 * 4096);
  const at = (table: number, index: number, target: number, nx = false): void => le64(t, table * 4096 + index * 8, target | 3, nx ? 0x80000000 : 0);
  // Tables: 0 PML4, 1 PDPT (low), 2 PD (low), 3 PT (low), 4 PDPT (far), 5 PD (far), 6 PT (far).
  const addr = (i: number): number => PML4 + i * 4096;
  at(0, 0, addr(1)); at(1, 0, addr(2)); at(2, (CODE_ADDR >>> 21) & 0x1ff, addr(3));
  at(3, (CODE_ADDR >>> 12) & 0x1ff, CODE_PHYS);
  at(3, (NEAR_ADDR >>> 12) & 0x1ff, NEAR_PHYS, true);
  at(0, Math.floor(FAR_ADDR / 2 ** 39) & 0x1ff, addr(4)); at(4, 0, addr(5)); at(5, 0, addr(6));
  at(6, 0, FAR_PHYS, true);
  return t;
}

/** A machine in 64-bit mode at ring 0 with the case layout mapped, exceptions caught. */
export class Flat64 {
  readonly m = new Machine({ mode: 'hvm', memoryMiB: 4 });
  private fault = -1;

  /**
   * `blocks`: every entry point is compiled at its first visit (block-compiler64.ts), so the
   * sequence runs as compiled blocks, and the interpreter only for the forms they leave to it.
   */
  constructor(readonly blocks = false) {
    const m = this.m;
    m.load({ memory: [{ paddr: PML4, bytes: pageTables() }, { paddr: CODE_PHYS, bytes: Uint8Array.of(0xf4) }], entry: { kind: 'flat32', eip: CODE_PHYS }, description: '64-bit conformance harness' });
    const cpu = m.cpu;
    cpu.writeCr4(cpu.cr4 | K.CR4_PAE | K.CR4_OSFXSR | K.CR4_OSXMMEXCPT);
    cpu.writeCr3(PML4);
    cpu.writeEfer(cpu.efer | K.EFER_LME | K.EFER_NXE);
    cpu.writeCr0(cpu.cr0 | K.CR0_PG);
    cpu.segAttr[K.CS] = 0xa09b;                    // present ring-0 code, L = 1, D = 0
    cpu.segUpdated(K.CS);
    if (!cpu.long64) throw new Error('64-bit harness: not in 64-bit mode');
    cpu.intercept = (vector) => { this.fault = vector; cpu.pauseRequested = true; cpu.attn = true; return true; };
    // Without `blocks`, the interpreter alone (the code address is visited once per case, which
    // would otherwise reach the compile threshold part way through a long run).
    cpu.blockThreshold = blocks ? 1 : 0;
  }

  /** Blocks compiled so far (0 unless `blocks`). */
  get compiled(): number { return this.m.cpu.blocks?.compiled ?? 0; }

  run(c: Case64): Outcome64 {
    const m = this.m, cpu = m.cpu;
    // The end: UD2, whose #UD at that address means the sequence completed.
    m.writePhysical(CODE_PHYS, Uint8Array.from([...c.code, 0x0f, 0x0b]));
    m.writePhysical(NEAR_PHYS, c.near);
    m.writePhysical(FAR_PHYS, c.far);
    cpu.regs.set(c.lo); cpu.regsHi.set(c.hi);
    // IF set as in the host's user mode (PUSHF shows it); nothing interrupts here.
    cpu.flags = (c.rflags & 0xcd5) | 0x202; cpu.ccOp = 0;
    cpu.sse.mxcsr = c.mxcsr; cpu.sse.u8.set(c.xmm, 0);
    cpu.halted = false;
    cpu.setRip(CODE_ADDR, 0);
    // Each case brings new code at the same address: no block of the last one may survive.
    if (this.blocks) cpu.flushCode();
    this.fault = -1;
    m.run(5000);
    let fault = NO_FAULT;
    const atEnd = cpu.eip === CODE_ADDR + c.code.length && cpu.ripHi === 0;
    if (this.fault === K.UD && atEnd) fault = NO_FAULT;
    else if (this.fault >= 0) fault = this.fault === K.PF ? K.GP : this.fault;
    else fault = 0xfffe;                                       // ran elsewhere, or not to the end
    return {
      lo: cpu.regs.slice(), hi: cpu.regsHi.slice(), rflags: cpu.getFlags(), mxcsr: cpu.sse.mxcsr, fault,
      xmm: cpu.sse.u8.slice(0, 256), near: m.readPhysical(NEAR_PHYS, WINDOW), far: m.readPhysical(FAR_PHYS, WINDOW),
    };
  }
}

const REG = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const hex64 = (lo: number, hi: number): string => (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');

export function compare64(c: Case64, host: Outcome64, ours: Outcome64): string | null {
  if (host.fault !== NO_FAULT || ours.fault !== NO_FAULT) {
    if (host.fault === ours.fault) return null;
    const name = (f: number): string => f === NO_FAULT ? 'none' : f === 0xfffe ? 'RIP elsewhere' : `#${f}`;
    return `exception: host ${name(host.fault)}, ours ${name(ours.fault)}`;
  }
  const d: string[] = [];
  for (let r = 0; r < 16; r++) {
    if (host.lo[r] !== ours.lo[r] || host.hi[r] !== ours.hi[r]) d.push(`${REG[r]} host ${hex64(host.lo[r], host.hi[r])} ours ${hex64(ours.lo[r], ours.hi[r])}`);
  }
  const mask = (STATUS_FLAGS | DF) & ~c.undefinedFlags;
  if ((host.rflags & mask) !== (ours.rflags & mask)) d.push(`flags host ${(host.rflags & mask).toString(16)} ours ${(ours.rflags & mask).toString(16)} (mask ${mask.toString(16)})`);
  if (host.mxcsr !== ours.mxcsr) d.push(`mxcsr host ${host.mxcsr.toString(16)} ours ${ours.mxcsr.toString(16)}`);
  for (let i = 0; i < 256; i++) if (host.xmm[i] !== ours.xmm[i]) { d.push(`xmm${i >> 4} byte ${i & 15}: host ${host.xmm[i].toString(16)} ours ${ours.xmm[i].toString(16)}`); break; }
  for (const [name, a, b, base] of [['near', host.near, ours.near, NEAR_ADDR], ['far', host.far, ours.far, FAR_ADDR]] as const) {
    for (let i = 0; i < WINDOW; i++) if (a[i] !== b[i]) { d.push(`${name} memory at ${(base + i).toString(16)}: host ${a[i].toString(16)} ours ${b[i].toString(16)}`); break; }
  }
  return d.length ? d.join('; ') : null;
}

export interface Exec64Result {
  checked: number;
  agreed: number;
  disagreed: number;
  bothFaulted: number;
  instructions: number;
  /** Blocks the compiler produced while running the cases (with `blocks`). */
  compiledBlocks: number;
  byName: Array<[string, { cases: number; disagreed: number }]>;
  samples: string[];
}

const BATCH = 5000;

export function runExec64Conformance(count: number, seed: number, blocks = false): Exec64Result {
  const rng = new Rng(seed);
  const res: Exec64Result = { checked: 0, agreed: 0, disagreed: 0, bothFaulted: 0, instructions: 0, compiledBlocks: 0, byName: [], samples: [] };
  const names = new Map<string, { cases: number; disagreed: number }>();
  let ours = new Flat64(blocks);
  for (let start = 0; start < count; start += BATCH) {
    const cases: Case64[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) cases.push(generateCase64(rng));
    const host = runOnHost64(cases);
    cases.forEach((c, i) => {
      let problem: string | null;
      const before = ours.compiled;
      try {
        problem = compare64(c, host[i], ours.run(c));
        res.compiledBlocks += ours.compiled - before;
      } catch (e) {
        problem = `host exception: ${(e as Error).stack ?? e}`;
        ours = new Flat64(blocks);
      }
      res.checked++;
      res.instructions += c.names.length;
      const kinds = new Set(c.names.map((n) => n.split(' ')[0]));
      for (const k of kinds) { const e = names.get(k) ?? { cases: 0, disagreed: 0 }; e.cases++; if (problem) e.disagreed++; names.set(k, e); }
      if (problem === null) { res.agreed++; if (host[i].fault !== NO_FAULT) res.bothFaulted++; return; }
      res.disagreed++;
      if (res.samples.length < 40) {
        const bytes = Array.from(c.code, (b) => b.toString(16).padStart(2, '0')).join(' ');
        const regs = REG.map((r, k) => `${r}=${hex64(c.lo[k], c.hi[k])}`).join(' ');
        res.samples.push(`[${c.names.join('; ')}] ${bytes}\n      ${regs} flags=${c.rflags.toString(16)} mxcsr=${c.mxcsr.toString(16)}\n      ${problem}`);
      }
    });
  }
  res.byName = [...names.entries()].sort((a, b) => b[1].disagreed - a[1].disagreed || (a[0] < b[0] ? -1 : 1));
  return res;
}

export function describeExec64(r: Exec64Result): string {
  const blocks = r.compiledBlocks > 0 ? `, ${r.compiledBlocks} blocks compiled` : '';
  const lines = [`executor 64-bit vs host CPU: ${r.checked} sequences (${r.instructions} instructions${blocks}), ${r.agreed} agreed (${r.bothFaulted} both faulted), ${r.disagreed} disagreed`];
  const bad = r.byName.filter(([, e]) => e.disagreed > 0);
  if (bad.length) {
    lines.push('  in sequences with: ' + bad.slice(0, 30).map(([n, e]) => `${n} ${e.disagreed}/${e.cases}`).join(', '));
    for (const s of r.samples.slice(0, 25)) lines.push('    ' + s);
  }
  return lines.join('\n');
}
