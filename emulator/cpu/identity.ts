// What the CPU says about itself: CPUID leaves and the model-specific registers guests touch.
// A Pentium 4-class identity in a family-6 signature: SSE to SSSE3, XSAVE, NX and long mode
// (emulator/cpu/LONG-MODE.md) but no MMX, so guests choose the code paths we implement.

import * as K from './constants';
import type { OperandCpu as Cpu } from './operands';
import { TSC_PER_TICK } from '../clock';
import { OPCODE_FORMS } from '../isa/opcode-forms';
import { XCR0_SUPPORTED, XSAVE_SIZE } from './sse-unit';
import { isBaseMsr, readBaseMsr, writeLongMsr } from './long-msrs';

// Bindings read once at load: loaded as per-file CommonJS (tsx, as the tests run) every use of
// an imported binding is a getter call, which cost the interpreter half its speed.
const { CR4_OSXSAVE, EFER_LME, EFER_NXE, EFER_SCE, GP, MSR_APIC_BASE, MSR_EFER, MSR_MTRRCAP, MSR_MTRR_DEF_TYPE, MSR_PAT, MSR_SYSENTER_CS, MSR_SYSENTER_EIP, MSR_SYSENTER_ESP, MSR_TSC } = K;

export const CPUID_VENDOR = 'GenuineIntel';
export const CPUID_BRAND = 'Paravirt virtual i686 CPU';
/** Family 6, model 8, stepping 3. */
export const CPUID_SIGNATURE = 0x683;
/** Feature bits of a leaf's register: the instructions' from their forms (emulator/isa), plus `others`. */
function featureBits(leaf: number, reg: 'ebx' | 'ecx' | 'edx', others: number): number {
  let bits = others;
  for (const f of OPCODE_FORMS) if (f.cpuid && f.cpuid.leaf === leaf && f.cpuid.reg === reg) bits |= 1 << f.cpuid.bit;
  return bits;
}

/**
 * PSE, PAE, APIC, PGE and PAT (the MSR, and the walker reading PAT bits as such: memory types
 * change nothing here), and the instruction sets: FPU, TSC, MSR, CX8, SEP, CMOV.
 */
export const CPUID_FEATURES_EDX = featureBits(1, 'edx', (1 << 3) | (1 << 6) | (1 << 9) | (1 << 13) | (1 << 16));
/** Leaf 1 ECX: SSE3 (and later sets) from their forms, and PCID (bit 17: CR4.PCIDE, tagged TLB). */
export const CPUID_FEATURES_ECX = featureBits(1, 'ecx', 1 << 17);
/** Leaf 7 EBX: SMEP (bit 7), SMAP (bit 20, with CLAC/STAC from their forms). */
export const CPUID_LEAF7_EBX = featureBits(7, 'ebx', 1 << 7);
/** Leaf 7 ECX: UMIP (bit 2). */
export const CPUID_LEAF7_ECX = featureBits(7, 'ecx', 1 << 2);
/** CPUID.80000001H:ECX.LAHF-SAHF (bit 0): LAHF and SAHF are valid in 64-bit mode. */
export const CPUID_EXT_FEATURES_ECX = featureBits(0x80000001, 'ecx', 1 << 0);
/**
 * Leaf 80000008H EAX: MAXPHYADDR in bits 7:0 (36, what the page walkers treat as the top of
 * the physical address: entry bits above it are reserved) and the linear address width in
 * bits 15:8 (48: 4-level paging, no LA57).
 */
export const CPUID_ADDRESS_SIZES = 36 | (48 << 8);
/** The highest extended leaf. */
const MAX_EXTENDED_LEAF = 0x80000008;
/** The highest basic leaf: 0xD, the XSAVE leaf. */
const MAX_BASIC_LEAF = 0xd;
const XSAVE_LEAF = 0xd;
/** CPUID.80000001H:EDX.NX (bit 20): EFER.NXE and the XD bit of PAE paging entries. */
export const CPUID_EXT_NX = 1 << 20;
/** CPUID.80000001H:EDX.LM (bit 29): IA-32e mode, EFER.LME. */
export const CPUID_EXT_LM = 1 << 29;
/** Extended features (leaf 0x80000001): the instructions', plus NX, LM and 1 GiB pages. */
/** CPUID.80000001H:EDX.Page1GB (bit 26): the 4-level walker maps 1 GiB pages (PS in a PDPTE). */
export const CPUID_EXT_PAGE1GB = 1 << 26;
export const CPUID_EXT_FEATURES_EDX = featureBits(0x80000001, 'edx', CPUID_EXT_NX | CPUID_EXT_LM | CPUID_EXT_PAGE1GB);
/**
 * The EFER bits a WRMSR may set: SCE (read and written like hardware's; SYSCALL itself stays #UD
 * outside 64-bit mode, as on Intel parts), NXE, and LME where CPUID reports LM. LMA is the
 * processor's (a written value is ignored); every other bit is reserved.
 */
export const EFER_WRITABLE = EFER_SCE | EFER_NXE | (CPUID_EXT_FEATURES_EDX & CPUID_EXT_LM ? EFER_LME : 0) | K.EFER_LMA;

function str4(s: string, i: number): number {
  return (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) | 0;
}

/**
 * Fills EAX, EBX, ECX, EDX for leaf EAX (subleaf ECX for leaves 7 and 0xD). Leaves 3-6 and
 * 8-0xC are all zero: no processor serial number, no deterministic cache parameters (leaf 2
 * describes the caches), no MONITOR/MWAIT sizes, no thermal and power features, nothing else
 * below the XSAVE leaf.
 */
export function cpuid(cpu: Cpu): void {
  const r = cpu.regs;
  let leaf = r[0] >>> 0;
  const subleaf = r[1] >>> 0;
  if (leaf > MAX_BASIC_LEAF && leaf < 0x80000000) leaf = MAX_BASIC_LEAF;   // out-of-range basic leaves report the highest one
  if (leaf > MAX_EXTENDED_LEAF) leaf = MAX_BASIC_LEAF;
  let a = 0, b = 0, c = 0, d = 0;
  const brand = CPUID_BRAND.padEnd(48, '\0');
  switch (leaf) {
    case 0: a = MAX_BASIC_LEAF; b = str4(CPUID_VENDOR, 0); d = str4(CPUID_VENDOR, 4); c = str4(CPUID_VENDOR, 8); break;
    // ECX.OSXSAVE (27) mirrors CR4.OSXSAVE.
    case 1: a = CPUID_SIGNATURE; b = 0; c = CPUID_FEATURES_ECX | (cpu.cr4 & CR4_OSXSAVE ? 1 << 27 : 0); d = CPUID_FEATURES_EDX; break;
    case 2: a = 0x03020101; b = 0; c = 0; d = 0x0c040843; break; // TLB and cache descriptors of the P6 family
    case 3: case 4: case 5: case 6: break;
    case 7: if (subleaf === 0) { b = CPUID_LEAF7_EBX; c = CPUID_LEAF7_ECX; } break;   // EAX 0: subleaf 0 is the only one
    case 8: case 9: case 0xa: case 0xb: case 0xc: break;
    case XSAVE_LEAF:
      // Subleaf 0: the XCR0 bits supported (x87, SSE), the area's size for the enabled ones and
      // for all (576: the legacy region and the header); no other subleaf has anything.
      if (subleaf === 0) { a = XCR0_SUPPORTED; b = XSAVE_SIZE; c = XSAVE_SIZE; }
      break;
    case 0x80000000: a = MAX_EXTENDED_LEAF; break;
    case 0x80000001: c = CPUID_EXT_FEATURES_ECX; d = CPUID_EXT_FEATURES_EDX; break;
    // 5: reserved on Intel; 6: L2 cache (leaf 2 describes the caches); 7: no invariant TSC.
    case 0x80000005: case 0x80000006: case 0x80000007: break;
    case 0x80000008: a = CPUID_ADDRESS_SIZES; break;
    default: {
      const o = (leaf - 0x80000002) * 16;
      a = str4(brand, o); b = str4(brand, o + 4); c = str4(brand, o + 8); d = str4(brand, o + 12);
    }
  }
  r[0] = a; r[3] = b; r[1] = c; r[2] = d;
}

export const APIC_BASE_DEFAULT = 0xfee00900; // base 0xFEE00000, BSP, enabled
const PAT_DEFAULT: [number, number] = [0x00070406, 0x00070406];

export function resetMsrs(cpu: Cpu): void {
  cpu.msrs.clear();
  cpu.msrs.set(MSR_APIC_BASE, [APIC_BASE_DEFAULT | 0, 0]);
  cpu.msrs.set(MSR_PAT, [PAT_DEFAULT[0], PAT_DEFAULT[1]]);
  cpu.msrs.set(MSR_SYSENTER_CS, [0, 0]);
  cpu.msrs.set(MSR_SYSENTER_ESP, [0, 0]);
  cpu.msrs.set(MSR_SYSENTER_EIP, [0, 0]);
  cpu.msrs.set(MSR_EFER, [0, 0]);
  cpu.nxe = false;
  cpu.efer = 0;
  cpu.msrs.set(MSR_MTRR_DEF_TYPE, [0, 0]);
  // MSRs that Intel-aware kernels read on any family-6 part: platform ID, EBL_CR_POWERON,
  // microcode signature (written with 0 and read back), MISC_ENABLE (fast strings on).
  cpu.msrs.set(0x17, [0, 0]);
  cpu.msrs.set(0x2a, [0, 0]);
  cpu.msrs.set(0x8b, [0, 0]);
  cpu.msrs.set(0x1a0, [1, 0]);
  for (let i = 0x200; i < 0x210; i++) cpu.msrs.set(i, [0, 0]);
  for (const i of [0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f]) cpu.msrs.set(i, [0, 0]);
}

/** The 64-bit TSC as [lo, hi]. */
export function readTsc(cpu: Cpu): [number, number] {
  const t = cpu.ticks * TSC_PER_TICK + cpu.tscOffset;
  return [t % 0x100000000 | 0, Math.floor(t / 0x100000000) | 0];
}

/** An MSR this CPU has (RDMSR of any other is #GP(0)). */
export function msrKnown(cpu: Cpu, msr: number): boolean {
  return msr === MSR_TSC || msr === MSR_MTRRCAP || isBaseMsr(msr) || cpu.msrs.has(msr);
}

/** RDMSR: EDX:EAX = MSR[ECX]; unknown -> #GP(0). */
export function rdmsr(cpu: Cpu, msr: number): [number, number] {
  if (msr === MSR_TSC) return readTsc(cpu);
  if (msr === MSR_MTRRCAP) return [0x508, 0];     // 8 variable ranges, fixed ranges, write-combining
  const base = readBaseMsr(cpu, msr);
  if (base) return base;
  const v = cpu.msrs.get(msr);
  if (!v) cpu.fault(GP, 0);
  return v;
}

export function wrmsr(cpu: Cpu, msr: number, lo: number, hi: number): void {
  if (writeLongMsr(cpu, msr, lo, hi)) return;
  switch (msr) {
    case MSR_TSC: cpu.tscOffset = (hi >>> 0) * 0x100000000 + (lo >>> 0) - cpu.ticks * TSC_PER_TICK; return;
    case MSR_EFER: {
      if ((lo & ~EFER_WRITABLE) || hi !== 0) cpu.fault(GP, 0);
      cpu.writeEfer(lo);
      return;
    }
    case MSR_MTRRCAP: cpu.fault(GP, 0);
    case MSR_APIC_BASE: if (hi !== 0 || (lo & 0x6ff)) cpu.fault(GP, 0); break;
    case MSR_PAT:
      for (const byte of [lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, hi & 0xff, (hi >>> 8) & 0xff, (hi >>> 16) & 0xff, hi >>> 24]) {
        if (byte === 2 || byte === 3 || byte > 7) cpu.fault(GP, 0);
      }
      break;
  }
  const v = cpu.msrs.get(msr);
  if (!v) cpu.fault(GP, 0);
  const reserved = cpu.msrReserved.get(msr);
  if (reserved && ((lo & reserved[0]) || (hi & reserved[1]))) cpu.fault(GP, 0);
  v[0] = lo | 0; v[1] = hi | 0;
}
