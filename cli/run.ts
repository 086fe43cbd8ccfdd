// `paravirt run <kernel>`: boot a kernel, stream its serial output, stop on the guest's
// request or the budget, and report instructions, time and VM exits.

import { readFileSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { ExitRecord } from '../emulator/machine';
import { createMachine, planImage } from './engine';
import { loadPvImage } from '../emulator/pv/pv-image';
import { CliError } from './errors';
import { STATUS_INTERNAL, exitStatusFor } from './exit-status';
import { ExitProfile } from './profile';
import { LineTable } from '../emulator/loader/dwarf/line-table';
import { detectedFormat, loadPvh, readImage } from '../emulator/loader';
import { MAX_KERNEL_FILE_BYTES, MAX_KERNEL_FILE_TEXT } from '../emulator/limits';
import { ExitTrace, exitToJson } from './exit-trace';
import {
  DEFAULT_MAX_INSTRUCTIONS, DEFAULT_MEMORY_MIB, SLICE_INSTRUCTIONS, parseAddress, parseCmdline, parseCostModelFile, parseExitControl, parseStopOn, type StopOn, parseCount, parseMemory, parseSeconds, parseSerial, parseHypervisorConsole, type HypervisorConsoleTarget,
  type RunOptions,
} from './options';
import { runInSlices } from './run-loop';
import { SerialSink } from './serial-sink';
import { buildSummary, formatSummaryText } from './summary';

/** RAM a Linux bzImage gets when --memory is not given: a stock kernel decompresses at 16 MiB into ~64 MiB, then needs room to run. */
export const LINUX_DEFAULT_MEMORY_MIB = 256;
/**
 * The instruction budget a Linux bzImage gets when --max-instructions is not given: Debian's
 * 6.1 kernel needs about 6.2e9 to reach its /init and power off in HVM (decompression
 * included), 2.3e9 as a PV guest and 1.6e9 in PVH; the 2G default for small kernels would stop
 * it halfway. A hung kernel still ends, at this budget or at --max-time.
 */
export const LINUX_DEFAULT_MAX_INSTRUCTIONS = 30_000_000_000;

const RUN_HELP = `
Stops when the guest writes to isa-debug-exit (port 0xf4), asks for a reset or shutdown
(ACPI S5 too), triple-faults, executes HLT with interrupts off, or when --max-instructions
have run or --max-time virtual seconds have passed. Virtual time is the instruction count
(10 ns each) plus idle time: while the guest halts (HVM) or blocks (PV) with only timers
to wake it, time jumps to the next timer at once, so idling costs no host time.

Exit status:
  odd numbers   the guest's isa-debug-exit status, (value << 1) | 1, as QEMU reports it
  0             HLT with interrupts off, or a reset request
  2             bad option, missing or unreadable file, or an image the loader rejects
  4             triple fault
  8             stopped at an exit matching --stop-on
  124           --max-instructions or --max-time used up before the guest stopped
  130           interrupted with Ctrl-C
  70            an error inside the emulator (a bug)

--summary json prints one JSON object as the last line of stdout:
  { instructions, seconds, virtualSeconds, mips, stop: { kind, code, detail }, exitStatus,
    exits: { total, byReason: { NAME: count }, cyclesByReason: { NAME: cycles } },
    estimatedCycles: { guest, exits, total, note }, kernel, mode, exitControls, serialBytes }
Exit counts are exact; cycles are estimates from the cost model (emulator/vmm/COST-MODEL.md).
Exit reason names are Intel's basic exit reasons (e.g. IO_INSTRUCTION 30, CPUID 10, HLT 12,
CR_ACCESS 28, EPT_VIOLATION 48; all of them in emulator/isa/exit-reasons.ts).

--mode pv runs a Xen PV kernel (ELF with Xen notes or __xen_guest; see emulator/pv/README.md):
  records are HYPERCALL, TRAP_BOUNCE, EVENT_UPCALL, PRIV_OP, FAILSAFE_CALLBACK, DOMAIN_CRASH;
  the JSON summary adds { hypercalls: { name: count }, hypercallErrors }; piped stdin feeds
  the PV console; sched_op shutdown poweroff exits 0, a crash exits 6.

--mode pvh runs a PVH kernel (an ELF with XEN_ELFNOTE_PHYS32_ENTRY) in an HVM container the
  way Xen's toolstack starts one: entered in 32-bit protected mode with EBX = hvm_start_info
  (memory map, --cmdline, --initrd as its module, the RSDP), a local APIC and
  hardware-reduced ACPI tables, no legacy devices (ports read all ones). Its VM exits are
  HVM's (VMCALL 18 for each hypercall, CPUID, WRMSR, I/O ...); each hypercall is also a
  HYPERCALL record, and the JSON summary adds hypercalls and hypercallErrors as in PV.

--trace-exits writes one JSON object per exit and line:
  { seq, reason, name, qualification, eip, cs, cpl, bytes (hex), icount, handler, cycles,
    text, and when known gpa, msr, value, vector, errorCode; from 64-bit code also ripHi
    (RIP bits 63:32) and long64, and where a field is 64-bit its high half: qualificationHi
    (a linear address), valueHi (a WRMSR or CR value); linear, linearHi (the guest-linear
    address of INS/OUTS) and instrInfo (VT-x's VM-exit instruction information) }
--profile writes exits per guest address and source line; see cli/PROFILE-FORMAT.md.

--stop-on takes an optional exit reason name and a condition over the exit's fields:
  port size in out string rep (I/O), cr access gpr (CR access), dr (MOV DR), nr (VMCALL),
  leaf (CPUID), msr, value, vector, errorCode, linear, gpa, eip, cs, cpl, icount,
  qualification, reason; in long mode rip, ripHi, long64 (1 in 64-bit code), qualificationHi,
  valueHi (rip is exact below 2^53: compare ripHi and eip for an upper-half address); numbers in decimal or 0x hex; == != < <= > >= & | ^ ! ~ && || ( ).
  e.g. --stop-on "CR_ACCESS cr == 3"  --stop-on "vector == 14 && (errorCode & 2) != 0"
  The summary's stop.exit holds the exit that matched.

Linux: a bzImage is entered at its 32-bit entry by default, as GRUB's linux command does on a
PC (any bzImage since boot protocol 2.02 starts there, and a 64-bit kernel switches to long
mode itself); --linux-entry 64 enters startup_64 in long mode as kexec does. The zero page
gets the E820 map of the machine's RAM, the command line, the initrd (--initrd, placed at the
top of RAM below initrd_addr_max) and the ACPI RSDP. Without --memory a Linux kernel gets
${LINUX_DEFAULT_MEMORY_MIB} MiB (a stock kernel alone decompresses into 80 MiB) and without
--max-instructions a budget of 30G instructions (a stock kernel needs about 6G to boot).
With --mode pv a bzImage is started as xl create starts kernel=/ramdisk=/extra=: the vmlinux
inside it (xz-compressed, unpacked by the loader) is built into a PV domain from its Xen notes,
the initrd is the domain's ramdisk (start_info.mod_start) and --cmdline its command line.

Examples:
  paravirt run kernel.elf
  paravirt run vmlinuz --initrd initrd.gz --cmdline "console=ttyS0"
  paravirt run --mode pv vmlinuz --initrd initrd.gz --cmdline "console=hvc0"
  paravirt run kernel.elf --summary json --serial none
  paravirt run kernel.elf --exit-controls shadow-paging --trace-exits exits.jsonl
`;

interface RawRunOptions {
  mode: 'hvm' | 'pv' | 'pvh';
  memory: number;
  cmdline?: string;
  exitControls: 'ept' | 'shadow-paging';
  maxInstructions: number;
  maxTime?: number;
  serial: RunOptions['serial'];
  hypervisorConsole: HypervisorConsoleTarget;
  traceExits?: string;
  summary: RunOptions['summary'];
  profile?: string;
  format: RunOptions['format'];
  flatAddress?: number;
  realMode?: boolean;
  initrd?: string;
  linuxEntry: '32' | '64';
  pvPrivileged?: 'xen' | 'strict';
  exitControl?: Record<string, boolean | number>;
  costModel?: Record<string, unknown>;
  stopOn?: StopOn;
  /** Commander's negation of --no-compile. */
  compile: boolean;
  /** --memory was not given: a Linux kernel then gets LINUX_DEFAULT_MEMORY_MIB. */
  memoryDefaulted?: boolean;
  /** --max-instructions was not given: a Linux kernel then gets LINUX_DEFAULT_MAX_INSTRUCTIONS. */
  budgetDefaulted?: boolean;
}


export function registerRun(program: Command): void {
  program
    .command('run')
    .description('boot a guest kernel and report its VM exits')
    .argument('<kernel>', 'the guest image: ELF (32- or 64-bit), Multiboot, Multiboot2, a Linux bzImage, or a flat binary / ROM with --format')
    .addOption(new Option('--mode <mode>', 'virtualization mode').choices(['hvm', 'pv', 'pvh']).default('hvm'))
    .addOption(new Option('--memory <MiB>', 'guest RAM in MiB').argParser(parseMemory).default(DEFAULT_MEMORY_MIB))
    .addOption(new Option('--cmdline <text>', 'kernel command line (Multiboot, Linux)').argParser(parseCmdline))
    .addOption(new Option('--exit-controls <preset>', 'which events cause VM exits').choices(['ept', 'shadow-paging']).default('ept'))
    .addOption(new Option('--exit-control <name=value>', 'switch one exit control of the preset, e.g. rdtsc=on, hltExiting=off, cr0Mask=0x80000001 (repeatable)')
      .argParser(parseExitControl))
    .addOption(new Option('--cost-model <file.json>', 'override cost-model entries (see emulator/vmm/COST-MODEL.md)').argParser(parseCostModelFile))
    .addOption(new Option('--max-instructions <n>', 'instruction budget (1000000, 5e6, 5M, 2G)')
      .argParser(parseCount).default(DEFAULT_MAX_INSTRUCTIONS, '2G'))
    .addOption(new Option('--max-time <seconds>', 'virtual time budget (600, 0.5, 10m, 2h): ends a run that idles as well as one that computes')
      .argParser(parseSeconds))
    .addOption(new Option('--serial <target>', 'guest serial output: stdout, none, or a file name')
      .argParser(parseSerial).default({ kind: 'stdout' }, 'stdout'))
    .addOption(new Option('--hypervisor-console <target>', 'PV: console_io output (Xen\'s console, as xl dmesg shows it), apart from the console ring (the domain\'s, as xl console shows it, on --serial): auto (with --serial until the guest writes its ring, then not shown), serial, stdout, stderr, none, or a file name')
      .argParser(parseHypervisorConsole).default({ kind: 'auto' }, 'auto'))
    .addOption(new Option('--trace-exits <file.jsonl>', 'write every VM exit as one JSON line'))
    .addOption(new Option('--stop-on <filter>', 'end the run at the first exit matching the filter, e.g. "IO_INSTRUCTION port == 0x3f8"')
      .argParser(parseStopOn))
    .addOption(new Option('--summary <format>', 'end-of-run summary').choices(['text', 'json', 'none']).default('text'))
    .addOption(new Option('--profile <file.json>', 'write exits per guest address (for the editor)'))
    .addOption(new Option('--format <format>', 'image format (auto: by its headers)').choices(['auto', 'elf', 'multiboot', 'multiboot2', 'bzimage', 'xen', 'flat', 'rom']).default('auto'))
    .addOption(new Option('--initrd <file>', 'Linux: the initial RAM disk (e.g. a gzip\'d cpio initramfs)'))
    .addOption(new Option('--linux-entry <bits>', 'Linux: enter the bzImage at its 32-bit entry (as GRUB\'s linux command) or its 64-bit one (long mode, identity-mapped, as kexec)').choices(['32', '64']).default('32'))
    .addOption(new Option('--flat-address <addr>', 'load address of a flat binary (default 0x100000, or 0x7c00 with --real-mode)').argParser(parseAddress))
    .addOption(new Option('--real-mode', 'enter a flat binary below 1 MiB in real mode (CS:IP at its first byte)'))
    .addOption(new Option('--pv-privileged <policy>', 'PV: a privileged instruction in ring 1 is emulated as Xen does (xen) or its #GP goes to the guest (strict)').choices(['xen', 'strict']).default('xen'))
    .addOption(new Option('--no-compile', 'run every instruction in the interpreter (no block compiler): slower, for comparing against it'))
    .addHelpText('after', RUN_HELP)
    .action(async (kernel: string, raw: RawRunOptions, cmd: Command) => {
      process.exitCode = await runCommand(kernel, {
        ...raw,
        memoryDefaulted: cmd.getOptionValueSource('memory') === 'default',
        budgetDefaulted: cmd.getOptionValueSource('maxInstructions') === 'default',
      });
    });
}

function readKernel(path: string): Uint8Array {
  return readFileArg(path, 'kernel');
}

function readFileArg(path: string, what: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CliError(`${what} '${path}' is not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${what} '${path}' not found` : `cannot read ${what} '${path}': ${code ?? (e as Error).message}`);
  }
  if (size === 0) throw new CliError(`${what} '${path}' is empty`);
  if (size > MAX_KERNEL_FILE_BYTES) throw new CliError(`${what} '${path}' is larger than ${MAX_KERNEL_FILE_TEXT}`);
  return new Uint8Array(readFileSync(path));
}

export async function runCommand(kernel: string, given: RawRunOptions): Promise<number> {
  let serial: SerialSink | null = null;
  let hvc: SerialSink | null = null;
  let trace: ExitTrace | null = null;
  let o = given;
  try {
    // Read once: the loader, the symbols and the line table below all use this one parse.
    const image = readImage(readKernel(kernel));
    // A Linux bzImage, booted on the PC (HVM) or started from its vmlinux by the PV domain builder.
    const linux = o.format === 'bzimage' || (o.format === 'auto' && detectedFormat(image) === 'bzimage');
    if (linux && o.memoryDefaulted) o = { ...o, memory: LINUX_DEFAULT_MEMORY_MIB };
    if (linux && o.budgetDefaulted) o = { ...o, maxInstructions: LINUX_DEFAULT_MAX_INSTRUCTIONS };
    serial = new SerialSink(o.serial);
    const h = o.hypervisorConsole;
    // auto: once the guest's ring is up, Xen's console is not the domain's console (xl
    // console does not show it): counted, and named at the end, but not printed.
    hvc = h.kind === 'serial' ? null : new SerialSink(h.kind === 'auto' ? { kind: 'none' } : h);
    const hypervisorConsole = hvc ? { mode: h.kind === 'auto' ? 'auto' as const : 'separate' as const, out: hvc.write } : { mode: 'serial' as const };
    if (o.mode === 'pv' && o.format !== 'auto' && o.format !== 'xen') {
      throw new CliError(`--mode pv runs Xen PV kernels: --format ${o.format} is for HVM (use --format auto or xen)`);
    }
    if (o.mode === 'pvh' && o.format !== 'auto' && o.format !== 'elf') {
      throw new CliError(`--mode pvh runs PVH kernels (ELF with XEN_ELFNOTE_PHYS32_ENTRY): --format ${o.format} does not apply (use --format auto or elf)`);
    }
    let plan;
    try {
      plan = o.mode === 'pv'
        ? loadPvImage(image, { ramBytes: o.memory * 1024 * 1024, cmdline: o.cmdline, initrd: o.initrd === undefined ? undefined : readFileArg(o.initrd, 'initrd') })
        : o.mode === 'pvh'
        ? loadPvh(image, { ramBytes: o.memory * 1024 * 1024, cmdline: o.cmdline, initrd: o.initrd === undefined ? undefined : readFileArg(o.initrd, 'initrd') })
        : planImage(image, kernel, {
          memoryMiB: o.memory, cmdline: o.cmdline, format: o.format, flatAddress: o.flatAddress, realMode: o.realMode,
          initrd: o.initrd === undefined ? undefined : readFileArg(o.initrd, 'initrd'), linuxEntry: o.linuxEntry,
        });
    } catch (e) {
      if ((e as Error)?.name === 'ImageError') throw new CliError(`bad image '${kernel}': ${(e as Error).message}`);
      throw e;
    }
    let machine;
    try {
      machine = createMachine({
        mode: o.mode, memoryMiB: o.memory, serialOut: serial.write, hypervisorConsole, pvPrivileged: o.pvPrivileged, blockCompiler: o.compile,
        exitControls: { preset: o.exitControls, overrides: o.exitControl, costModel: o.costModel },
      });
    } catch (e) {
      throw new CliError(`cannot create a ${o.mode} machine with these options: ${(e as Error)?.message ?? String(e)}`);
    }
    try {
      machine.load(plan);
    } catch (e) {
      throw new CliError(`cannot load '${kernel}' into the machine: ${(e as Error)?.message ?? String(e)}`);
    }

    trace = o.traceExits ? new ExitTrace(o.traceExits) : null;
    const profile = o.profile ? new ExitProfile() : null;
    const stopOn = o.stopOn?.match;
    if (trace || profile || stopOn) {
      // The filter sees every recorded exit as it happens; only --stop-on asks the machine to stop.
      const t = trace;
      machine.setExitFilter((r: ExitRecord) => { t?.add(r); profile?.add(r); return stopOn ? stopOn(r) : false; });
    }

    const s = serial, t = trace, hv = hvc;
    // PV: piped stdin feeds the console ring's input side.
    const feed = (b: Buffer) => machine.serialInput?.(new Uint8Array(b));
    const feedStdin = (o.mode === 'pv' || o.mode === 'pvh') && !process.stdin.isTTY;
    if (feedStdin) process.stdin.on('data', feed);
    const result = await runInSlices(machine, {
      maxInstructions: o.maxInstructions, maxTimeSeconds: o.maxTime, slice: SLICE_INSTRUCTIONS, afterSlice: () => { s.flush(); hv?.flush(); t?.flush(); },
      stopOnFilter: stopOn !== undefined,
    });
    if (feedStdin) { process.stdin.off('data', feed); process.stdin.destroy(); }
    serial.close();
    hvc?.close();
    trace?.close();
    trace = null;

    const exitStatus = exitStatusFor(result.stop, result.interrupted);
    const matched = result.stop.kind === 'filter' ? machine.exits.page(result.stop.exitSeq, 1)[0] : undefined;
    const summary = buildSummary({
      kernel, mode: o.mode, exitControls: o.exitControls, instructions: result.instructions, seconds: result.seconds,
      virtualSeconds: result.virtualSeconds, limit: result.limit, stop: result.stop, exitStatus, stats: machine.exits, serialBytes: serial.count,
      matchedExit: matched ? exitToJson(matched) : undefined,
    });
    profile?.write(o.profile!, {
      program: kernel, mode: o.mode, exitControls: o.exitControls, instructions: result.instructions,
      symbols: plan.symbols, lineTable: LineTable.fromImage(image),
    });
    const needsNewline = serial.toStdout && serial.count > 0 && serial.lastByte !== 0x0a;
    if (o.summary === 'json') process.stdout.write((needsNewline ? '\n' : '') + JSON.stringify(summary) + '\n');
    else if (o.summary === 'text') process.stdout.write((needsNewline ? '\n' : '') + formatSummaryText(summary));
    if (result.interrupted) process.stderr.write('paravirt: interrupted\n');
    if (o.hypervisorConsole.kind === 'auto' && hvc && hvc.count > 0) {
      process.stderr.write(`paravirt: ${hvc.count} bytes of console_io output (Xen's console) came after the guest's console ring was up and are not shown; --hypervisor-console stderr (or a file) shows them\n`);
    }
    return exitStatus;
  } catch (e) {
    try { serial?.close(); } catch { /* the original error matters more */ }
    try { hvc?.close(); } catch { /* the original error matters more */ }
    try { trace?.close(); } catch { /* likewise */ }
    if (e instanceof CliError) {
      process.stderr.write(`paravirt: ${e.message}\n`);
      return e.exitStatus;
    }
    process.stderr.write(`paravirt: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return STATUS_INTERNAL;
  }
}
