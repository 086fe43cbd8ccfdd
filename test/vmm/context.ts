// A hand-made ExitContext for driving the hypervisor model without a CPU: the fields a CPU
// would fill in at an exit, given explicitly.
import type { ExitContext } from '../../emulator/cpu/exit-api';

export function makeContext(fields: { icount?: number; eip?: number; cs?: number; cpl?: number; bytes?: number[]; regs?: number[]; regsHi?: number[]; long64?: boolean } = {}): ExitContext {
  const regs = new Int32Array(8);
  (fields.regs ?? []).forEach((v, i) => { regs[i] = v; });
  const bytes = new Uint8Array(fields.bytes ?? [0xee]);
  return {
    icount: fields.icount ?? 0,
    instrEip: fields.eip ?? 0x100000,
    cs: fields.cs ?? 0x08,
    cpl: fields.cpl ?? 0,
    instrBytes: () => bytes,
    regs,
    ...(fields.regsHi !== undefined ? { regsHi: Int32Array.from({ length: 16 }, (_, i) => fields.regsHi![i] ?? 0) } : {}),
    ...(fields.long64 !== undefined ? { long64: fields.long64 } : {}),
  };
}
