// The record of one hypervisor event (an HVM exit or a PV hypercall, trap bounce, upcall...)
// and the counters over them: what the HVM model and the PV hypervisor both write, and what
// the machine, the CLI and the debugger read. Below vmm/ and pv/, so neither imports the other.

/** An exit as the debugger and CLI see it (decoded from the ring buffer on demand). */
export interface ExitRecord {
  seq: number;
  reason: number;
  reasonName: string;
  qualification: number;
  eip: number;
  cs: number;
  cpl: number;
  bytes: Uint8Array;
  icount: number;
  handler: string;
  cycles: number;
  gpa?: number; msr?: number; value?: number; vector?: number; errorCode?: number;
  /** Bits 63:32 of the guest RIP: eip is the low half (the log sets it on every record, 0 outside 64-bit mode). */
  ripHi?: number;
  /** The exiting code ran in 64-bit mode (IA-32e with CS.L = 1): bytes decode as 64-bit code. */
  long64?: boolean;
  /** High halves where VT-x's field is 64 bits: a linear-address qualification, a WRMSR value. */
  qualificationHi?: number;
  valueHi?: number;
  /** The VMCS guest-linear address (INS/OUTS), low and high halves. */
  linear?: number;
  linearHi?: number;
  /** The VM-exit instruction-information field (INS/OUTS, INVPCID). */
  instrInfo?: number;
}

/** Counters and log of the hypervisor model, as the CLI, the adapter and the reports read them. */
export interface ExitStats {
  total: number;
  byReason: Record<string, number>;         // reason name -> count
  cyclesByReason: Record<string, number>;   // reason name -> estimated cycles (a model, not a measurement)
  guestCycles: number;                       // estimated cycles for guest instructions
  recent(count: number): ExitRecord[];       // newest last
  page(from: number, count: number, filter?: (r: ExitRecord) => boolean): ExitRecord[];
  /** PV mode: hypercalls by name (multicall entries included), their estimated cycles and failures. */
  hypercalls?: Record<string, number>;
  hypercallCycles?: Record<string, number>;
  hypercallErrors?: Record<string, number>;
}
