// Architectural constants (Intel SDM Vol. 1 §3.4.3, Vol. 3 §2.5, §3.4.5, §6.3), one copy for
// every file of the CPU. Imported rather than copied: in the bundles (dist/, the bench) esbuild
// hoists them into one scope, where an import is the same variable read as a local const
// (measured in the CPU README's "Speed" section).

export const FLAG_CF = 1 << 0;
export const FLAG_PF = 1 << 2;
export const FLAG_AF = 1 << 4;
export const FLAG_ZF = 1 << 6;
export const FLAG_SF = 1 << 7;
export const FLAG_TF = 1 << 8;
export const FLAG_IF = 1 << 9;
export const FLAG_DF = 1 << 10;
export const FLAG_OF = 1 << 11;
export const FLAG_IOPL = 3 << 12;
export const FLAG_NT = 1 << 14;
export const FLAG_RF = 1 << 16;
export const FLAG_VM = 1 << 17;
export const FLAG_AC = 1 << 18;
export const FLAG_VIF = 1 << 19;
export const FLAG_VIP = 1 << 20;
export const FLAG_ID = 1 << 21;
export const FLAGS_ARITH = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;
/** Bit 1 always reads as one. */
export const FLAGS_FIXED = 2;

export const CR0_PE = 1 << 0;
export const CR0_MP = 1 << 1;
export const CR0_EM = 1 << 2;
export const CR0_TS = 1 << 3;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18;
export const CR0_NW = 1 << 29;
export const CR0_CD = 1 << 30;
export const CR0_PG = 1 << 31;

export const CR4_VME = 1 << 0;
export const CR4_PVI = 1 << 1;
export const CR4_TSD = 1 << 2;
export const CR4_DE = 1 << 3;
export const CR4_PSE = 1 << 4;
export const CR4_PAE = 1 << 5;
export const CR4_MCE = 1 << 6;
export const CR4_PGE = 1 << 7;
export const CR4_PCE = 1 << 8;
export const CR4_OSFXSR = 1 << 9;
export const CR4_OSXMMEXCPT = 1 << 10;
export const CR4_UMIP = 1 << 11;
/** RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE enabled (64-bit mode). */
export const CR4_FSGSBASE = 1 << 16;
export const CR4_PCIDE = 1 << 17;
export const CR4_SMEP = 1 << 20;
export const CR4_SMAP = 1 << 21;
/** Bits a CR4 write may set on this CPU; anything else is #GP(0). */
export const CR4_OSXSAVE = 1 << 18;
export const CR4_SUPPORTED = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_UMIP | CR4_FSGSBASE | CR4_PCIDE | CR4_OSXSAVE | CR4_SMEP | CR4_SMAP;

// EFER (MSR 0xC0000080) bits: what a write may set is decided in identity.ts.
export const EFER_SCE = 1 << 0;
export const EFER_LME = 1 << 8;
export const EFER_LMA = 1 << 10;
export const EFER_NXE = 1 << 11;

// Segment descriptor-cache attribute bits: descriptor bits 40..55 shifted down by 8, plus
// our own A_UNUSABLE.
export const A_TYPE = 0x0f;
export const A_S = 0x10;
export const A_DPL_SHIFT = 5;
export const A_P = 0x80;
/** CS.L: a 64-bit code segment in IA-32e mode. */
export const A_L = 0x2000;
export const A_DB = 0x4000;
export const A_G = 0x8000;
/** Our own: selector was null (loads fine in DS..GS, faults when used). */
export const A_UNUSABLE = 0x10000;

// Segment register numbers in instruction-encoding order.
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

// Exception vectors.
export const DE = 0;
export const DB = 1;
export const NMI = 2;
export const BP = 3;
export const OF = 4;
export const BR = 5;
export const UD = 6;
export const NM = 7;
export const DF = 8;
export const TS = 10;
export const NP = 11;
export const SSF = 12;
export const GP = 13;
export const PF = 14;
export const MF = 16;
export const AC = 17;

// Model-specific registers we implement.
export const MSR_TSC = 0x10;
export const MSR_APIC_BASE = 0x1b;
export const MSR_MTRRCAP = 0xfe;
export const MSR_SYSENTER_CS = 0x174;
export const MSR_SYSENTER_ESP = 0x175;
export const MSR_SYSENTER_EIP = 0x176;
export const MSR_MTRR_DEF_TYPE = 0x2ff;
export const MSR_PAT = 0x277;
export const MSR_EFER = 0xc0000080;
// Long mode's MSRs: their numbers are the instruction table's too, so they live in isa/.
export { MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_TSC_AUX } from '../isa/msr-numbers';
