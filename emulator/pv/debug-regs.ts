// A PV vCPU's debug registers as Xen's set_debugreg/get_debugreg keep them; the
// set_debugreg/get_debugreg hypercalls and the emulated MOV to/from DRn share these rules.
// A write takes effect at once (the CPU's breakpoints are recomputed): Xen 4.5 to 4.10 let
// some DR7 writes wait for the next reschedule, which made guest debugging useless.
// The registers live in the CPU (and its snapshots); reads come from there, so DR6 shows
// the B0-B3 bits of a #DB just delivered. A 64-bit guest's registers are 64 bits wide: the
// CPU holds the low halves (what its breakpoints compare), the vCPU the high halves of
// DR0-DR3 (DR6 and DR7 have none: Xen refuses a value with its upper half set).

import { EINVAL, ENODEV, EPERM, HYPERVISOR_VIRT_START } from './abi';
import type { PvDomain } from './domain';

const CR4_DE = 1 << 3;
const DR7_GD = 1 << 13, DR7_ACTIVE = 0xff;
/** DR6 and DR7 bits that read as 1 and bits that read as 0 (SDM Vol. 3, 18.2.3-4). */
const DR6_ONES = 0xffff0ff0, DR6_KEPT = 0xe00f;
const DR7_ZEROES = 0xd800, DR7_ONES = 0x400;

/** DR4/DR5 are DR6/DR7 unless CR4.DE is set (then they do not exist: -ENODEV). */
function alias(d: PvDomain, reg: number): number {
  if (reg === 4 || reg === 5) return d.cpu.cr4 & CR4_DE ? -1 : reg + 2;
  return reg <= 7 ? reg : -1;
}

/**
 * Xen's access_ok for a 64-bit guest: the lower canonical half, or at or above the end of
 * Xen's own range (0xffff880000000000), which leaves out the non-canonical hole and Xen.
 */
function accessOk64(hi: number): boolean {
  const h = hi >>> 0;
  return h < 0x8000 || h >= 0xffff8800;
}

/**
 * 0, or -errno: -ENODEV (#UD when emulating MOV), -EPERM or -EINVAL (#GP). `hi` is the upper
 * half of a 64-bit guest's value (the two halves keep it whole: a double would round it).
 */
export function setDebugReg(d: PvDomain, reg: number, value: number, hi = 0): number {
  const r = alias(d, reg);
  if (r < 0) return -ENODEV;
  const wide = d.width === 64;
  let v = value >>> 0;
  if (wide && r >= 4 && hi !== 0) return -EINVAL; // DR6/DR7: the upper 32 bits are reserved
  if (r < 4) {
    if (wide ? !accessOk64(hi) : v >= HYPERVISOR_VIRT_START) return -EPERM;
    if (wide) d.v64.drHi[r] = hi | 0;
  } else if (r === 6) {
    v = ((v & DR6_KEPT) | DR6_ONES) >>> 0;
  } else {
    v = ((v & ~DR7_ZEROES) | DR7_ONES) >>> 0;
    if (v & DR7_GD) return -EPERM;
    if (v & DR7_ACTIVE) {
      // I/O breakpoints (R/W 10) need CR4.DE.
      for (let i = 0; i < 4; i++) if (((v >>> (16 + i * 4)) & 3) === 2 && !(d.cpu.cr4 & CR4_DE)) return -EPERM;
    }
  }
  d.cpu.dr[r] = v | 0;
  if (r !== 6) d.cpu.updateDebugRegisters();
  return 0;
}

/** The register's value as [low, high] halves (high is 0 for a 32-bit guest), or null where Xen answers -ENODEV. */
export function getDebugReg(d: PvDomain, reg: number): [lo: number, hi: number] | null {
  const r = alias(d, reg);
  if (r < 0) return null;
  const v = d.cpu.dr[r]! >>> 0;
  if (r === 6) return [(v | DR6_ONES) >>> 0, 0];
  if (r === 7) return [(v | DR7_ONES) >>> 0, 0];
  return [v, d.width === 64 ? d.v64.drHi[r]! >>> 0 : 0];
}
