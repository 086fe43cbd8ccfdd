// The one place the CLI reaches into the emulator to build a machine, so the commands
// depend on the Machine API contract (emulator/machine/api.ts) and nothing more.

import { Machine, firmwareInfo } from '../emulator/machine';
import { kernelCommandLine, loadImage, type KernelImage } from '../emulator/loader';
import type { BootPlan, ExitControlsSpec, MachineApi, MachineOptions, Mode } from '../emulator/machine';
import type { ImageFormatOption } from './options';

export interface EngineOptions {
  mode: Mode;
  memoryMiB: number;
  exitControls: ExitControlsSpec;
  serialOut: (byte: number) => void;
  pvPrivileged?: 'xen' | 'strict';
  /** PV: where console_io output goes (MachineOptions.hypervisorConsole). */
  hypervisorConsole?: MachineOptions['hypervisorConsole'];
  /** false: every instruction through the interpreter (the block compiler off). */
  blockCompiler?: boolean;
}

export function createMachine(o: EngineOptions): MachineApi {
  return new Machine({ mode: o.mode, memoryMiB: o.memoryMiB, exitControls: o.exitControls, serialOut: o.serialOut, hypervisorConsole: o.hypervisorConsole, pvPrivileged: o.pvPrivileged, blockCompiler: o.blockCompiler });
}

/**
 * `kernelPath` is the path as the user gave it: a Multiboot kernel sees it as argv[0], as under
 * QEMU and GRUB; Multiboot2 and Linux kernels get the command line as given (kernelCommandLine).
 */
export function planImage(image: KernelImage, kernelPath: string, o: {
  memoryMiB: number; cmdline?: string; format: ImageFormatOption; flatAddress?: number; realMode?: boolean;
  initrd?: Uint8Array; linuxEntry?: '32' | '64';
}): BootPlan {
  return loadImage(image, {
    ramBytes: o.memoryMiB * 1024 * 1024, cmdline: kernelCommandLine(image, o.format, kernelPath, o.cmdline),
    format: o.format, flatAddress: o.flatAddress, realMode: o.realMode, initrd: o.initrd, linuxEntry: o.linuxEntry, ...firmwareInfo(),
  });
}
