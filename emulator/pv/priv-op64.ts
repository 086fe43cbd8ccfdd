// What Xen does with a privileged instruction a 64-bit PV kernel executed in ring 3 (it raised
// #GP): emulate_privileged_op's cases for a 64-bit domU, where they differ from the 32-bit
// ones (priv-op.ts): WRMSR/RDMSR of the segment-base MSRs (FS_BASE, GS_BASE — the kernel's,
// SHADOW_GS_BASE — the user's, kept for the next switch) as set_segment_base does, EFER as
// guest_efer() shows a 64-bit guest, the other MSRs through the same table as 32-bit PV with
// EDX:EAX zero-extended; RDTSC; MOV from CR0/CR2/CR3/CR4 into a 64-bit register and MOV to CR0
// (TS only). Anything else is not emulated and the #GP goes to the guest.

import { decodeForm } from '../isa/decode';
import { MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE } from '../isa/msr-numbers';
import type { PvDomain } from './domain';
import { fetchInstruction, type Emulated } from './priv-op';
import { MSR_EFER, pvRdmsr, pvRdtsc, pvWrmsr } from './priv-msr';
import { reg64, setReg64 } from './entry64';
import { setSegmentBase } from './hypercalls64';
import { gsBase } from './vcpu64';
import { joinAddress } from './hypercall-args';
import { SEGBASE } from './abi64';
import { FS } from '../cpu';

/** EFER as guest_efer() gives a 64-bit PV guest on Intel: SCE, LME, LMA (NXE when the CPU has NX). */
const EFER_SCE = 1 << 0, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;
/** vcpu_info.arch.cr2 of a 64-bit guest (after the 8-byte pending selector). */
const VI64_CR2 = 16;

export function emulatePrivileged64(d: PvDomain): Emulated | null {
  if (!d.v64.kernelMode) return null;   // user code gets the #GP
  const cpu = d.cpu, r = cpu.regs, rh = cpu.regsHi;
  const dec = decodeForm(new Uint8Array(fetchInstruction(d)), 64);
  if (dec === null || dec.form.isa === undefined) return null;
  const { form, length } = dec;
  const op = form.map === '0f' ? 0x0f00 | form.opcode : form.opcode;
  const zeroHigh = (...regs: number[]) => { for (const i of regs) rh[i] = 0; };
  switch (form.isa) {
    case 'wrmsr': {
      const msr = r[1] >>> 0;
      const value = joinAddress(r[0], r[2]);
      let rc: number | null = null;
      if (msr === MSR_FS_BASE) rc = setSegmentBase(d, SEGBASE.fs, value);
      else if (msr === MSR_GS_BASE) rc = setSegmentBase(d, SEGBASE.gsKernel, value);
      else if (msr === MSR_KERNEL_GS_BASE) rc = setSegmentBase(d, SEGBASE.gsUser, value);
      if (rc !== null) return rc === 0 ? { length, name: 'wrmsr', opcode: op } : null;
      if (msr === MSR_EFER) return (r[0] >>> 0) === (efer(d) >>> 0) && r[2] === 0 ? { length, name: 'wrmsr', opcode: op } : null;
      return pvWrmsr(d, msr) ? { length, name: 'wrmsr', opcode: op } : null;
    }
    case 'rdmsr': {
      const msr = r[1] >>> 0;
      let value: number | null = null;
      if (msr === MSR_FS_BASE) value = joinAddress(cpu.segBase[FS], cpu.segBaseHi[FS]);
      else if (msr === MSR_GS_BASE) value = gsBase(cpu);
      else if (msr === MSR_KERNEL_GS_BASE) value = d.v64.otherGsBase;
      else if (msr === MSR_EFER) value = efer(d);
      if (value !== null) {
        // EDX:EAX, each zero-extended into its 64-bit register.
        const big = BigInt.asUintN(64, BigInt(value));
        r[0] = Number(big & 0xffffffffn) | 0;
        r[2] = Number(big >> 32n) | 0;
        zeroHigh(0, 2);
        return { length, name: 'rdmsr', opcode: op };
      }
      if (!pvRdmsr(d, msr)) return null;
      zeroHigh(0, 2);
      return { length, name: 'rdmsr', opcode: op };
    }
    case 'rdtsc':
      pvRdtsc(d);
      zeroHigh(0, 2);
      return { length, name: 'rdtsc', opcode: op };
    case 'mov-from-cr': {
      const modrm = dec.modrmByte;
      if ((modrm >>> 6) !== 3) return null;
      const reg = ((modrm >>> 3) & 7) | (dec.rex & 4 ? 8 : 0);
      const rm = (modrm & 7) | (dec.rex & 1 ? 8 : 0);
      let v: number;
      switch (reg) {
        case 0: v = (cpu.cr0 & ~8) | (d.ts ? 8 : 0); break;
        case 2: v = joinAddress(d.mem.i32[(d.events.vcpuPa + VI64_CR2) >>> 2], d.mem.i32[(d.events.vcpuPa + VI64_CR2 + 4) >>> 2]); break;
        case 3: v = cpu.cr3 >>> 0; break;
        case 4: v = cpu.cr4 >>> 0; break;
        default: return null;
      }
      setReg64(d, rm, v);
      return { length, name: `mov from cr${reg}`, opcode: op };
    }
    case 'mov-to-cr': {
      const modrm = dec.modrmByte;
      if ((modrm >>> 6) !== 3) return null;
      const reg = ((modrm >>> 3) & 7) | (dec.rex & 4 ? 8 : 0);
      const rm = (modrm & 7) | (dec.rex & 1 ? 8 : 0);
      if (reg !== 0) return null;
      const v = reg64(d, rm);
      const view = (cpu.cr0 & ~8) | (d.ts ? 8 : 0);
      if (((v >>> 0) ^ view) & ~8) return null;    // only TS may change
      d.ts = (v & 8) !== 0;
      cpu.cr0 = d.ts ? cpu.cr0 | 8 : cpu.cr0 & ~8;
      return { length, name: 'mov to cr0', opcode: op };
    }
    default:
      return null;
  }
}

function efer(d: PvDomain): number {
  const nx = d.cpu.nxe;
  return EFER_SCE | EFER_LME | EFER_LMA | (nx ? EFER_NXE : 0);
}
