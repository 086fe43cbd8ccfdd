// Integer arithmetic in 64-bit mode (LONG-MODE.md, "Dispatch"): the ALU forms, TEST, group 3
// (NOT NEG MUL IMUL DIV IDIV), IMUL, CMPXCHG, XADD and CMPXCHG8B with REX.W operands. Without
// REX.W each runs the legacy handler (arith.ts) and then zero-extends a 32-bit register
// destination, as every 32-bit register write does in 64-bit mode.

import * as K from './constants';
import * as LF from './lazy-flags';
import type { ExecCpu, Handler, HandlerMap } from './handler';
import * as A64 from './alu64';

// Bindings read once at load (see lazy-flags.ts).
const { UD } = K;
const { synthRes } = LF;
const { alu64, div128, imul64, mul64, product, split } = A64;

type Fixup = (cpu: ExecCpu, b: number) => void;

/**
 * The 64-bit handler of an opcode: REX.W operands in `h64`, the rest through the legacy
 * handler followed by `fix` for a 32-bit operand size (zeroing the high halves it wrote).
 */
export function widen(legacy: Handler, fix: Fixup | null, h64: Handler): Handler {
  return (cpu, b) => {
    if (cpu.o64) { h64(cpu, b); return; }
    legacy(cpu, b);
    if (fix !== null && cpu.o32) fix(cpu, b);
  };
}

// Fixups: which 32-bit register the legacy handler may have written.
export const zeroE: Fixup = (cpu) => { if (cpu.mod === 3) cpu.regsHi[cpu.rm] = 0; };
export const zeroG: Fixup = (cpu) => { cpu.regsHi[cpu.reg] = 0; };
export const zeroA: Fixup = (cpu) => { cpu.regsHi[0] = 0; };

/** Read-modify-write of a 64-bit E operand by ALU op `op` with b = bh:bl (CMP only reads). */
export function aluE64(cpu: ExecCpu, op: number, bl: number, bh: number): void {
  if (cpu.lock && (cpu.mod === 3 || op === 7)) cpu.fault(UD);
  const regs = cpu.regs, hi = cpu.regsHi;
  if (cpu.mod === 3) {
    const r = cpu.rm;
    const lo = alu64(cpu, op, regs[r], hi[r], bl, bh);
    if (op !== 7) { regs[r] = lo; hi[r] = cpu.opHi; }
    return;
  }
  const lin = cpu.eaLin(8, op !== 7);
  const al = cpu.rd64(lin), ah = cpu.rdHi;
  if (op === 7) { alu64(cpu, 7, al, ah, bl, bh); return; }
  // Checked for writing before the flags change: the write below cannot fault then.
  cpu.probeWrite(lin, 8);
  const lo = alu64(cpu, op, al, ah, bl, bh);
  cpu.wr64(lin, lo, cpu.opHi);
}

/** 01 09 ... 39: op Ev, Gv. */
const aluEvGv = (legacy: Handler): Handler => widen(legacy, (cpu, b) => { if (b >> 3 !== 7) zeroE(cpu, b); }, (cpu, b) => {
  cpu.modrm();
  aluE64(cpu, b >> 3, cpu.regs[cpu.reg], cpu.regsHi[cpu.reg]);
});

/** 03 0B ... 3B: op Gv, Ev. */
const aluGvEv = (legacy: Handler): Handler => widen(legacy, (cpu, b) => { if (b >> 3 !== 7) zeroG(cpu, b); }, (cpu, b) => {
  cpu.modrm();
  const bl = cpu.getE64(), bh = cpu.opHi;
  const lo = alu64(cpu, b >> 3, cpu.regs[cpu.reg], cpu.regsHi[cpu.reg], bl, bh);
  if (b >> 3 !== 7) cpu.setG64(lo, cpu.opHi);
});

/** 05 0D ... 3D: op rAX, Iz (sign-extended to 64). */
const aluAxIz = (legacy: Handler): Handler => widen(legacy, (cpu, b) => { if (b >> 3 !== 7) zeroA(cpu, b); }, (cpu, b) => {
  const i = cpu.fetch32();
  const lo = alu64(cpu, b >> 3, cpu.regs[0], cpu.regsHi[0], i, i >> 31);
  if (b >> 3 !== 7) cpu.setR64(0, lo, cpu.opHi);
});

/** 81 /r Iz and 83 /r Ib. */
const group1 = (legacy: Handler): Handler => widen(legacy, (cpu) => { if (cpu.reg !== 7) zeroE(cpu, 0); }, (cpu, b) => {
  cpu.modrm();
  const i = b === 0x81 ? cpu.fetch32() : (cpu.fetch8() << 24) >> 24;
  aluE64(cpu, cpu.reg, i, i >> 31);
});

const testEvGv = (legacy: Handler): Handler => widen(legacy, null, (cpu) => {
  cpu.modrm();
  const al = cpu.getE64(), ah = cpu.opHi;
  alu64(cpu, 4, al, ah, cpu.regs[cpu.reg], cpu.regsHi[cpu.reg]);
});

const testAxIz = (legacy: Handler): Handler => widen(legacy, null, (cpu) => {
  const i = cpu.fetch32();
  alu64(cpu, 4, cpu.regs[0], cpu.regsHi[0], i, i >> 31);
});

/** Flags of a 64-bit multiply: CF = OF = overflow; SF, ZF, PF from the low 64 bits (undefined). */
function mulFlags64(cpu: ExecCpu, overflow: boolean, lo: number, hi: number): void {
  cpu.setResultFlags(synthRes(lo, hi), 32, overflow ? 1 : 0, overflow ? 1 : 0, 0);
}

/** The low 64 bits of a signed 64x64 product, with IMUL's flags (two- and three-operand forms). */
function imulTrunc64(cpu: ExecCpu, al: number, ah: number, bl: number, bh: number): number {
  imul64(cpu, al, ah, bl, bh);
  const lo = product[0], hi = product[1];
  const sign = hi >> 31;
  mulFlags64(cpu, product[2] !== sign || product[3] !== sign, lo, hi);
  cpu.opHi = hi;
  return lo;
}

/** 69 / 6B: IMUL Gv, Ev, Iz / Ib. */
const imulImm = (legacy: Handler): Handler => widen(legacy, zeroG, (cpu, b) => {
  cpu.modrm();
  const al = cpu.getE64(), ah = cpu.opHi;
  const i = b === 0x69 ? cpu.fetch32() : (cpu.fetch8() << 24) >> 24;
  const lo = imulTrunc64(cpu, al, ah, i, i >> 31);
  cpu.setG64(lo, cpu.opHi);
});

/** 0F AF: IMUL Gv, Ev. */
const imulGvEv = (legacy: Handler): Handler => widen(legacy, zeroG, (cpu) => {
  cpu.modrm();
  const bl = cpu.getE64(), bh = cpu.opHi;
  const lo = imulTrunc64(cpu, cpu.regs[cpu.reg], cpu.regsHi[cpu.reg], bl, bh);
  cpu.setG64(lo, cpu.opHi);
});

/** F7: group 3 with 64-bit operands; 32-bit NOT/NEG zero-extend E, MUL..IDIV RAX and RDX. */
const group3 = (legacy: Handler): Handler => widen(legacy, (cpu) => {
  if (cpu.reg === 2 || cpu.reg === 3) zeroE(cpu, 0);
  else if (cpu.reg >= 4) { cpu.regsHi[0] = 0; cpu.regsHi[2] = 0; }
}, (cpu) => {
  cpu.modrm();
  const regs = cpu.regs, hi = cpu.regsHi;
  const reg = cpu.reg;
  if (reg <= 1) {
    if (cpu.lock) cpu.fault(UD);
    const al = cpu.getE64(), ah = cpu.opHi;
    const i = cpu.fetch32();
    alu64(cpu, 4, al, ah, i, i >> 31);
    return;
  }
  if (reg === 2 || reg === 3) {
    if (cpu.lock && cpu.mod === 3) cpu.fault(UD);
    const al = cpu.getE64(), ah = cpu.opHi;
    if (cpu.mod !== 3) cpu.probeWrite(cpu.eaLin(8, true), 8);
    if (reg === 2) { cpu.setE64(~al, ~ah); return; }
    const lo = alu64(cpu, 5, 0, 0, al, ah);
    cpu.setE64(lo, cpu.opHi);
    return;
  }
  if (cpu.lock) cpu.fault(UD);
  const sl = cpu.getE64(), sh = cpu.opHi;
  if (reg === 4 || reg === 5) {
    if (reg === 4) mul64(cpu, regs[0], hi[0], sl, sh); else imul64(cpu, regs[0], hi[0], sl, sh);
    const p = product;
    const overflow = reg === 4 ? (p[2] | p[3]) !== 0 : p[2] !== (p[1] >> 31) || p[3] !== (p[1] >> 31);
    regs[0] = p[0]; hi[0] = p[1]; regs[2] = p[2]; hi[2] = p[3];
    mulFlags64(cpu, overflow, p[0], p[1]);
    return;
  }
  const { q, r } = div128(cpu, reg === 7, [regs[0], hi[0], regs[2], hi[2]], sl, sh);
  const ql = split(cpu, q), qh = cpu.opHi;
  const rl = split(cpu, r), rh = cpu.opHi;
  regs[0] = ql; hi[0] = qh; regs[2] = rl; hi[2] = rh;
});

/** 0F B1: CMPXCHG Ev, Gv with 64-bit operands (memory is always written, as on hardware). */
const cmpxchg = (legacy: Handler): Handler => widen(legacy, null, (cpu) => {
  cpu.modrm();
  if (cpu.lock && cpu.mod === 3) cpu.fault(UD);
  const dl = cpu.getE64(), dh = cpu.opHi;
  const al = cpu.regs[0], ah = cpu.regsHi[0];
  if (cpu.mod !== 3) cpu.probeWrite(cpu.eaLin(8, true), 8);
  if (al === dl && ah === dh) {
    cpu.setE64(cpu.regs[cpu.reg], cpu.regsHi[cpu.reg]);
  } else {
    if (cpu.mod !== 3) cpu.setE64(dl, dh);
    cpu.setR64(0, dl, dh);
  }
  alu64(cpu, 7, al, ah, dl, dh);
});

/** 0F C1: XADD Ev, Gv with 64-bit operands. */
const xadd = (legacy: Handler): Handler => widen(legacy, null, (cpu) => {
  cpu.modrm();
  if (cpu.lock && cpu.mod === 3) cpu.fault(UD);
  const dl = cpu.getE64(), dh = cpu.opHi;
  const sl = cpu.regs[cpu.reg], sh = cpu.regsHi[cpu.reg];
  if (cpu.mod !== 3) cpu.probeWrite(cpu.eaLin(8, true), 8);
  // The flags are those of the addition; computed on scratch and set after the writes.
  const lo = alu64(cpu, 0, dl, dh, sl, sh), hi = cpu.opHi;
  if (cpu.mod !== 3) cpu.setE64(lo, hi);
  cpu.setG64(dl, dh);
  if (cpu.mod === 3) cpu.setE64(lo, hi);
});

/**
 * 0F C7: CMPXCHG8B (no REX.W) zero-extends EDX:EAX where it loads them; CMPXCHG16B (REX.W)
 * is the legacy handler's (long-mode-ops.ts).
 */
const group9 = (legacy: Handler): Handler => (cpu, b) => {
  legacy(cpu, b);
  if (!cpu.o64 && cpu.getZF() === 0) { cpu.regsHi[0] = 0; cpu.regsHi[2] = 0; }
};

/** The 64-bit handlers of the arith family, over its legacy ones. */
export function arith64(one: HandlerMap, two: HandlerMap): { oneByte64: HandlerMap; twoByte64: HandlerMap } {
  const o: Record<number, Handler> = {
    0x69: imulImm(one[0x69]), 0x6b: imulImm(one[0x6b]), 0x81: group1(one[0x81]), 0x83: group1(one[0x83]),
    0x85: testEvGv(one[0x85]), 0xa9: testAxIz(one[0xa9]), 0xf7: group3(one[0xf7]),
  };
  for (let op = 0; op < 8; op++) {
    o[op * 8 + 1] = aluEvGv(one[op * 8 + 1]); o[op * 8 + 3] = aluGvEv(one[op * 8 + 3]); o[op * 8 + 5] = aluAxIz(one[op * 8 + 5]);
  }
  return {
    oneByte64: o,
    twoByte64: { 0xaf: imulGvEv(two[0xaf]), 0xb1: cmpxchg(two[0xb1]), 0xc1: xadd(two[0xc1]), 0xc7: group9(two[0xc7]) },
  };
}
