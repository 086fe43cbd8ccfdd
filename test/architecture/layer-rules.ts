// The allowed imports between the project's layers: the one place they are written.
// layers.test.ts reads the import graph of the production sources and fails on an arrow
// these rules do not allow, on an import cycle, and on an entry below that is no longer
// needed (so the lists of known violations only shrink). docs/ARCHITECTURE.md explains them.
//
// A layer is a path prefix; a file belongs to the layer with the longest prefix it starts
// with. A layer may always import its own files. `mayImport` lists path prefixes: whole
// layers ('emulator/isa/') or single files that are a layer's public surface
// ('emulator/memory/bus.ts'). `packages` lists the npm packages (prefixes; 'node:' is
// Node's built-ins) the layer may import; none when absent.

export interface Layer {
  path: string;
  holds: string;
  mayImport: readonly string[];
  packages?: readonly string[];
}

/** The emulator's parts a front end may use: the composition root, the knowledge layers, virtual time. */
const EMULATOR_SURFACE = [
  'emulator/machine/index.ts', 'emulator/isa/', 'emulator/loader/', 'emulator/vmm/', 'emulator/pv/', 'emulator/trace/', 'emulator/clock.ts',
  'emulator/option-error.ts', 'emulator/limits.ts', 'emulator/expression/',
] as const;

export const LAYERS: readonly Layer[] = [
  { path: 'extension/', holds: 'VS Code glue: activation, language client, debug adapter factory, views',
    mayImport: ['debug-adapter/', ...EMULATOR_SURFACE, 'language-server/analyzer/settings.ts'], packages: ['vscode', 'vscode-languageclient', 'node:'] },
  { path: 'cli/', holds: 'the paravirt command: run, compare, lint',
    mayImport: [...EMULATOR_SURFACE, 'language-server/analyzer/'], packages: ['commander', 'node:'] },
  { path: 'debug-adapter/', holds: 'the DAP session over the machine',
    mayImport: [...EMULATOR_SURFACE], packages: ['@vscode/debugadapter', '@vscode/debugprotocol', 'iced-x86', 'node:'] },
  { path: 'language-server/', holds: 'the LSP server around the analyzer',
    mayImport: ['language-server/analyzer/', 'emulator/isa/', 'emulator/pv/abi.ts'], packages: ['vscode-languageserver', 'node:'] },
  { path: 'language-server/analyzer/', holds: 'the linter: parsing, classification, fixes; no LSP',
    mayImport: ['emulator/isa/', 'emulator/pv/abi.ts'], packages: ['node:'] },

  { path: 'emulator/machine/', holds: 'the composition root: the Machine that wires every part, its API, exit filters',
    mayImport: ['emulator/'] },
  { path: 'emulator/vmm/', holds: 'the HVM hypervisor model: exit controls, cost model, KVM hypercalls',
    mayImport: ['emulator/cpu/index.ts', 'emulator/isa/', 'emulator/trace/', 'emulator/clock.ts', 'emulator/option-error.ts'] },
  { path: 'emulator/pv/', holds: 'the Xen PV hypervisor: ABI, hypercalls, events, domain builder',
    mayImport: ['emulator/cpu/index.ts', 'emulator/memory/', 'emulator/devices/platform-api.ts', 'emulator/loader/', 'emulator/isa/',
      'emulator/trace/', 'emulator/clock.ts', 'emulator/option-error.ts'] },
  { path: 'emulator/pvh/', holds: 'the PVH hypervisor: Xen over the HVM model (CPUID leaves, hypercall page, VMCALL hypercalls, HVM params, a local-APIC-only platform)',
    mayImport: ['emulator/cpu/index.ts', 'emulator/memory/', 'emulator/devices/platform-api.ts', 'emulator/devices/local-apic.ts', 'emulator/devices/io-bus.ts',
      'emulator/loader/', 'emulator/pv/', 'emulator/vmm/', 'emulator/isa/', 'emulator/trace/', 'emulator/clock.ts'] },
  { path: 'emulator/expression/', holds: 'the expression language of conditions, watches and exit filters',
    mayImport: ['emulator/loader/dwarf/'] },
  { path: 'emulator/trace/', holds: 'the record of hypervisor events both models write: record types, ring buffer',
    mayImport: ['emulator/isa/', 'emulator/cpu/index.ts'] },
  { path: 'emulator/firmware/', holds: 'what firmware leaves in guest memory: ACPI tables',
    mayImport: ['emulator/devices/'] },
  { path: 'emulator/devices/', holds: 'the PC platform: UART, PIC, PIT, RTC, VGA text, APIC, ...',
    mayImport: ['emulator/memory/bus.ts', 'emulator/clock.ts'] },
  { path: 'emulator/cpu/', holds: 'decoder, execution, flags, segmentation, paging, exceptions',
    mayImport: ['emulator/isa/', 'emulator/memory/', 'emulator/clock.ts'] },
  { path: 'emulator/loader/', holds: 'kernel images: ELF, Multiboot, Xen notes, DWARF, the boot plan',
    mayImport: [] },
  { path: 'emulator/memory/', holds: 'guest physical memory and the MMIO bus', mayImport: ['emulator/limits.ts'] },
  { path: 'emulator/isa/', holds: 'instruction knowledge shared by the CPU, disassembly and the linter', mayImport: [] },
  { path: 'emulator/clock.ts', holds: 'virtual time: nanoseconds per instruction, TSC rate', mayImport: [] },
  { path: 'emulator/option-error.ts', holds: 'the typed error for a bad machine option', mayImport: [] },
  { path: 'emulator/limits.ts', holds: 'limits more than one part enforces: guest RAM, command line', mayImport: [] },
];

export interface KnownViolation {
  from: string;
  to: string;
  /** The issue point (and who) that removes the arrow. */
  removedBy: string;
}

/** Arrows that break the rules today, each with the work that removes it. Delete a line when it is gone. */
export const KNOWN_VIOLATIONS: readonly KnownViolation[] = [
  { from: 'emulator/cpu/operands.ts', to: 'emulator/devices/platform-api.ts', removedBy: 'issue 13 point 4: the CPU owns the platform interface it calls, as it owns the exit sink' },
  { from: 'emulator/cpu/port-io.ts', to: 'emulator/devices/platform-api.ts', removedBy: 'issue 13 point 4: the CPU owns the platform interface it calls, as it owns the exit sink' },
];

export interface KnownCycle {
  files: readonly string[];
  removedBy: string;
}

/** Import cycles that exist today, each with the work that removes it. Delete an entry when it is gone. */
export const KNOWN_CYCLES: readonly KnownCycle[] = [];

/** The folders whose sources are production code (what the rules govern). */
export const PRODUCTION_FOLDERS = ['emulator', 'cli', 'debug-adapter', 'language-server', 'extension'] as const;
