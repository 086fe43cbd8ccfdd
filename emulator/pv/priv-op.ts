// What the hypervisor does with a privileged instruction a PV guest executed (it raised #GP:
// a 32-bit kernel runs in ring 1, a 64-bit one in ring 3), under the `xen` policy: emulate
// what Xen's emulate_privileged_op emulates for an unprivileged domain of either width —
// CLI/STI and port I/O by the virtual IOPL (for the kernel and user space alike), and for
// the kernel CLTS, WBINVD, MOV to/from CR0/CR2/CR3/CR4 (CR4 as pv_fixup_guest_cr4 takes it),
// MOV to/from DRn, RDMSR/WRMSR (priv-msr.ts; a 64-bit kernel's FS, GS and shadow GS bases
// and EFER here), RDTSC and XSETBV — and report anything else (HLT, RDPMC, LGDT, ...) as not
// handled, so the #GP is bounced to the guest. Xen's forced-emulation prefix (ud2; .ascii
// "xen"; cpuid) is an explicit PV interface and is emulated under any policy.

import { cpuid, FAULT, FS } from '../cpu';
import { decodeForm } from '../isa/decode';
import { ENODEV, XEN_MAJOR, XEN_MINOR } from './abi';
import { UD, type PvDomain } from './domain';
import { baseptrCr3, cr3ToMfn, newBaseptr } from './base-pointers';
import { MSR_EFER, pvRdmsr, pvRdtsc, pvWrmsr } from './priv-msr';
import { getDebugReg, setDebugReg } from './debug-regs';
import { joinAddress, splitValue } from './hypercall-args';
import { applyPvCpuidPolicy } from './cpuid-policy';
import { vcpuInfoLayout } from './layouts';
import { gsBase, setGsBase } from './vcpu64';

const FLAG_IF = 0x200;
/** CR4 bits a PV guest controls (Xen's PV_CR4_GUEST_MASK: TSD, DE, FSGSBASE, OSXSAVE) and host bits it sees (PAE, MCE, OSFXSR, OSXMMEXCPT). */
const CR4_GUEST = (1 << 2) | (1 << 3) | (1 << 16) | (1 << 18);
const CR4_VISIBLE = (1 << 5) | (1 << 6) | (1 << 9) | (1 << 10);
const CR4_OSXSAVE = 1 << 18;
/** XCR0 bits the CPU has (x87, SSE). */
const XCR0_SUPPORTED = 3;
const MSR_FS_BASE = 0xc0000100, MSR_GS_BASE = 0xc0000101, MSR_SHADOW_GS_BASE = 0xc0000102;
const CANONICAL = 2 ** 47;
const canonical = (v: number): boolean => v >= -CANONICAL && v < CANONICAL;
export const FORCED_CPUID = [0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2];

export interface Emulated { length: number; name: string; opcode: number }
/** The instruction raises this exception in the guest instead (Xen's emulator says so). */
export interface Raised { raise: number }

/** Fetches up to 16 instruction bytes at the current EIP through the guest's tables. */
export function fetchInstruction(d: PvDomain): number[] {
  const cpu = d.cpu;
  const out: number[] = [];
  // In 64-bit mode the code's address is all of RIP (a 64-bit PV kernel's is in the top half).
  const rip = cpu.long64 ? joinAddress(cpu.eip, cpu.ripHi) : 0;
  for (let i = 0; i < 16; i++) {
    const lin = cpu.long64 ? rip + i : (cpu.segBase[1] + cpu.eip + i) >>> 0;
    const p = d.access.phys(lin, false);
    if (p < 0) break;
    out.push(d.mem.u8[p]);
  }
  return out;
}

export function forcedCpuid(d: PvDomain): Emulated | null {
  const b = fetchInstruction(d);
  for (let i = 0; i < FORCED_CPUID.length; i++) if (b[i] !== FORCED_CPUID[i]) return null;
  pvCpuid(d);
  return { length: FORCED_CPUID.length, name: 'cpuid', opcode: 0x0fa2 };
}

/** CPUID as Xen shows it to a PV guest: the hypervisor bit, Xen's leaves at 0x40000000. */
export function pvCpuid(d: PvDomain): void {
  const r = d.cpu.regs;
  const leaf = r[0] >>> 0;
  // In 64-bit mode CPUID's 32-bit results clear the registers' high halves.
  if (d.cpu.long64) d.cpu.regsHi.fill(0, 0, 4);
  if (leaf >= 0x40000000 && leaf < 0x40000100) {
    const sig = 'XenVMMXenVMM';
    const w = (i: number) => sig.charCodeAt(i) | (sig.charCodeAt(i + 1) << 8) | (sig.charCodeAt(i + 2) << 16) | (sig.charCodeAt(i + 3) << 24);
    switch (leaf) {
      case 0x40000000: r[0] = 0x40000002; r[3] = w(0); r[1] = w(4); r[2] = w(8); return;
      case 0x40000001: r[0] = (XEN_MAJOR << 16) | XEN_MINOR; r[3] = 0; r[1] = 0; r[2] = 0; return;
      case 0x40000002: r[0] = 1; r[3] = 0x40000000; r[1] = 0; r[2] = 0; return; // one hypercall page, MSR 0x40000000
      default: r[0] = 0; r[3] = 0; r[1] = 0; r[2] = 0; return;
    }
  }
  const sub = r[1] >>> 0;
  cpuid(d.cpu);
  // Xen's default PV policy: only the features it offers every guest (no VMX, MONITOR, PSE, PGE, 1 GiB pages, ...).
  applyPvCpuidPolicy(r, leaf, sub);
  if (leaf === 1) r[1] |= 1 << 31; // ECX.hypervisor
}

/** Emulates a privileged instruction at (R|E)IP; null when Xen would not (the #GP goes to the guest). */
export function emulatePrivileged(d: PvDomain): Emulated | Raised | null {
  const cpu = d.cpu, r = cpu.regs, rh = cpu.regsHi, wide = d.width === 64;
  // Which instruction it is, and its length, come from the opcode-form description in isa/.
  const dec = decodeForm(new Uint8Array(fetchInstruction(d)), cpu.long64 ? 64 : cpu.cs32 ? 32 : 16);
  if (dec === null || dec.form.isa === undefined) return null;
  const { form, length } = dec;
  const op = form.map === '0f' ? 0x0f00 | form.opcode : form.opcode;
  const done = (name: string): Emulated => ({ length, name, opcode: op });
  // Xen's vCPL: user code is 3; the kernel is 1, or 0 once the guest opted in to
  // vm_assist(architectural_iopl). CLI/STI and port I/O are allowed when vCPL <= IOPL.
  // A 32-bit kernel is ring 1; a 64-bit one shares ring 3 with user space, Xen's kernel mode tells them apart.
  const user = wide ? !d.v64.kernelMode : cpu.cpl !== 1;
  const vcpl = user ? 3 : d.architecturalIopl ? 0 : 1;
  const ioOk = d.iopl >= vcpl;
  switch (form.isa) {
    case 'cli': case 'sti':
      if (!ioOk) return null;
      d.events.upcallMask = form.isa === 'cli';
      if (form.isa === 'sti' && d.upcallDeliverable()) { cpu.irqPoll = true; cpu.attn = true; }
      return done(form.isa);
    case 'in': case 'out': {
      // With IOPL granted but no ports assigned (an unprivileged domain), reads see all ones
      // and writes are dropped, as Xen's guest_io_read/write do.
      if (!ioOk) return null;
      const size = (form.opcode & 1) ? Math.min(dec.operandBits, 32) >> 3 : 1;
      if (form.isa === 'in') {
        if (size === 1) r[0] = (r[0] & ~0xff) | 0xff; else if (size === 2) r[0] = (r[0] & ~0xffff) | 0xffff; else { r[0] = -1; if (wide) rh[0] = 0; }
      }
      return done(form.isa);
    }
  }
  if (user) return null; // the rest are for the kernel only
  const modrm = dec.modrmByte;
  const reg = ((modrm >>> 3) & 7) | ((dec.rex & 4) << 1), rm = (modrm & 7) | ((dec.rex & 1) << 3);
  // A register written by MOV from CR/DR: all 64 bits in 64-bit mode, else the low 32. A
  // 64-bit register's value is taken as its two halves, never as one number (which rounds above 2^53).
  const setReg = (n: number, lo: number, hi: number) => { r[n] = lo | 0; if (wide) rh[n] = hi | 0; };
  // 32-bit results (RDTSC, RDMSR) clear the high halves of RAX and RDX in 64-bit mode.
  const zeroHighHalves = () => { if (wide) { rh[0] = 0; rh[2] = 0; } };
  const cr2At = d.events.vcpuPa + vcpuInfoLayout(d.width).cr2;
  switch (form.isa) {
    case 'clts':
      d.ts = false; cpu.cr0 &= ~8;
      return done('clts');
    case 'wbinvd': // ignored for a domain that may not flush caches
      return done('wbinvd');
    case 'rdtsc':
      pvRdtsc(d); zeroHighHalves();
      return done('rdtsc');
    case 'rdmsr': { // the MSR table in priv-msr.ts; what it refuses is #GP
      const msr = r[1] >>> 0;
      if (!(wide ? readMsr64(d, msr) : false) && !pvRdmsr(d, msr)) return null;
      zeroHighHalves();
      return done('rdmsr');
    }
    case 'wrmsr': {
      const msr = r[1] >>> 0;
      const w = wide ? writeMsr64(d, msr) : null;
      if (w === false || (w === null && !pvWrmsr(d, msr))) return null;
      return done('wrmsr');
    }
    case 'mov-from-cr': { // MOV r, CRn
      if ((modrm >>> 6) !== 3) return null;
      let v: number;
      switch (reg) {
        case 0: v = (cpu.cr0 & ~8) | (d.ts ? 8 : 0); break;
        case 2:
          // CR2 holds whatever was written to it: its halves are copied, as a double would round it above 2^53.
          if (wide) { r[rm] = d.mem.i32[cr2At >>> 2]; rh[rm] = d.mem.i32[(cr2At + 4) >>> 2]; return done('mov from cr2'); }
          v = d.mem.i32[cr2At >>> 2]; break;
        case 3: {
          const cr3 = baseptrCr3(d); // a frame's address: below 2^52, exact
          setReg(rm, cr3, Math.floor(cr3 / 0x100000000));
          return done('mov from cr3');
        }
        case 4: v = cpu.cr4 & (CR4_GUEST | CR4_VISIBLE); break;
        default: return null;
      }
      setReg(rm, v, 0);
      return done(`mov from cr${reg}`);
    }
    case 'mov-to-cr': { // MOV CRn, r
      if ((modrm >>> 6) !== 3) return null;
      const v = r[rm]!;
      switch (reg) {
        case 0: {
          const view = (cpu.cr0 & ~8) | (d.ts ? 8 : 0);
          if (((v >>> 0) ^ view) & ~8 || (wide && rh[rm] !== 0)) return null; // only TS may change
          d.ts = (v & 8) !== 0; cpu.cr0 = d.ts ? cpu.cr0 | 8 : cpu.cr0 & ~8;
          break;
        }
        case 2:
          d.mem.store32(cr2At, r[rm]);
          if (wide) d.mem.store32(cr2At + 4, rh[rm]);
          break;
        case 3: if (newBaseptr(d, cr3ToMfn(d, v, wide ? rh[rm]! : 0)) !== 0) return null; break;
        case 4: {
          // pv_fixup_guest_cr4: the guest's bits are taken (all four are in our CPUID policy),
          // the rest of what it wrote is ignored; the CPU runs with the guest's TSD/DE/FSGSBASE/OSXSAVE.
          try { cpu.writeCr4((cpu.cr4 & ~CR4_GUEST) | ((v >>> 0) & CR4_GUEST)); } catch (e) { if (e !== FAULT) throw e; return null; }
          break;
        }
        default: return null;
      }
      return done(`mov to cr${reg}`);
    }
    case 'mov-from-dr': { // MOV r, DRn (Xen's get_debugreg rules: debug-regs.ts)
      if ((modrm >>> 6) !== 3) return null;
      const v = getDebugReg(d, reg);
      if (v === null) return { raise: UD };
      setReg(rm, v[0], v[1]);
      return done(`mov from dr${reg}`);
    }
    case 'mov-to-dr': { // MOV DRn, r (Xen's set_debugreg: -ENODEV is #UD, the other refusals #GP)
      if ((modrm >>> 6) !== 3) return null;
      const rc = setDebugReg(d, reg, r[rm]! >>> 0, wide ? rh[rm]! >>> 0 : 0);
      if (rc === -ENODEV) return { raise: UD };
      if (rc !== 0) return null;
      return done(`mov to dr${reg}`);
    }
    case 'xsetbv': {
      // Xen's handle_xsetbv for a PV kernel: XCR0 with x87 set and only the bits the CPU has.
      if (!(cpu.cr4 & CR4_OSXSAVE)) return { raise: UD };
      const v = r[0] >>> 0;
      if (r[1] !== 0 || r[2] !== 0 || (v & ~XCR0_SUPPORTED) || !(v & 1)) return null;
      cpu.sse.xcr0 = v;
      return done('xsetbv');
    }
    default:
      return null;
  }
}

/**
 * The MSRs Xen's read_msr answers only for a 64-bit PV domain (for a 32-bit one it breaks to
 * the common table): the FS, GS and shadow GS bases a 64-bit kernel keeps through them, and
 * EFER with the host's SCE, LME, LMA and NXE. True if `msr` was one (EDX:EAX set).
 */
function readMsr64(d: PvDomain, msr: number): boolean {
  const cpu = d.cpu, r = cpu.regs;
  let v: number;
  if (msr === MSR_FS_BASE) v = joinAddress(cpu.segBase[FS], cpu.segBaseHi[FS]);
  else if (msr === MSR_GS_BASE) v = gsBase(cpu);
  else if (msr === MSR_SHADOW_GS_BASE) v = d.v64.otherGsBase;
  else if (msr === MSR_EFER) { r[0] = cpu.efer; r[2] = 0; return true; }
  else return false;
  const [lo, hi] = splitValue(v);
  r[0] = lo; r[2] = hi;
  return true;
}

/** write_msr's 64-bit-only MSRs: true if written, false if refused (#GP), null if `msr` is not one of them. */
function writeMsr64(d: PvDomain, msr: number): boolean | null {
  const cpu = d.cpu, r = cpu.regs;
  const v = joinAddress(r[0], r[2]);
  switch (msr) {
    case MSR_FS_BASE:
      if (!canonical(v)) return false;
      cpu.segBase[FS] = r[0]; cpu.segBaseHi[FS] = r[2];
      return true;
    case MSR_GS_BASE: if (!canonical(v)) return false; setGsBase(cpu, v); return true;
    case MSR_SHADOW_GS_BASE: if (!canonical(v)) return false; d.v64.otherGsBase = v; return true;
    case MSR_EFER: return (r[0] | 0) === cpu.efer && r[2] === 0;
    default: return null;
  }
}

export { FLAG_IF };
