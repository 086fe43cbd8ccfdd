// Virtual time. The only clock is the CPU's retired-instruction count, so a run is a pure
// function of its inputs and can be replayed exactly (reverse debugging depends on it).
//
// INSTRUCTION_NS = 10 (clock.ts) makes the virtual CPU a 100 MHz machine: one instruction per cycle
// at the clock of a late Pentium-class part, which keeps the figures guests compute
// (delay-loop calibration, timer-interrupt spacing) in the range real PC code expects,
// and keeps the conversions below exact in integer arithmetic (1e8 instructions = 1 s).

// INSTRUCTION_NS itself is defined once, in emulator/clock.ts, shared with the CPU's TSC.
import { INSTRUCTION_NS } from '../clock';
export { INSTRUCTION_NS };
/** Instructions per virtual second. */
export const INSTRUCTIONS_PER_SECOND = 1_000_000_000 / INSTRUCTION_NS;
/** The 8254's input clock on a PC (14.31818 MHz / 12). */
export const PIT_HZ = 1_193_182;
/** The MC146818's time base (32.768 kHz crystal). */
export const RTC_HZ = 32_768;
/** Local APIC timer input before the divide configuration: 1 GHz, one tick per ns, as QEMU. */
export const APIC_BUS_HZ = 1_000_000_000;

const IPS = INSTRUCTIONS_PER_SECOND;

/**
 * Number of whole `hz` clock edges in `icount` instructions: floor(icount * hz / IPS).
 * Split into whole seconds and a remainder so every intermediate stays below 2^53.
 */
export function ticksIn(icount: number, hz: number): number {
  const q = Math.floor(icount / IPS);
  const r = icount - q * IPS;
  return q * hz + Math.floor((r * hz) / IPS);
}

/** Smallest instruction count whose ticksIn(.., hz) reaches `ticks`. */
export function icountForTicks(ticks: number, hz: number): number {
  const q = Math.floor(ticks / hz);
  const r = ticks - q * hz;
  return q * IPS + Math.ceil((r * IPS) / hz);
}

export function icountToNs(icount: number): number {
  return icount * INSTRUCTION_NS;
}
