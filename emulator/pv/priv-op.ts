// What the hypervisor does with a privileged instruction the guest kernel executed in ring 1
// (it raised #GP), under the `xen` policy: emulate the instructions Xen's
// emulate_privileged_op emulates for an unprivileged PV domain (its `validate` list: I/O,
// CLTS, WBINVD, MOV CR/DR, RDMSR, WRMSR, RDTSC, CPUID), and report anything else (HLT,
// RDPMC, LGDT, ...) as not handled so the #GP is bounced to the guest. Xen's forced-emulation prefix
// (ud2; .ascii "xen"; cpuid) is an explicit PV interface and is emulated under any policy.

import { cpuid } from '../cpu';
import { decodeForm } from '../isa/decode';
import { ENODEV, PAGE, XEN_MAJOR, XEN_MINOR, VI_CR2 } from './abi';
import { UD, type PvDomain } from './domain';
import { newBaseptr } from './base-pointers';
import { pvRdmsr, pvRdtsc, pvWrmsr } from './priv-msr';
import { getDebugReg, setDebugReg } from './debug-regs';
import { joinAddress } from './hypercall-args';
import { applyPvCpuidPolicy } from './cpuid-policy';

const FLAG_IF = 0x200;
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

/** Emulates a privileged instruction at EIP; null when Xen would not (the #GP goes to the guest). */
export function emulatePrivileged(d: PvDomain): Emulated | Raised | null {
  const b = fetchInstruction(d);
  const cpu = d.cpu, r = cpu.regs;
  // Which instruction it is, and its length, come from the opcode-form description in isa/.
  const dec = decodeForm(new Uint8Array(b), cpu.cs32 ? 32 : 16);
  if (dec === null || dec.form.isa === undefined) return null;
  const { form, length } = dec;
  const op = form.map === '0f' ? 0x0f00 | form.opcode : form.opcode;
  // Xen's vCPL: user code is 3; the kernel (ring 1) is 1, or 0 once the guest opted in to
  // vm_assist(architectural_iopl). CLI/STI and port I/O are allowed when vCPL <= IOPL.
  const user = cpu.cpl !== 1;
  const vcpl = user ? 3 : d.architecturalIopl ? 0 : 1;
  const ioOk = d.iopl >= vcpl;
  switch (form.isa) {
    case 'cli': case 'sti':
      if (!ioOk) return null;
      d.events.upcallMask = form.isa === 'cli';
      if (form.isa === 'sti' && d.upcallDeliverable()) { cpu.irqPoll = true; cpu.attn = true; }
      return { length, name: form.isa, opcode: op };
    case 'in': case 'out': {
      // With IOPL granted but no ports assigned (an unprivileged domain), reads see all ones
      // and writes are dropped, as Xen's guest_io_read/write do.
      if (!ioOk) return null;
      const size = (form.opcode & 1) ? dec.operandBits >> 3 : 1;
      if (form.isa === 'in') {
        if (size === 1) r[0] = (r[0] & ~0xff) | 0xff; else if (size === 2) r[0] = (r[0] & ~0xffff) | 0xffff; else r[0] = -1;
      }
      return { length, name: form.isa, opcode: op };
    }
  }
  if (user) return null; // the rest are for the kernel only
  const modrm = dec.modrmByte;
  const reg = (modrm >>> 3) & 7, rm = modrm & 7;
  switch (form.isa) {
    case 'clts':
      d.ts = false; cpu.cr0 &= ~8;
      return { length, name: 'clts', opcode: op };
    case 'wbinvd': // ignored for a domain that may not flush caches
      return { length, name: 'wbinvd', opcode: op };
    case 'wrmsr': // WRMSR, RDMSR: the MSR table in priv-msr.ts; what it refuses is #GP
      return pvWrmsr(d, r[1] >>> 0) ? { length, name: 'wrmsr', opcode: op } : null;
    case 'rdmsr':
      return pvRdmsr(d, r[1] >>> 0) ? { length, name: 'rdmsr', opcode: op } : null;
    case 'rdtsc':
      pvRdtsc(d);
      return { length, name: 'rdtsc', opcode: op };
    case 'mov-from-cr': { // MOV r32, CRn
      if ((modrm >>> 6) !== 3) return null;
      let v: number;
      switch (reg) {
        case 0: v = (cpu.cr0 & ~8) | (d.ts ? 8 : 0); break;
        case 2: v = d.mem.i32[(d.events.vcpuPa + VI_CR2) >>> 2]; break;
        case 3: v = cpu.cr3; break;
        case 4: v = cpu.cr4; break;
        default: return null;
      }
      r[rm] = v | 0;
      return { length, name: `mov from cr${reg}`, opcode: op };
    }
    case 'mov-to-cr': { // MOV CRn, r32
      if ((modrm >>> 6) !== 3) return null;
      const v = r[rm] | 0;
      switch (reg) {
        case 0: {
          const view = (cpu.cr0 & ~8) | (d.ts ? 8 : 0);
          if ((v ^ view) & ~8) return null; // only TS may change
          d.ts = (v & 8) !== 0; cpu.cr0 = d.ts ? cpu.cr0 | 8 : cpu.cr0 & ~8;
          break;
        }
        case 2: d.mem.store32(d.events.vcpuPa + VI_CR2, v); break;
        case 3: if (newBaseptr(d, v >>> 12) !== 0) return null; break;
        case 4: if (v !== cpu.cr4) return null; break;
        default: return null;
      }
      return { length, name: `mov to cr${reg}`, opcode: op };
    }
    case 'mov-from-dr': { // MOV r32, DRn (Xen's get_debugreg rules: debug-regs.ts)
      if ((modrm >>> 6) !== 3) return null;
      const v = getDebugReg(d, reg);
      if (v === null) return { raise: UD };
      r[rm] = v | 0;
      return { length, name: `mov from dr${reg}`, opcode: op };
    }
    case 'mov-to-dr': { // MOV DRn, r32 (Xen's set_debugreg: -ENODEV is #UD, the other refusals #GP)
      if ((modrm >>> 6) !== 3) return null;
      const rc = setDebugReg(d, reg, r[rm] >>> 0);
      if (rc === -ENODEV) return { raise: UD };
      if (rc !== 0) return null;
      return { length, name: `mov to dr${reg}`, opcode: op };
    }
    default:
      return null;
  }
}

export { FLAG_IF };
