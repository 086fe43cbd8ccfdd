// What Xen's emulate_privileged_op does for a 64-bit PV kernel, which runs in ring 3 so
// that every privileged instruction it executes raises #GP: CLI/STI and port I/O by the
// virtual IOPL (for the kernel and user space alike), and for the kernel only CLTS, WBINVD,
// MOV to/from CR0/CR2/CR3/CR4 with 64-bit registers (CR3 is the kernel's L4 frame; a write
// is MMUEXT_NEW_BASEPTR), RDMSR/WRMSR (the FS, GS and shadow GS bases a 64-bit kernel keeps
// through them, the rest as for a 32-bit domU in priv-msr.ts) and RDTSC. What is left
// (HLT, LGDT, MOV DR, ...) is not emulated: its #GP goes to the guest.

import { FAULT, FS, GS } from '../cpu';
import { UD } from './domain';
import { decodeForm } from '../isa/decode';
import type { PvDomain } from './domain';
import type { Emulated, Raised } from './priv-op';
import { fetchInstruction } from './priv-op';
import { pvRdmsr, pvRdtsc, pvWrmsr, MSR_EFER } from './priv-msr';
import { newBaseptr } from './base-pointers';
import { joinAddress, splitValue } from './hypercall-args';
import { gsBase, setGsBase } from './vcpu64';

/** CR4 bits a PV guest controls (Xen's PV_CR4_GUEST_MASK: TSD, DE, FSGSBASE, OSXSAVE) and host bits it sees (PAE, MCE, OSFXSR, OSXMMEXCPT). */
const CR4_GUEST = (1 << 2) | (1 << 3) | (1 << 16) | (1 << 18);
const CR4_VISIBLE = (1 << 5) | (1 << 6) | (1 << 9) | (1 << 10);
const CR4_OSXSAVE = 1 << 18;
/** XCR0 bits the CPU has (x87, SSE). */
const XCR0_SUPPORTED = 3;
const MSR_FS_BASE = 0xc0000100, MSR_GS_BASE = 0xc0000101, MSR_SHADOW_GS_BASE = 0xc0000102;
/** vcpu_info.arch.cr2 of a 64-bit guest. */
const VI64_CR2 = 16;
const CANONICAL = 2 ** 47;
const canonical = (v: number): boolean => v >= -CANONICAL && v < CANONICAL;

export function emulatePrivileged64(d: PvDomain): Emulated | Raised | null {
  const cpu = d.cpu, r = cpu.regs, rh = cpu.regsHi;
  const dec = decodeForm(new Uint8Array(fetchInstruction(d)), 64);
  if (dec === null || dec.form.isa === undefined) return null;
  const { form, length } = dec;
  const op = form.map === '0f' ? 0x0f00 | form.opcode : form.opcode;
  const user = !d.v64.kernelMode;
  const vcpl = user ? 3 : d.architecturalIopl ? 0 : 1;
  const ioOk = d.iopl >= vcpl;
  const get64 = (n: number) => joinAddress(r[n], rh[n]);
  const set64 = (n: number, v: number) => { const [lo, hi] = splitValue(v); r[n] = lo; rh[n] = hi; };
  switch (form.isa) {
    case 'cli': case 'sti':
      if (!ioOk) return null;
      d.events.upcallMask = form.isa === 'cli';
      if (form.isa === 'sti' && d.upcallDeliverable()) { cpu.irqPoll = true; cpu.attn = true; }
      return { length, name: form.isa, opcode: op };
    case 'in': case 'out': {
      if (!ioOk) return null;
      const size = (form.opcode & 1) ? Math.min(dec.operandBits, 32) >> 3 : 1;
      if (form.isa === 'in') {
        if (size === 1) r[0] = (r[0] & ~0xff) | 0xff; else if (size === 2) r[0] = (r[0] & ~0xffff) | 0xffff; else { r[0] = -1; rh[0] = 0; }
      }
      return { length, name: form.isa, opcode: op };
    }
  }
  if (user) return null;
  const modrm = dec.modrmByte;
  const reg = ((modrm >>> 3) & 7) | ((dec.rex & 4) << 1), rm = (modrm & 7) | ((dec.rex & 1) << 3);
  switch (form.isa) {
    case 'clts':
      d.ts = false; cpu.cr0 &= ~8;
      return { length, name: 'clts', opcode: op };
    case 'wbinvd':
      return { length, name: 'wbinvd', opcode: op };
    case 'rdtsc':
      pvRdtsc(d); rh[0] = 0; rh[2] = 0;
      return { length, name: 'rdtsc', opcode: op };
    case 'rdmsr': {
      const msr = r[1] >>> 0;
      let v: number | null = null;
      if (msr === MSR_FS_BASE) v = joinAddress(cpu.segBase[FS], cpu.segBaseHi[FS]);
      else if (msr === MSR_GS_BASE) v = gsBase(cpu);
      else if (msr === MSR_SHADOW_GS_BASE) v = d.v64.otherGsBase;
      else if (msr === MSR_EFER) { r[0] = cpu.efer; r[2] = 0; }      // a 64-bit guest sees the host's SCE, LME, LMA, NXE
      else if (!pvRdmsr(d, msr)) return null;
      if (v !== null) { const [lo, hi] = splitValue(v); r[0] = lo; r[2] = hi; }
      rh[0] = 0; rh[2] = 0;
      return { length, name: 'rdmsr', opcode: op };
    }
    case 'wrmsr': {
      const msr = r[1] >>> 0;
      const v = joinAddress(r[0], r[2]);
      switch (msr) {
        case MSR_FS_BASE: {
          if (!canonical(v)) return null;
          cpu.segBase[FS] = r[0]; cpu.segBaseHi[FS] = r[2];
          break;
        }
        case MSR_GS_BASE: if (!canonical(v)) return null; setGsBase(cpu, v); break;
        case MSR_SHADOW_GS_BASE: if (!canonical(v)) return null; d.v64.otherGsBase = v; break;
        case MSR_EFER: if ((r[0] | 0) !== cpu.efer || r[2] !== 0) return null; break;
        default: if (!pvWrmsr(d, msr)) return null;
      }
      return { length, name: 'wrmsr', opcode: op };
    }
    case 'mov-from-cr': {
      if ((modrm >>> 6) !== 3) return null;
      let v: number;
      switch (reg) {
        case 0: v = (cpu.cr0 & ~8) | (d.ts ? 8 : 0); break;
        case 2: v = joinAddress(d.mem.i32[(d.events.vcpuPa + VI64_CR2) >>> 2], d.mem.i32[(d.events.vcpuPa + VI64_CR2 + 4) >>> 2]); break;
        case 3: v = d.v64.kernelTable * 4096; break;
        case 4: v = cpu.cr4 & (CR4_GUEST | CR4_VISIBLE); break;
        default: return null;
      }
      set64(rm, reg === 3 || reg === 2 ? v : v >>> 0);
      return { length, name: `mov from cr${reg}`, opcode: op };
    }
    case 'mov-to-cr': {
      if ((modrm >>> 6) !== 3) return null;
      const v = get64(rm);
      switch (reg) {
        case 0: {
          const view = (cpu.cr0 & ~8) | (d.ts ? 8 : 0);
          if (((v >>> 0) ^ view) & ~8 || rh[rm] !== 0) return null;
          d.ts = (v & 8) !== 0; cpu.cr0 = d.ts ? cpu.cr0 | 8 : cpu.cr0 & ~8;
          break;
        }
        case 2: { const [lo, hi] = splitValue(v); d.mem.store32(d.events.vcpuPa + VI64_CR2, lo); d.mem.store32(d.events.vcpuPa + VI64_CR2 + 4, hi); break; }
        case 3: if (newBaseptr(d, Math.floor(v / 4096) % 0x1000000) !== 0) return null; break;
        case 4: {
          // pv_fixup_guest_cr4: the guest's bits are taken (all four are in our CPUID policy),
          // the rest of what it wrote is ignored; the CPU runs with the guest's TSD/DE/FSGSBASE/OSXSAVE.
          try { cpu.writeCr4((cpu.cr4 & ~CR4_GUEST) | ((v >>> 0) & CR4_GUEST)); } catch (e) { if (e !== FAULT) throw e; return null; }
          break;
        }
        default: return null;
      }
      return { length, name: `mov to cr${reg}`, opcode: op };
    }
    case 'xsetbv': {
      // Xen's handle_xsetbv for a PV kernel: XCR0 with x87 set and only the bits the CPU has.
      if (!(cpu.cr4 & CR4_OSXSAVE)) return { raise: UD };
      const v = r[0] >>> 0;
      if (r[1] !== 0 || r[2] !== 0 || (v & ~XCR0_SUPPORTED) || !(v & 1)) return null;
      cpu.sse.xcr0 = v;
      return { length, name: 'xsetbv', opcode: op };
    }
    default:
      return null;
  }
}
