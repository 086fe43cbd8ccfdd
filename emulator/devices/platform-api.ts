// The contract between the CPU/machine and the device models. Devices never see the CPU;
// the machine drives them through this interface only.

import type { AccessSize, MmioRange, UnassignedAccess } from '../memory/bus';

// The physical bus's vocabulary is memory's; devices implement its MMIO handler.
export type { AccessSize, MmioHandler, MmioRange, UnassignedAccess } from '../memory/bus';

/** One I/O port range's handler. Ports are 16-bit; values are masked to `size` bytes. */
export interface PortHandler {
  in(port: number, size: AccessSize): number;
  out(port: number, size: AccessSize, value: number): void;
}

/** What the platform asks the machine to do; checked by the machine after each slice. */
export type PlatformRequest =
  | { kind: 'debug-exit'; code: number }      // isa-debug-exit at 0xF4: status (value << 1) | 1
  | { kind: 'reset'; via: string }            // 0x92 bit 0, 0x64 0xFE, 0xCF9
  | { kind: 'shutdown'; via: string };        // e.g. ACPI-less power-off requests, if modelled

export interface PlatformOptions {
  /** Current virtual time source: the CPU's retired instruction count. */
  now(): number;
  /** Guest RAM size in bytes (reported through CMOS and fw_cfg). */
  ramBytes: number;
  /** Serial (COM1) and 0xE9 output bytes, delivered as they are written. */
  serialOut?(byte: number): void;
  /** Read the guest's physical memory (VGA text buffer lives in RAM at 0xB8000). */
  readPhys(addr: number, size: AccessSize): number;
}

/**
 * All devices of the PC platform, wired together. Virtual time: one retired guest
 * instruction = INSTRUCTION_NS nanoseconds (see timebase.ts); devices compute their state
 * lazily from now() and report their next deadline so the machine can run the CPU in
 * slices that end exactly when a device needs service.
 */
export interface Platform {
  portIn(port: number, size: AccessSize): number;
  portOut(port: number, size: AccessSize, value: number): void;
  /** Name of the device owning a port, or undefined (for exit records / surface reports). */
  portOwner(port: number): string | undefined;
  readonly mmio: readonly MmioRange[];

  /** Highest-priority pending maskable interrupt vector, or -1. Does not acknowledge. */
  pendingVector(): number;
  /** Acknowledge (INTA cycle) and return the vector to deliver; -1 if it vanished (spurious). */
  acknowledge(): number;
  /**
   * Whether an NMI is waiting for the CPU (the local APIC's ICR, LINT0/LINT1 in NMI mode, an
   * I/O APIC NMI message, the chipset's IOCHK/SERR line through port 0x61 and 0x70). Does not
   * consume it. Optional: a platform without NMI sources leaves it out.
   */
  nmiPending?(): boolean;
  /** The CPU takes the NMI (as it starts delivering vector 2); false if none was pending. */
  takeNmi?(): boolean;
  /**
   * Whether a device interrupt can become an NMI with no instruction run (LINT0 in NMI mode fed
   * by the 8259, an unmasked I/O APIC entry with NMI delivery): a HLT with IF=0 then waits for
   * the timers instead of ending the run. Optional, like the other NMI members.
   */
  nmiRoutable?(): boolean;

  /**
   * The local APIC's task-priority register (bits 7:0), which MOV CR8 reads and writes in
   * 64-bit mode (CR8[3:0] is TPR[7:4]). Optional: without it CR8 is the CPU's own register.
   */
  readTpr?(): number;
  writeTpr?(value: number): void;

  /** Instruction count at which some device next changes state on its own (Infinity if none). */
  nextDeadline(): number;
  /** Bring devices up to time now(); raises interrupts that became due. */
  tick(): void;

  /** A request for the machine (debug-exit, reset), consumed once. */
  takeRequest(): PlatformRequest | null;
  /** A20 gate state (port 0x92 bit 1 / keyboard controller). */
  readonly a20: boolean;

  readonly unassigned: { count: number; recent: UnassignedAccess[] };
  /** Feed host input to the UART (CLI stdin, debug console). */
  serialInput(bytes: Uint8Array): void;
  /** VGA text state for viewers. */
  vgaText(): { cols: number; rows: number; cells: Uint16Array; cursor: { row: number; col: number; visible: boolean } };
  reset(): void;
  /** Device state for Machine.snapshot(): opaque and structured-clone-able; give it back to loadState. */
  saveState?(): unknown;
  loadState?(state: unknown): void;
}
