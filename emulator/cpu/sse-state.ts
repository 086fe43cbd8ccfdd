// What every SSE instruction does around its operation (the registers are in sse-unit.ts):
// the CR0/CR4 checks, fetching its source operand (a register, or memory through a scratch
// slot after the XMM registers so every operation works on slot indices), storing a result
// to memory, and raising or recording the SIMD floating-point exceptions.

import * as K from './constants';
import type { ExecCpu } from './handler';
import { OPCODE_FORMS } from '../isa/opcode-forms';

const { CR0_EM, CR0_TS, CR4_OSFXSR, CR4_OSXMMEXCPT, GP, NM, UD } = K;

/** #XM, the SIMD floating-point exception. */
export const XM = 19;

/** Slot of the scratch operand: memory sources are loaded here (slots 0-15 are XMM0-15). */
export const SCRATCH = 16;
/** A second scratch slot for results built before they are committed. */
export const TEMP = 17;

export { MXCSR_MASK, MXCSR_RESET, MX_DAZ, MX_DE, MX_FTZ, MX_IE, MX_OE, MX_PE, MX_UE, MX_ZE, SseUnit } from './sse-unit';
import { MXCSR_MASK, MX_DE, MX_IE, MX_ZE } from './sse-unit';

/** The checks before any SSE instruction (SDM vol. 3, 13.1): #UD without OSFXSR or with EM, #NM with TS. */
export function sseCheck(cpu: ExecCpu): void {
  if ((cpu.cr0 & CR0_EM) || !(cpu.cr4 & CR4_OSFXSR)) cpu.fault(UD);
  if (cpu.cr0 & CR0_TS) cpu.fault(NM);
}

const PREFIX_INDEX: Record<string, number> = { np: 0, '66': 1, f3: 2, f2: 3 };

/**
 * Which (opcode, mandatory prefix, register or memory operand, ModR/M.reg) the SSE forms
 * define, from the opcode-form description: an SSE opcode holds up to four instructions and
 * any other combination (the MMX forms among them) is #UD. Opcodes are numbered 0x000-0x0FF
 * for the 0F map, 0x100-0x1FF for 0F 38 and 0x200-0x2FF for 0F 3A.
 */
const VALID = new Uint8Array(3 * 256 * 4 * 2 * 8);
const MAP_BASE: Record<string, number> = { '0f': 0, '0f38': 0x100, '0f3a': 0x200 };
for (const f of OPCODE_FORMS) {
  if (MAP_BASE[f.map] === undefined || !f.family.startsWith('sse') || f.prefix === undefined) continue;
  for (let mod = 0; mod < 2; mod++) {
    if ((f.mod === 'reg' && mod === 0) || (f.mod === 'mem' && mod === 1)) continue;
    for (let reg = 0; reg < 8; reg++) {
      if (f.reg !== undefined && f.reg !== reg) continue;
      VALID[(((MAP_BASE[f.map] + f.opcode) * 4 + PREFIX_INDEX[f.prefix]) * 2 + mod) * 8 + reg] = 1;
    }
  }
}

/**
 * Decodes the ModR/M byte of an SSE instruction, refuses the encodings no form defines (#UD),
 * makes the CR0/CR4 checks (unless `noChecks`: MOVNTI works on general registers) and returns
 * the mandatory prefix. `op` is numbered as in VALID.
 */
export function sseEnter(cpu: ExecCpu, op: number, noChecks = false): number {
  cpu.modrm();
  const p = mandatoryPrefix(cpu);
  const pi = p === 0 ? 0 : p === 0x66 ? 1 : p === 0xf3 ? 2 : 3;
  if (!VALID[((op * 4 + pi) * 2 + (cpu.mod === 3 ? 1 : 0)) * 8 + (cpu.reg & 7)]) cpu.fault(UD);
  if (!noChecks) sseCheck(cpu);
  return p;
}

/** The mandatory prefix in force: F2 or F3 (the last one), else 66, else 0. */
export function mandatoryPrefix(cpu: ExecCpu): number {
  return cpu.rep !== 0 ? cpu.rep : cpu.o32 !== cpu.cs32 ? 0x66 : 0;
}

/** A 16-byte memory operand that must be aligned (MOVAPS, the packed operations): #GP(0) otherwise. */
function aligned(cpu: ExecCpu, size: number, write: boolean, align: boolean): number {
  const lin = cpu.eaLin(size, write);
  if (align && (lin & 15) !== 0) cpu.fault(GP, 0);
  return lin;
}

/**
 * The source operand (ModR/M r/m) as a slot: the XMM register, or `size` bytes of memory
 * (4, 8 or 16) loaded into the scratch slot's low bytes (the rest cleared). Packed 16-byte
 * memory operands must be aligned unless `unaligned`.
 */
export function srcSlot(cpu: ExecCpu, size: number, unaligned = false): number {
  if (cpu.mod === 3) return cpu.rm;
  const s = cpu.sse, lin = aligned(cpu, size, false, size === 16 && !unaligned);
  const base = SCRATCH * 4;
  const w0 = cpu.rd32(lin);
  const w1 = size > 4 ? cpu.rd32(lin + 4) : 0;
  const w2 = size > 8 ? cpu.rd32(lin + 8) : 0;
  const w3 = size > 8 ? cpu.rd32(lin + 12) : 0;
  s.i32[base] = w0; s.i32[base + 1] = w1; s.i32[base + 2] = w2; s.i32[base + 3] = w3;
  return SCRATCH;
}

/** Stores `size` bytes (4, 8 or 16) of a slot to the ModR/M memory operand, all pages checked first. */
export function storeSlot(cpu: ExecCpu, slot: number, size: number, align: boolean): void {
  const lin = aligned(cpu, size, true, align);
  cpu.probeWrite(lin, size);
  const i32 = cpu.sse.i32, b = slot * 4;
  for (let i = 0; i < size >> 2; i++) cpu.wr32(lin + i * 4, i32[b + i]);
}

/**
 * After a SIMD floating-point operation computed its result in TEMP and collected the
 * exception flags it raised: an unmasked one raises #XM (or #UD without CR4.OSXMMEXCPT),
 * leaving the destination alone and setting only the flags; otherwise the flags are
 * recorded and the caller commits the result.
 */
export function simdExceptions(cpu: ExecCpu, flags: number): void {
  if (flags === 0) return;
  const s = cpu.sse;
  const unmasked = flags & ~(s.mxcsr >> 7) & 0x3f;
  // An unmasked pre-computation exception (IE, DE, ZE) means the post-computation ones
  // (OE, UE, PE) are never evaluated (SDM vol. 1, 11.5.2): only the former are recorded.
  s.mxcsr |= unmasked & (MX_IE | MX_DE | MX_ZE) ? flags & (MX_IE | MX_DE | MX_ZE) : flags;
  if (unmasked) cpu.fault(cpu.cr4 & CR4_OSXMMEXCPT ? XM : UD);
}
