// The contract between the CPU and the hypervisor model. The CPU owns it (vmm/ and pv/
// implement it) and calls the sink at the exact point where a VT-x hypervisor would
// intercept (before the instruction's effect), with Intel's basic exit reason and the
// qualification encoded as the SDM defines it.

/** What the recorder reads off the CPU at the moment of an exit. */
export interface ExitContext {
  readonly icount: number;     // retired instructions before this one
  readonly instrEip: number;   // EIP of the instruction that exits
  readonly cs: number;         // CS selector
  readonly cpl: number;
  /** The faulting/exiting instruction's bytes (up to 15), read without side effects. */
  instrBytes(): Uint8Array;
  /**
   * Optional, allocation-free form of instrBytes(): copy up to `max` bytes into dst at
   * `offset` and return how many were copied. The exit log prefers it when present.
   */
  copyInstrBytes?(dst: Uint8Array, offset: number, max: number): number;
  /** General registers in encoding order EAX ECX EDX EBX ESP EBP ESI EDI. */
  readonly regs: Int32Array;
  /**
   * Optional: CS.D of the exiting code (true = 32-bit default operand size). The exit log
   * uses it to keep exactly the instruction's bytes; when absent, 32-bit code is assumed.
   */
  readonly codeSize32?: boolean;
  /**
   * Optional: bits 63:32 of RIP (0 outside 64-bit mode). With instrEip it is the 64-bit guest
   * RIP VT-x saves; absent means 0.
   */
  readonly ripHi?: number;
  /**
   * Optional: the exiting code runs in 64-bit mode (IA-32e mode with CS.L = 1), as the guest
   * CS access rights VT-x saves say. Absent means false.
   */
  readonly long64?: boolean;
  /** Optional: bits 63:32 of the general registers (RAX..R15), beside `regs`' low halves. */
  readonly regsHi?: Int32Array;
}

/** Which optional intercepts are on: the CPU tests these before calling exit(). */
export interface ExitControls {
  hltExiting: boolean;
  cr3Load: boolean;            // shadow paging
  cr3Store: boolean;
  invlpg: boolean;             // shadow paging
  pageFault: boolean;          // exception bitmap bit 14 (shadow paging)
  rdtsc: boolean;
  rdpmc: boolean;
  descriptorTable: boolean;    // LGDT/LIDT/SGDT/SIDT (46), LLDT/LTR/SLDT/STR (47)
  movDr: boolean;
  pauseExiting: boolean;
  monitorMwait: boolean;
  /** "CR8-load exiting" / "CR8-store exiting": MOV to / from CR8 in 64-bit mode exits (28). */
  cr8Load: boolean;
  cr8Store: boolean;
  /** Pin-based "NMI exiting": a physical NMI is a VM exit (reason 0, vector 2), then injected. */
  nmiExiting: boolean;
  /** Pin-based "virtual NMIs": the guest's NMI blocking is virtual-NMI blocking (needs nmiExiting). */
  virtualNmis: boolean;
  /** The hypervisor waits for an NMI the guest blocks with "NMI-window exiting" (reason 8; needs virtualNmis). */
  nmiWindowExiting: boolean;
  /** CR0 / CR4 bits owned by the hypervisor (guest/host mask): writes changing them exit. */
  cr0Mask: number;
  cr4Mask: number;
  /** MSR bitmap: true if an access to this MSR exits. */
  msrExits(msr: number, write: boolean): boolean;
  /** I/O bitmap: true if an access to this port exits (unconditional I/O exiting = all). */
  ioExits(port: number): boolean;
  /** Exception bitmap: vectors whose delivery exits (reason 0). */
  exceptionBitmap: number;
}

export interface ExitSink {
  readonly controls: ExitControls;
  /**
   * Record an exit. `handler` names who handled it (a device name, 'hypervisor', 'kvm').
   * Returns true if a debugger filter matched and wants the machine to stop after this
   * instruction.
   */
  exit(reason: number, qualification: number, handler: string, ctx: ExitContext, extra?: ExitExtra): boolean;
  /**
   * Optional: the hypervisor's answer to CPUID (which always exits under VT-x). Called after
   * the CPU filled EAX, ECX, EDX, EBX (`regs`, encoding order) for `leaf`/`subleaf`; it may
   * change them, as Xen does for its leaves at 0x40000000.
   */
  cpuid?(leaf: number, subleaf: number, regs: Int32Array): void;
  /**
   * Optional: MSRs the hypervisor itself implements (a WRMSR/RDMSR the MSR bitmap sends to it
   * and that it emulates, such as Xen's hypercall-page MSR). undefined: not the hypervisor's,
   * the CPU handles it; null (read) or false (write): #GP(0); otherwise the value read
   * ([low, high]) or true (written).
   */
  readMsr?(msr: number): readonly [number, number] | null | undefined;
  writeMsr?(msr: number, lo: number, hi: number): boolean | undefined;
}

/** Reason-specific details kept beside the qualification (guest-physical address, MSR, port value...). */
export interface ExitExtra {
  gpa?: number;        // EPT violation / APIC access
  msr?: number;
  value?: number;      // I/O data, MSR value low half, CR value
  vector?: number;     // exception / interrupt exits
  errorCode?: number;
  /** Bits 63:32 of `value` (a WRMSR's EDX, a 64-bit CR value); absent when the value is 32-bit. */
  valueHi?: number;
  /** Bits 63:32 of the qualification: the high half of a 64-bit linear address (INVLPG, #PF). */
  qualificationHi?: number;
  /**
   * The VMCS guest-linear address of the exit (INS/OUTS: the string element's address), low
   * and high halves; VT-x saves it for the exits that have one.
   */
  linear?: number;
  linearHi?: number;
  /**
   * The VM-exit instruction-information field (INS/OUTS: address size and segment; INVPCID:
   * its registers 0-15, scaling, address size, segment), laid out as the SDM's tables.
   */
  instrInfo?: number;
}
