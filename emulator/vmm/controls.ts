// Exit-control presets: which optional intercepts a VT-x hypervisor turns on. The choices
// follow what KVM programs on Intel hosts (the why of each is in COST-MODEL.md and below).
// Exits that VT-x takes unconditionally (CPUID, INVD, WBINVD, XSETBV, VMCALL, triple
// fault, EPT violations on MMIO, task switch) need no control here: the CPU always raises them.

import type { ExitControls } from '../cpu';
import { MachineOptionError } from '../option-error';
import { MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE } from '../isa/msr-numbers';

export type ExitControlsPreset = 'ept' | 'shadow-paging';
export type ExitControlOverrides = Readonly<Record<string, boolean | number | undefined>>;
/** The exit controls a machine is created with: a preset, then overrides of single controls. */
export interface ExitControlsSpec {
  preset: ExitControlsPreset;
  /**
   * Controls by name (hltExiting: true, cr0Mask: 0x...), as a user or a launch configuration
   * gives them: createExitControls checks each name and value type against the controls and
   * throws ExitControlsError for anything else.
   */
  overrides?: ExitControlOverrides;
  /** Cost model overrides (a JSON object, see emulator/vmm/COST-MODEL.md); validated by createHvmVmm. */
  costModel?: Record<string, unknown>;
}

// CR0 bits: PE 0, MP 1, EM 2, TS 3, ET 4, NE 5, WP 16, AM 18, NW 29, CD 30, PG 31.
const CR0_TS = 1 << 3;
const CR0_WP = 1 << 16;
// CR4 bits the guest may own: TSD 2, DE 3, PGE 7, PCE 8, OSFXSR 9, OSXMMEXCPT 10, FSGSBASE 16.
const CR4_TSD = 1 << 2, CR4_DE = 1 << 3, CR4_PGE = 1 << 7, CR4_PCE = 1 << 8, CR4_OSFXSR = 1 << 9;
const CR4_OSXMMEXCPT = 1 << 10, CR4_FSGSBASE = 1 << 16, CR4_PVI = 1 << 1;

/**
 * 'ept': KVM leaves CR0.TS (lazy FPU) and CR0.WP (EPT makes guest paging its own business)
 * to the guest; every other CR0 bit (PE, PG, CD, NW, NE, ...) is host-owned, so a write
 * that changes one exits. 'shadow-paging': WP is host-owned too, because the shadow
 * page tables must honour it.
 */
export const CR0_MASK_EPT = ~(CR0_TS | CR0_WP) >>> 0;
export const CR0_MASK_SHADOW = ~CR0_TS >>> 0;
/**
 * CR4: the guest owns TSD, DE, PGE, PCE, OSFXSR, OSXMMEXCPT, FSGSBASE and PVI; the host
 * owns the paging-structure bits (PSE, PAE, ...), VMXE, SMXE, OSXSAVE, SMEP/SMAP, PKE,
 * UMIP, MCE, VME. Under shadow paging PGE is host-owned as well (global shadow entries).
 */
export const CR4_MASK_EPT = ~(CR4_TSD | CR4_DE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE | CR4_PVI) >>> 0;
export const CR4_MASK_SHADOW = (CR4_MASK_EPT | CR4_PGE) >>> 0;

/** #UD is intercepted (KVM emulates some instructions, e.g. the other vendor's VMCALL); #MC always. */
export const EXCEPTION_BITMAP_EPT = (1 << 6) | (1 << 18);
/** Shadow paging also intercepts #PF: every guest page fault goes through the shadow MMU first. */
export const EXCEPTION_BITMAP_SHADOW = EXCEPTION_BITMAP_EPT | (1 << 14);

/**
 * MSRs whose accesses do not exit (the MSR bitmap bit is clear), as KVM configures it:
 * SYSENTER_CS/ESP/EIP are switched through the VMCS; FS/GS/KERNEL_GS base likewise; the
 * TSC is read directly with TSC offsetting (writes still exit so the offset can be set).
 * Everything else exits: APIC_BASE (the local APIC is emulated), EFER and PAT (checked by
 * the hypervisor), MTRRs, MISC_ENABLE, unknown MSRs (they #GP in the guest after the exit).
 */
export const MSR_PASSTHROUGH_READ: readonly number[] = [0x10, 0x174, 0x175, 0x176, MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE];
export const MSR_PASSTHROUGH_WRITE: readonly number[] = [0x174, 0x175, 0x176, MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE];

export const PRESETS: readonly ExitControlsPreset[] = ['ept', 'shadow-paging'];

type ScalarControls = Omit<ExitControls, 'msrExits' | 'ioExits'>;

function presetScalars(preset: ExitControlsPreset): ScalarControls {
  const shadow = preset === 'shadow-paging';
  return {
    hltExiting: true,
    cr3Load: shadow,
    cr3Store: shadow,
    invlpg: shadow,
    pageFault: shadow,
    rdtsc: false,             // TSC offsetting: RDTSC runs natively
    rdpmc: true,              // KVM virtualizes the PMU, so RDPMC exits
    descriptorTable: false,   // only turned on to emulate UMIP
    movDr: true,              // KVM starts with MOV-DR exiting (then switches lazily; not modelled)
    pauseExiting: false,      // pause-loop exiting needs a spin window; plain PAUSE does not exit
    monitorMwait: true,       // MONITOR/MWAIT are not exposed to guests by default
    cr8Load: false,           // "use TPR shadow": MOV to/from CR8 runs against the virtual APIC page
    cr8Store: false,
    nmiExiting: true,         // KVM takes every NMI (host or guest-bound) and injects the guest's
    virtualNmis: true,        // ... tracking the guest's NMI blocking as virtual-NMI blocking
    nmiWindowExiting: true,   // ... and asks for an NMI window while the guest blocks one
    cr0Mask: shadow ? CR0_MASK_SHADOW : CR0_MASK_EPT,
    cr4Mask: shadow ? CR4_MASK_SHADOW : CR4_MASK_EPT,
    exceptionBitmap: shadow ? EXCEPTION_BITMAP_SHADOW : EXCEPTION_BITMAP_EPT,
  };
}

const BOOLEAN_KEYS = ['hltExiting', 'cr3Load', 'cr3Store', 'invlpg', 'pageFault', 'rdtsc', 'rdpmc', 'descriptorTable',
  'movDr', 'pauseExiting', 'monitorMwait', 'cr8Load', 'cr8Store', 'nmiExiting', 'virtualNmis', 'nmiWindowExiting'] as const;
const NUMBER_KEYS = ['cr0Mask', 'cr4Mask', 'exceptionBitmap'] as const;
export const CONTROL_KEYS: readonly string[] = [...BOOLEAN_KEYS, ...NUMBER_KEYS];

/** Thrown for a spec that names an unknown preset or control, or gives a value of the wrong type. */
export class ExitControlsError extends MachineOptionError {
  override name = 'ExitControlsError';
  constructor(message: string) { super('exitControls', message); }
}

/**
 * The controls for a spec. The result is a plain object whose fields the CPU reads directly
 * (they may be changed later, e.g. by a debugger); `pageFault` and `exceptionBitmap` bit 14
 * are kept consistent (either one turns #PF interception on).
 */
export function createExitControls(spec: ExitControlsSpec = { preset: 'ept' }): ExitControls {
  if (!PRESETS.includes(spec.preset)) {
    throw new ExitControlsError(`unknown exit-controls preset '${String(spec.preset)}' (expected ${PRESETS.join(' or ')})`);
  }
  const c = presetScalars(spec.preset);
  const overrides = (spec.overrides ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if ((BOOLEAN_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') throw new ExitControlsError(`exit control '${key}' must be true or false`);
      (c as unknown as Record<string, boolean>)[key] = value;
    } else if ((NUMBER_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
        throw new ExitControlsError(`exit control '${key}' must be a 32-bit integer`);
      }
      (c as unknown as Record<string, number>)[key] = value >>> 0;
    } else {
      throw new ExitControlsError(`unknown exit control '${key}' (known: ${CONTROL_KEYS.join(', ')})`);
    }
  }
  // The VM-entry checks (SDM 26.2.1.1): virtual NMIs need NMI exiting, NMI-window exiting needs virtual NMIs.
  if (c.virtualNmis && !c.nmiExiting) throw new ExitControlsError("exit control 'virtualNmis' needs 'nmiExiting' (a VM entry with it alone fails)");
  if (c.nmiWindowExiting && !c.virtualNmis) throw new ExitControlsError("exit control 'nmiWindowExiting' needs 'virtualNmis' (a VM entry with it alone fails)");
  if ('pageFault' in overrides) {
    c.exceptionBitmap = c.pageFault ? (c.exceptionBitmap | (1 << 14)) >>> 0 : (c.exceptionBitmap & ~(1 << 14)) >>> 0;
  } else if (c.exceptionBitmap & (1 << 14)) {
    c.pageFault = true;
  }

  // Bitmaps as typed arrays: the check is an index and a mask, no hashing.
  const readPass = new Set(MSR_PASSTHROUGH_READ);
  const writePass = new Set(MSR_PASSTHROUGH_WRITE);
  const lowRead = new Uint8Array(0x2000 / 8), lowWrite = new Uint8Array(0x2000 / 8);
  const highRead = new Uint8Array(0x2000 / 8), highWrite = new Uint8Array(0x2000 / 8);
  for (const m of readPass) (m >= 0xc0000000 ? highRead : lowRead)[(m & 0x1fff) >>> 3]! |= 1 << (m & 7);
  for (const m of writePass) (m >= 0xc0000000 ? highWrite : lowWrite)[(m & 0x1fff) >>> 3]! |= 1 << (m & 7);

  return {
    ...c,
    msrExits(msr: number, write: boolean): boolean {
      const m = msr >>> 0;
      // Like the VMX MSR bitmap: only 0..1FFF and C0000000..C0001FFF can be passed through.
      let map: Uint8Array;
      if (m <= 0x1fff) map = write ? lowWrite : lowRead;
      else if (m >= 0xc0000000 && m <= 0xc0001fff) map = write ? highWrite : highRead;
      else return true;
      return (map[(m & 0x1fff) >>> 3]! & (1 << (m & 7))) === 0;
    },
    // Unconditional I/O exiting, as KVM uses: every port access exits.
    ioExits(_port: number): boolean {
      return true;
    },
  };
}
