// What a debug engine is built from: the boot plan for the launch's mode, the machine's
// options, and the program's debug data (its own, or a separate debug file's such as a vmlinux
// beside a bzImage).

import { firmwareInfo, type BootPlan, type MachineOptions } from '../../emulator/machine';
import { kernelCommandLine, loadImage, loadPvh, type KernelImage } from '../../emulator/loader';
import { loadPvImage } from '../../emulator/pv/pv-image';
import { LineTable } from '../../emulator/loader/dwarf/line-table';
import { DebugInfo } from '../../emulator/loader/dwarf';
import type { DebugFile } from '../../emulator/loader/dwarf/debug-file';
import { SymbolTable } from './symbols';
import type { LaunchConfig } from '../launch-config';

/** The boot plan of the launch's mode (HVM's firmware and command line, PV's or PVH's start info). */
export function bootPlan(config: LaunchConfig, image: KernelImage, initrd: Uint8Array | undefined): BootPlan {
  const ram = config.memoryMiB * 1024 * 1024;
  if (config.mode === 'pv') return loadPvImage(image, { ramBytes: ram, cmdline: config.cmdline, initrd });
  if (config.mode === 'pvh') return loadPvh(image, { ramBytes: ram, cmdline: config.cmdline, initrd });
  return loadImage(image, {
    ramBytes: ram, cmdline: kernelCommandLine(image, config.format, config.program, config.cmdline), format: config.format,
    initrd, linuxEntry: config.linuxEntry, ...firmwareInfo(),
  });
}

function hypervisorRoute(c: LaunchConfig['hypervisorConsole'], out: (b: number) => void): { mode: 'serial' | 'separate' | 'auto'; out?: (b: number) => void } {
  if (c === 'debugConsole') return { mode: 'serial' };
  if (c === 'none') return { mode: 'separate' };
  return { mode: c === 'auto' ? 'auto' : 'separate', out };
}

/** The machine's options for a launch; `serialOut` and `hypervisorOut` get the guest's console bytes. */
export function machineOptions(config: LaunchConfig, serialOut: (b: number) => void, hypervisorOut: (b: number) => void): MachineOptions {
  return {
    mode: config.mode, memoryMiB: config.memoryMiB, serialOut, pvPrivileged: config.pvPrivileged,
    hypervisorConsole: hypervisorRoute(config.hypervisorConsole, hypervisorOut),
    exitControls: { preset: config.exitControls.preset, overrides: config.exitControls.overrides },
  };
}

/** The [start, end) ranges of an ELF's allocated sections, or undefined for other images. */
function loadedSections(image: KernelImage): Array<[number, number]> | undefined {
  if (image.format !== 'elf') return undefined;
  try {
    const elf = image.elf();
    // ELF64 addresses are signed numbers (exact when canonical); ELF32 ones unsigned.
    const at = (a: number) => (elf.class === 64 ? a : a >>> 0);
    const ranges = elf.sections.filter((s) => (s.flags & 0x2) !== 0 && s.size > 0).map((s): [number, number] => [at(s.addr), at(s.addr) + s.size]);
    return ranges.length ? ranges : undefined;
  } catch { return undefined; }
}

export interface DebugData {
  symbols: SymbolTable;
  lines: LineTable;
  /** Functions, variables, types and CFI; null when there is no readable DWARF. */
  dwarf: DebugInfo | null;
  /** The program is ELF64 (x86-64). */
  image64: boolean;
}

/** Symbols, lines and DWARF: a separate debug file's (read lazily), else the image's own. */
export function debugData(image: KernelImage, plan: BootPlan, separate: DebugFile | undefined): DebugData {
  if (separate) {
    return { symbols: new SymbolTable(separate.symbols, separate.loadedRanges()), lines: separate.lines, dwarf: separate.dwarf, image64: separate.elf.class === 64 };
  }
  let dwarf: DebugInfo | null = null;
  try { dwarf = DebugInfo.fromElf(image); } catch { dwarf = null; }
  return {
    symbols: new SymbolTable(plan.symbols, loadedSections(image)),
    lines: LineTable.fromImage(image),
    dwarf: dwarf && dwarf.allFunctions().length + dwarf.globals().length > 0 ? dwarf : null,
    image64: image.format === 'elf' && (() => { try { return image.elf().class === 64; } catch { return false; } })(),
  };
}
