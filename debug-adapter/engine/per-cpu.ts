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

/** A global as the Linux views need it: a type, and the DWARF variable when the unit defining it was read. */
export interface KernelGlobal { type: CType; variable?: Variable }

/**
 * Where Linux defines the globals the debugger reads, for a debug file read lazily: a function
 * of the same compile unit (reading its unit brings the global's DIE), or the type when the
 * defining unit has no code at all. Facts about Linux's source layout (5.10-6.x).
 */
const LINUX_HOMES: Record<string, { beside?: string; type?: string }> = {
  prb: { beside: 'vprintk_store' },                  // kernel/printk/printk.c
  init_task: { beside: 'copy_process', type: 'struct task_struct' },   // init/init_task.c has no code; kernel/fork.c uses the type
  current_task: { beside: 'cpu_init' },              // arch/x86/kernel/cpu/common.c (before 6.2)
  pcpu_hot: { beside: 'cpu_init' },                  // the same unit (6.2 and later)
  __per_cpu_offset: { beside: 'setup_per_cpu_areas' }, // arch/x86/kernel/setup_percpu.c
};

export class PerCpu {
  private globalsByName: Map<string, Variable> | null = null;

  constructor(
    private readonly machine: MachineApi,
    private readonly dwarf: DebugInfo | null,
    private readonly symbols: SymbolTable,
    private readonly long: () => LongCpu | null,
    private readonly readMemory: (addr: number, len: number) => Uint8Array | null,
    private readonly regs: () => Regs,
    private readonly typeNamed: (name: string) => CType | undefined,
  ) {}
  private readonly triedHome = new Set<string>();

  /** A global of the debug information by name: its type, and its DWARF variable when there is one. */
  global(name: string): KernelGlobal | undefined {
    const di = this.dwarf;
    if (!di) return undefined;
    // A debug file loaded lazily finds a global only in the units read so far: read the unit
    // of a function known to sit beside it, once, and look again.
    const lazy = (di as { globalNamed?: (n: string) => Variable | undefined }).globalNamed;
    if (lazy) {
      let v = lazy.call(di, name);
      const where = LINUX_HOMES[name];
      if (!v && where?.beside && !this.triedHome.has(name)) { this.triedHome.add(name); di.functionByName(where.beside); v = lazy.call(di, name); }
      if (v) return { type: v.type, variable: v };
      // Defined in a unit without code (init/init_task.c): its type by name, its address from the symbol table.
      const t = where?.type ? this.typeNamed(where.type) : undefined;
      return t ? { type: t } : undefined;
    }
    if (!this.globalsByName) {
      this.globalsByName = new Map();
      for (const g of di.globals()) if (!this.globalsByName.has(g.name)) this.globalsByName.set(g.name, g);
    }
    const v = this.globalsByName.get(name);
    return v ? { type: v.type, variable: v } : undefined;
  }

  /** Where a global lives (its DWARF location, else its ELF symbol). */
  addressOf(name: string): number | undefined {
    const v = this.global(name)?.variable;
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
