// Finding where a KASLR kernel runs, for symbols from its debug vmlinux. The decompressor moves
// the kernel's virtual addresses by a multiple of 2 MiB (CONFIG_PHYSICAL_ALIGN's minimum on
// x86-64) below 1 GiB, so x86_64_start_kernel, the first C function of the kernel proper, runs
// at one of 512 addresses. A probe breakpoint sits on each; the first hit whose code matches
// the vmlinux's bytes gives the offset, the probes go, and the symbols move by it.

import type { DebugFile } from '../../emulator/loader/dwarf/debug-file';

const ALIGN = 0x200000;
const SLOTS = 512;
/** Bytes of the function compared: the call and data addresses in it may differ after relocation, so most, not all, must match. */
const COMPARE = 48;
const MATCH = 40;

export interface KaslrHost {
  addBreakpoint(a: number): void;
  removeBreakpoint(a: number): void;
  readLinear(a: number, n: number): Uint8Array | null;
  /** True when a user breakpoint is at the address (its machine breakpoint must stay). */
  userAt(a: number): boolean;
}

export class KaslrProbe {
  private readonly probes = new Set<number>();
  private readonly expected: Uint8Array;

  /** Null when the file has no x86_64_start_kernel (not an x86-64 Linux) or its code cannot be read. */
  static create(file: DebugFile, host: KaslrHost): KaslrProbe | null {
    if (file.elf.class !== 64) return null;
    const at = file.addressesOf('x86_64_start_kernel')[0];
    if (at === undefined) return null;
    const text = file.elf.sections.find((s) => s.type === 1 && (s.flags & 0x4) !== 0 && at >= s.addr && at + COMPARE <= s.addr + s.size);
    if (!text) return null;
    return new KaslrProbe(file, host, at, file.elf.readIn(text, at - text.addr, COMPARE));
  }

  private constructor(private readonly file: DebugFile, private readonly host: KaslrHost, readonly linkAddress: number, expected: Uint8Array) {
    this.expected = expected;
    for (let k = 0; k < SLOTS; k++) {
      const a = linkAddress + k * ALIGN;
      this.probes.add(a);
      host.addBreakpoint(a);
    }
  }

  get active(): boolean { return this.probes.size > 0; }

  /**
   * A machine breakpoint at `pc`: true when it was a probe (handled here; the caller goes on
   * unless a user breakpoint is there too). On the kernel's code the symbols move and
   * `found` says by how much.
   */
  hit(pc: number, found: (delta: number) => void): boolean {
    if (!this.probes.has(pc)) return false;
    const code = this.host.readLinear(pc, COMPARE);
    let same = 0;
    if (code) for (let i = 0; i < COMPARE; i++) if (code[i] === this.expected[i]) same++;
    if (same < MATCH) return true;   // some other code at that address (the decompressor's): keep looking
    const delta = pc - this.linkAddress;
    for (const a of this.probes) if (!this.host.userAt(a)) this.host.removeBreakpoint(a);
    this.probes.clear();
    this.file.relocate(delta);
    found(delta);
    return true;
  }
}
