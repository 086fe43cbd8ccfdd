// The launch configuration: declared once here. package.json's `debuggers` contribution is
// generated from LAUNCH_ATTRIBUTES (debuggerContribution()) and a test checks they match;
// validateLaunch() checks what a client actually sent against the same declarations.

import { totalmem } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { GUEST_MEMORY_MIB, MAX_COMMAND_LINE_BYTES } from '../emulator/limits';

export type SerialTarget = 'debugConsole' | 'none' | string;

/** The image formats a launch may name (as `paravirt run --format`, less the raw ones that need a load address). */
export const LAUNCH_FORMATS = ['auto', 'elf', 'multiboot', 'multiboot2', 'bzimage'] as const;
export type LaunchImageFormat = typeof LAUNCH_FORMATS[number];

/** What a client may send in `launch` (type `paravirt`). */
export interface LaunchArguments {
  program: string;
  mode?: 'hvm' | 'pv' | 'pvh';
  memory?: number;
  cmdline?: string;
  format?: LaunchImageFormat;
  initrd?: string;
  linuxEntry?: '32' | '64';
  stopOnEntry?: boolean;
  exitControls?: 'ept' | 'shadow-paging' | { preset?: 'ept' | 'shadow-paging'; overrides?: Record<string, boolean | number> };
  pvPrivileged?: 'xen' | 'strict';
  serial?: SerialTarget;
  hypervisorConsole?: 'auto' | 'debugConsole' | 'separate' | 'none';
  sourceFileMap?: Record<string, string>;
  symbols?: string;
  sourceMap?: Record<string, string>;
  substitutePath?: Array<{ from: string; to: string }>;
  maxInstructions?: number;
  maxTime?: number;
  disassemblySyntax?: 'nasm' | 'gas';
  cwd?: string;
  profile?: string | false;
  historyMemory?: number;
}

type Schema = Record<string, unknown>;

/** Largest history budget accepted, in MiB (the setting and the launch attribute). */
export const HISTORY_MAX_MIB = 65536;

/** JSON schema of each attribute (what package.json declares). Keys must be LaunchArguments' keys. */
export const LAUNCH_ATTRIBUTES: { [K in keyof Required<LaunchArguments>]: Schema } = {
  program: { type: 'string', description: 'Path of the guest kernel: ELF32 or ELF64 (plain, Multiboot or Multiboot2), a Linux bzImage, or a Xen PV kernel in PV mode.' },
  mode: { type: 'string', enum: ['hvm', 'pv', 'pvh'], default: 'hvm', description: 'hvm: the guest owns a virtual PC; pv: a Xen-style paravirtualized guest in ring 1; pvh: an HVM container entered like a PV kernel (XEN_ELFNOTE_PHYS32_ENTRY, hvm_start_info), with Xen\'s hypercalls and no legacy devices.' },
  memory: { type: 'integer', minimum: GUEST_MEMORY_MIB.min, maximum: GUEST_MEMORY_MIB.max, default: GUEST_MEMORY_MIB.default, description: 'Guest RAM in MiB.' },
  cmdline: { type: 'string', default: '', description: 'Kernel command line (Multiboot, Multiboot2, Linux, or PV start info).' },
  format: {
    type: 'string', enum: [...LAUNCH_FORMATS], default: 'auto',
    description: 'HVM: how to load program: auto (by its headers), elf, multiboot, multiboot2 or bzimage (a Linux kernel).',
  },
  initrd: { type: 'string', description: 'Linux: the initial RAM disk (e.g. a gzip\'d cpio initramfs), relative to cwd.' },
  linuxEntry: {
    type: 'string', enum: ['32', '64'], default: '32',
    description: 'Linux: enter the bzImage at its 32-bit entry (as GRUB\'s linux command) or its 64-bit one (long mode, identity-mapped, as kexec).',
  },
  stopOnEntry: { type: 'boolean', default: false, description: 'Stop at the first instruction.' },
  exitControls: {
    anyOf: [
      { type: 'string', enum: ['ept', 'shadow-paging'] },
      { type: 'object', properties: { preset: { type: 'string', enum: ['ept', 'shadow-paging'] }, overrides: { type: 'object' } }, additionalProperties: false },
    ],
    default: 'ept',
    description: 'HVM exit controls: a preset, or {preset, overrides} with individual controls on or off.',
  },
  pvPrivileged: { type: 'string', enum: ['xen', 'strict'], default: 'xen', description: 'PV: a privileged instruction in ring 1 is emulated as Xen does (xen) or raises #GP in the guest (strict).' },
  serial: { type: 'string', default: 'debugConsole', description: "Where the guest's serial output goes: debugConsole, none, or a file path." },
  hypervisorConsole: {
    type: 'string', enum: ['auto', 'debugConsole', 'separate', 'none'], default: 'auto',
    description: "PV: where console_io output (Xen's console, as xl dmesg shows it) goes, apart from the console ring (the domain's console, with serial): separate (the Paravirt: Xen Console output), debugConsole (merged with serial), auto (merged until the guest writes its ring, then separate) or none.",
  },
  sourceFileMap: { type: 'object', additionalProperties: { type: 'string' }, default: {}, description: 'Maps source path prefixes recorded in the debug information to local paths.' },
  symbols: {
    type: 'string',
    markdownDescription: 'A separate file holding the kernel\'s symbols and DWARF, e.g. Debian\'s `/usr/lib/debug/boot/vmlinux-*` (package `linux-image-*-dbg`) for a `program` that is the bzImage. Read by ranges as the debugger needs it, never whole. Without `nokaslr` on the command line the kernel\'s KASLR offset is found at run time and the symbols are moved by it.',
  },
  sourceMap: {
    type: 'object', additionalProperties: { type: 'string' }, default: {},
    markdownDescription: 'Source path prefixes the debug information records → local ones, e.g. `{ "debian/build/build_amd64_none_cloud-amd64": "/usr/src/linux-source-6.1" }`; the same as `sourceFileMap` (both apply, the longest prefix wins). Without the sources, the disassembly still shows each instruction\'s file and line.',
  },
  substitutePath: {
    type: 'array', items: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } }, required: ['from', 'to'], additionalProperties: false }, default: [],
    markdownDescription: 'The same as `sourceMap`, in the list form other debuggers use: `[{ "from": "<recorded prefix>", "to": "<local prefix>" }]`.',
  },
  maxInstructions: { type: 'integer', minimum: 1, description: 'End the session after this many guest instructions.' },
  maxTime: {
    type: 'number', exclusiveMinimum: 0,
    description: 'End the session after this many seconds of virtual time (instructions at 10 ns each plus idle time, which a halted or blocked guest skips at once).',
  },
  disassemblySyntax: { type: 'string', enum: ['nasm', 'gas'], default: 'nasm', description: 'Syntax of the disassembly view.' },
  cwd: { type: 'string', description: 'Directory relative paths are resolved against (default: the adapter process directory).' },
  profile: {
    anyOf: [{ type: 'string' }, { type: 'boolean', enum: [false] }],
    default: '.paravirt/last-run.json',
    description: 'Where the exit profile per source line is written at the end of the session (relative to cwd), or false.',
  },
  historyMemory: {
    type: 'integer', minimum: 0, maximum: HISTORY_MAX_MIB,
    markdownDescription: 'MiB the reverse-execution history (stepBack, reverseContinue) may hold; a hard limit. Old snapshots are thinned out when it is reached, so stepping back far costs more re-execution. Default: the `paravirt.debug.historyMemory` setting, else a sixteenth of the machine\'s memory (64 to 1024 MiB). 0 keeps only the start of the run.',
  },
};

/** The history budget when neither launch.json nor the setting gives one: a sixteenth of the host's memory, 64 MiB to 1 GiB. */
export function defaultHistoryMiB(hostBytes = totalmem()): number {
  return Math.max(64, Math.min(1024, Math.floor(hostBytes / 16 / (1 << 20))));
}

export const REQUIRED_ATTRIBUTES: Array<keyof LaunchArguments> = ['program'];

/** The `contributes.debuggers` entry package.json must hold. */
export function debuggerContribution(): unknown[] {
  return [{
    type: 'paravirt',
    label: 'Paravirt (x86 guest kernel)',
    program: './dist/debug-adapter.js',
    runtime: 'node',
    languages: ['c', 'asm', 'nasm'],
    configurationAttributes: { launch: { required: REQUIRED_ATTRIBUTES, properties: LAUNCH_ATTRIBUTES } },
    initialConfigurations: [{ type: 'paravirt', request: 'launch', name: 'Debug kernel', program: '${workspaceFolder}/build/kernel.elf', stopOnEntry: true }],
    configurationSnippets: [{
      label: 'Paravirt: launch a kernel',
      description: 'Debug a guest kernel in the Paravirt emulator',
      body: { type: 'paravirt', request: 'launch', name: 'Debug kernel', program: '^"\\${workspaceFolder}/build/kernel.elf"', mode: 'hvm' },
    }],
  }];
}

export class LaunchError extends Error {
  constructor(readonly attribute: string, why: string) {
    super(`launch attribute '${attribute}': ${why}`);
    this.name = 'LaunchError';
  }
}

/** A launch configuration after validation, with defaults applied and paths resolved. */
export interface LaunchConfig {
  program: string;
  mode: 'hvm' | 'pv' | 'pvh';
  memoryMiB: number;
  cmdline: string;
  format: LaunchImageFormat;
  /** Linux: the initrd's path (read by the session with the program). */
  initrd: string | null;
  linuxEntry: '32' | '64';
  stopOnEntry: boolean;
  exitControls: { preset: 'ept' | 'shadow-paging'; overrides?: Record<string, boolean | number> };
  pvPrivileged: 'xen' | 'strict';
  serial: { kind: 'debugConsole' } | { kind: 'none' } | { kind: 'file'; path: string };
  hypervisorConsole: 'auto' | 'debugConsole' | 'separate' | 'none';
  /** Recorded source prefix -> local prefix, longest first (sourceFileMap, sourceMap and substitutePath together). */
  sourceFileMap: Array<[string, string]>;
  /** A separate debug file (vmlinux) whose symbols and DWARF replace the program's; null: none. */
  symbols: string | null;
  maxInstructions: number;
  /** Virtual seconds (Infinity: no limit). */
  maxTime: number;
  disassemblySyntax: 'nasm' | 'gas';
  cwd: string;
  profile: string | null;
  /** Hard limit on what the reverse-execution history holds, in bytes. */
  historyBytes: number;
}

const KNOWN = new Set([...Object.keys(LAUNCH_ATTRIBUTES), 'type', 'request', 'name', '__sessionId', '__configurationTarget', 'noDebug', '__restart', 'presentation', 'preLaunchTask', 'postDebugTask', 'internalConsoleOptions', 'debugServer', 'trace']);

function oneOf<T extends string>(attr: string, v: unknown, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new LaunchError(attr, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function int(attr: string, v: unknown, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new LaunchError(attr, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

function seconds(attr: string, v: unknown): number {
  if (v === undefined) return Infinity;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 10 * 365 * 86400) {
    throw new LaunchError(attr, `must be a positive number of virtual seconds (at most ten years), got ${JSON.stringify(v)}`);
  }
  return v;
}

export function validateLaunch(raw: unknown): LaunchConfig {
  if (raw === undefined) raw = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LaunchError('arguments', 'the launch arguments must be an object');
  const a = raw as Record<string, unknown>;
  for (const k of Object.keys(a)) if (!KNOWN.has(k) && !k.startsWith('__')) throw new LaunchError(k, `unknown attribute (known: ${Object.keys(LAUNCH_ATTRIBUTES).join(', ')})`);
  if (a.cwd !== undefined && (typeof a.cwd !== 'string' || a.cwd === '')) throw new LaunchError('cwd', 'must be a non-empty directory path');
  const cwd = typeof a.cwd === 'string' ? resolve(a.cwd) : process.cwd();
  const path = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  if (a.program === undefined) throw new LaunchError('program', 'is missing: give the path of the guest kernel ELF');
  if (typeof a.program !== 'string' || a.program.trim() === '') throw new LaunchError('program', `must be a non-empty path, got ${JSON.stringify(a.program)}`);
  if (a.cmdline !== undefined && typeof a.cmdline !== 'string') throw new LaunchError('cmdline', 'must be a string');
  if (typeof a.cmdline === 'string' && new TextEncoder().encode(a.cmdline).length > MAX_COMMAND_LINE_BYTES) {
    throw new LaunchError('cmdline', `is limited to ${MAX_COMMAND_LINE_BYTES} bytes`);
  }
  if (a.stopOnEntry !== undefined && typeof a.stopOnEntry !== 'boolean') throw new LaunchError('stopOnEntry', 'must be true or false');
  if (a.initrd !== undefined && (typeof a.initrd !== 'string' || a.initrd.trim() === '')) throw new LaunchError('initrd', `must be a non-empty path, got ${JSON.stringify(a.initrd)}`);

  let exitControls: LaunchConfig['exitControls'] = { preset: 'ept' };
  const ec = a.exitControls;
  if (typeof ec === 'string' || ec === undefined) exitControls = { preset: oneOf('exitControls', ec, ['ept', 'shadow-paging'] as const, 'ept') };
  else if (typeof ec === 'object' && ec !== null && !Array.isArray(ec)) {
    const o = ec as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== 'preset' && k !== 'overrides') throw new LaunchError('exitControls', `unknown field '${k}' (use preset and overrides)`);
    const preset = oneOf('exitControls.preset', o.preset, ['ept', 'shadow-paging'] as const, 'ept');
    if (o.overrides !== undefined && (typeof o.overrides !== 'object' || o.overrides === null || Array.isArray(o.overrides))) throw new LaunchError('exitControls.overrides', 'must be an object of control names to true/false or numbers');
    const ov = o.overrides as Record<string, unknown> | undefined;
    if (ov) for (const [k, v] of Object.entries(ov)) if (typeof v !== 'boolean' && typeof v !== 'number') throw new LaunchError(`exitControls.overrides.${k}`, 'must be true, false or a number');
    exitControls = { preset, overrides: ov as Record<string, boolean | number> | undefined };
  } else throw new LaunchError('exitControls', `must be 'ept', 'shadow-paging' or {preset, overrides}, got ${JSON.stringify(ec)}`);

  let serial: LaunchConfig['serial'] = { kind: 'debugConsole' };
  if (a.serial !== undefined) {
    if (typeof a.serial !== 'string' || a.serial === '') throw new LaunchError('serial', "must be 'debugConsole', 'none' or a file path");
    serial = a.serial === 'debugConsole' ? { kind: 'debugConsole' } : a.serial === 'none' ? { kind: 'none' } : { kind: 'file', path: path(a.serial) };
  }

  const map: Array<[string, string]> = [];
  const prefixMap = (attr: 'sourceFileMap' | 'sourceMap', v: unknown) => {
    if (v === undefined) return;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new LaunchError(attr, 'must be an object mapping recorded path prefixes to local ones');
    for (const [k, to] of Object.entries(v)) {
      if (typeof to !== 'string') throw new LaunchError(`${attr}.${k}`, `must map to a string path, got ${JSON.stringify(to)}`);
      if (k === '') throw new LaunchError(attr, 'a recorded prefix must not be empty');
      map.push([k, to]);
    }
  };
  prefixMap('sourceFileMap', a.sourceFileMap);
  prefixMap('sourceMap', a.sourceMap);
  if (a.substitutePath !== undefined) {
    if (!Array.isArray(a.substitutePath)) throw new LaunchError('substitutePath', 'must be a list of { "from": "<recorded prefix>", "to": "<local prefix>" }');
    a.substitutePath.forEach((e: unknown, i: number) => {
      const o = e as Record<string, unknown> | null;
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new LaunchError(`substitutePath[${i}]`, `must be { "from": ..., "to": ... }, got ${JSON.stringify(e)}`);
      for (const k of Object.keys(o)) if (k !== 'from' && k !== 'to') throw new LaunchError(`substitutePath[${i}]`, `unknown field '${k}' (use from and to)`);
      if (typeof o.from !== 'string' || o.from === '') throw new LaunchError(`substitutePath[${i}].from`, 'must be a non-empty path prefix');
      if (typeof o.to !== 'string') throw new LaunchError(`substitutePath[${i}].to`, 'must be a path');
      map.push([o.from, o.to]);
    });
  }
  map.sort((x, y) => y[0].length - x[0].length);
  if (a.symbols !== undefined && (typeof a.symbols !== 'string' || a.symbols.trim() === '')) throw new LaunchError('symbols', `must be the path of a debug file (e.g. a vmlinux), got ${JSON.stringify(a.symbols)}`);

  let profile: string | null = path('.paravirt/last-run.json');
  if (a.profile === false) profile = null;
  else if (typeof a.profile === 'string' && a.profile !== '') profile = path(a.profile);
  else if (a.profile !== undefined) throw new LaunchError('profile', 'must be a file path or false');

  return {
    program: path(a.program),
    mode: oneOf('mode', a.mode, ['hvm', 'pv', 'pvh'] as const, 'hvm'),
    memoryMiB: int('memory', a.memory, GUEST_MEMORY_MIB.min, GUEST_MEMORY_MIB.max, GUEST_MEMORY_MIB.default),
    cmdline: (a.cmdline as string | undefined) ?? '',
    format: oneOf('format', a.format, LAUNCH_FORMATS, 'auto'),
    initrd: typeof a.initrd === 'string' ? path(a.initrd) : null,
    linuxEntry: oneOf('linuxEntry', a.linuxEntry, ['32', '64'] as const, '32'),
    stopOnEntry: (a.stopOnEntry as boolean | undefined) ?? false,
    exitControls,
    pvPrivileged: oneOf('pvPrivileged', a.pvPrivileged, ['xen', 'strict'] as const, 'xen'),
    serial,
    hypervisorConsole: oneOf('hypervisorConsole', a.hypervisorConsole, ['auto', 'debugConsole', 'separate', 'none'] as const, 'auto'),
    sourceFileMap: map,
    symbols: typeof a.symbols === 'string' ? path(a.symbols) : null,
    maxInstructions: int('maxInstructions', a.maxInstructions, 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    maxTime: seconds('maxTime', a.maxTime),
    disassemblySyntax: oneOf('disassemblySyntax', a.disassemblySyntax, ['nasm', 'gas'] as const, 'nasm'),
    cwd,
    profile,
    historyBytes: int('historyMemory', a.historyMemory, 0, HISTORY_MAX_MIB, defaultHistoryMiB()) * (1 << 20),
  };
}
