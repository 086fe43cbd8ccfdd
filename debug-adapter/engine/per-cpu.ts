// Linux's per-CPU variables as the debugger reaches them. A per-CPU variable's address in the
// debug information is its place in the template section (0-based on x86-64 up to 6.14,
// link addresses elsewhere); each CPU's copy lies that address plus the CPU's offset: the
// kernel's __per_cpu_offset[cpu], which on x86-64 is also what GS base holds while that CPU
// is in the kernel (SWAPGS keeps it in IA32_KERNEL_GS_BASE while user code runs). `current`
// is this CPU's pcpu_hot.current_task (6.2 and later) or current_task (before).

import type { MachineApi } from '../../emulator/machine';
import { sizeOf, strip, type CType, type DebugInfo, type Regs, type Variable } from '../../emulator/loader/dwarf';
import { memberOffset, type Typed } from '../../emulator/expression';
import { asAddress, kernelGsBase, segmentBase, type LongCpu } from './long-mode-view';
import type { SymbolTable } from './symbols';

export class PerCpu {
  private globalsByName: Map<string, Variable> | null = null;

  constructor(
    private readonly machine: MachineApi,
    private readonly dwarf: DebugInfo | null,
    private readonly symbols: SymbolTable,
    private readonly long: () => LongCpu | null,
    private readonly readMemory: (addr: number, len: number) => Uint8Array | null,
    private readonly regs: () => Regs,
  ) {}

  /** A global variable of the debug information by name. */
  global(name: string): Variable | undefined {
    if (!this.dwarf) return undefined;
    // A debug file loaded lazily finds a global's unit by name rather than listing them all.
    const lazy = (this.dwarf as { globalNamed?: (n: string) => Variable | undefined }).globalNamed;
    if (lazy) return lazy.call(this.dwarf, name);
    if (!this.globalsByName) {
      this.globalsByName = new Map();
      for (const g of this.dwarf.globals()) if (!this.globalsByName.has(g.name)) this.globalsByName.set(g.name, g);
    }
    return this.globalsByName.get(name);
  }

  /** Where a global lives (its DWARF location, else its ELF symbol). */
  addressOf(name: string): number | undefined {
    const v = this.global(name);
    if (v && this.dwarf) {
      const loc = this.dwarf.evaluateLocation(v, { regs: this.regs(), readMemory: this.readMemory, innermost: true }, null);
      if (loc.kind === 'memory') return loc.address;
    }
    return this.symbols.lookup(name)?.address;
  }

  private qword(addr: number): bigint | null {
    const b = this.readMemory(addr, 8);
    return b && b.length === 8 ? new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) : null;
  }

  /**
   * The per-CPU offset of the stopped CPU (cpu null) or of CPU n. The stopped CPU's is its
   * kernel GS base: GS.base in the kernel, IA32_KERNEL_GS_BASE while user code runs.
   */
  offset(cpu: number | null): number | undefined {
    if (cpu !== null) {
      const table = this.addressOf('__per_cpu_offset');
      if (table === undefined) return undefined;
      const v = this.global('__per_cpu_offset');
      const t = v ? strip(v.type) : null;
      if (t?.kind === 'array' && t.counts[0] !== null && t.counts[0] !== undefined && cpu >= t.counts[0]) return undefined;
      const q = this.qword(asAddress(BigInt(table) + BigInt(cpu * 8)));
      return q === null ? undefined : asAddress(q);
    }
    const c = this.long();
    if (!c) return undefined;
    const gs = segmentBase(c, 'gs');
    const kgs = kernelGsBase(c) ?? 0n;
    // Ring 3 outside PV is user code, which runs on the user's GS base (after SWAPGS).
    const user = (this.machine.getRegisters().cs & 3) === 3 && !this.machine.pvState?.();
    const base = user ? kgs || gs : gs || kgs;
    return base ? asAddress(base) : undefined;
  }

  /** `current` of the stopped CPU or CPU n: an lvalue of type `struct task_struct *` (its per-CPU slot). */
  currentTask(cpu: number | null): Typed | undefined {
    const off = this.offset(cpu);
    if (off === undefined) return undefined;
    for (const [name, member] of [['pcpu_hot', 'current_task'], ['current_task', null]] as const) {
      const v = this.global(name);
      const at = this.addressOf(name);
      if (!v || at === undefined) continue;
      let type = v.type, delta = 0;
      if (member) {
        const t = strip(v.type);
        if (t.kind !== 'struct') continue;
        let m: { offset: number; type: CType };
        try { m = memberOffset(t, [member]); } catch { continue; }
        type = m.type; delta = m.offset;
      }
      if (strip(type).kind !== 'pointer' || sizeOf(type) !== 8) continue;
      return { kind: 'typed', type, address: asAddress(BigInt(at) + BigInt(off) + BigInt(delta)) };
    }
    return undefined;
  }

  /** The address of the task the stopped CPU runs (`current`), or null. */
  currentTaskAddress(): number | null {
    const slot = this.currentTask(null);
    const b = slot?.address !== undefined ? this.readMemory(slot.address, 8) : null;
    return b && b.length === 8 ? Number(new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0, true)) : null;
  }
}
