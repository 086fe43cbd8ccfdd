// Parsers and validation for the `run` options. Each parser throws commander's
// InvalidArgumentError, so commander's message names the option and the bad value.

import { InvalidArgumentError } from 'commander';
import { GUEST_MEMORY_MIB, MAX_COMMAND_LINE_BYTES } from '../emulator/limits';
import { readFileSync } from 'node:fs';
import type { ExitControlsPreset, Mode } from '../emulator/machine';
import { CONTROL_KEYS } from '../emulator/vmm/controls';
import { resolveCostModel } from '../emulator/vmm/cost-model';
import { compileExitFilter } from '../emulator/machine';
import type { ExitRecord } from '../emulator/machine';

export const DEFAULT_MEMORY_MIB = GUEST_MEMORY_MIB.default;
/** About half a minute of guest time at typical speeds: enough for any test kernel, and a hung one still ends. */
export const DEFAULT_MAX_INSTRUCTIONS = 2_000_000_000;
/** First Machine.run() budget; later slices adapt to about 50 ms each (run-loop.ts). */
export const SLICE_INSTRUCTIONS = 1_000_000;

export type SerialTarget = { kind: 'stdout' } | { kind: 'stderr' } | { kind: 'none' } | { kind: 'file'; path: string };
/**
 * PV: where console_io output (Xen's console, `xl dmesg`) goes: 'serial' merges it into the
 * --serial stream; 'auto' does so until the guest first writes its console ring (`xl
 * console`), then sends it to stderr; a target sends it there always.
 */
export type HypervisorConsoleTarget = { kind: 'serial' } | { kind: 'auto' } | SerialTarget;
export type SummaryFormat = 'text' | 'json' | 'none';
export type ImageFormatOption = 'auto' | 'elf' | 'multiboot' | 'multiboot2' | 'bzimage' | 'xen' | 'flat' | 'rom';

export interface RunOptions {
  mode: Mode;
  memory: number;
  cmdline?: string;
  exitControls: ExitControlsPreset;
  maxInstructions: number;
  serial: SerialTarget;
  traceExits?: string;
  summary: SummaryFormat;
  profile?: string;
  format: ImageFormatOption;
  flatAddress?: number;
}

export function parseMemory(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < GUEST_MEMORY_MIB.min || n > GUEST_MEMORY_MIB.max) {
    throw new InvalidArgumentError(`expected a whole number of MiB from ${GUEST_MEMORY_MIB.min} to ${GUEST_MEMORY_MIB.max}.`);
  }
  return n;
}

const SUFFIX: Record<string, number> = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9 };

/** "1000", "5e6", "5M", "2G" */
export function parseCount(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)([kKmMgG]?)\s*$/.exec(value);
  const n = m ? Number(m[1]) * SUFFIX[m[2]!]! : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a positive whole number of instructions (e.g. 1000000, 5e6, 5M, 2G).');
  }
  return n;
}

/** `--max-time 600`, `0.5`, `10m`, `2h`: virtual seconds (a positive number, at most 10 years). */
export function parseSeconds(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(s|m|h)?\s*$/i.exec(value);
  const n = m ? Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as Record<string, number>)[(m[2] ?? 's').toLowerCase()]! : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > 10 * 365 * 86400) {
    throw new InvalidArgumentError('expected a positive number of virtual seconds (e.g. 600, 0.5, 10m, 2h).');
  }
  return n;
}

export function parseSerial(value: string): SerialTarget {
  if (value === 'stdout' || value === '-') return { kind: 'stdout' };
  if (value === 'none') return { kind: 'none' };
  if (value.trim() === '') throw new InvalidArgumentError('expected stdout, none or a file name.');
  return { kind: 'file', path: value };
}

export function parseHypervisorConsole(value: string): HypervisorConsoleTarget {
  if (value === 'serial' || value === 'auto') return { kind: value };
  if (value === 'stderr') return { kind: 'stderr' };
  if (value.trim() === '') throw new InvalidArgumentError('expected auto, serial, stdout, stderr, none or a file name.');
  return parseSerial(value);
}

export function parseCmdline(value: string): string {
  if (value.includes('\0')) throw new InvalidArgumentError('the command line cannot contain NUL.');
  if (Buffer.byteLength(value) > MAX_COMMAND_LINE_BYTES) throw new InvalidArgumentError(`the command line is limited to ${MAX_COMMAND_LINE_BYTES} bytes.`);
  return value;
}

/** "0x100000" or "1048576": a 32-bit guest physical address. */
export function parseAddress(value: string): number {
  const v = value.trim();
  const n = /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError('expected an address such as 0x100000.');
  return n;
}

/** `--exit-control name=value`, repeatable: one control of the preset switched on or off. */
export function parseExitControl(value: string, previous: Record<string, boolean | number> = {}): Record<string, boolean | number> {
  const m = /^\s*([A-Za-z0-9]+)\s*=\s*(\S+)\s*$/.exec(value);
  if (!m || !CONTROL_KEYS.includes(m[1]!)) {
    throw new InvalidArgumentError(`expected name=value with a name from: ${CONTROL_KEYS.join(', ')}.`);
  }
  const raw = m[2]!.toLowerCase();
  let v: boolean | number;
  if (raw === 'true' || raw === 'on' || raw === '1' && !/Mask|Bitmap/.test(m[1]!)) v = true;
  else if (raw === 'false' || raw === 'off' || raw === '0' && !/Mask|Bitmap/.test(m[1]!)) v = false;
  else {
    v = /^0x[0-9a-f]+$/.test(raw) ? parseInt(raw, 16) : /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!/Mask|Bitmap/.test(m[1]!) || !Number.isSafeInteger(v) || v > 0xffffffff) {
      throw new InvalidArgumentError(`bad value '${m[2]}' for ${m[1]} (on/off, or a 32-bit number for masks and bitmaps).`);
    }
  }
  return { ...previous, [m[1]!]: v };
}

/** `--cost-model file.json`: read and validated here so a bad file is a usage error. */
export function parseCostModelFile(path: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InvalidArgumentError(code ? `cannot read '${path}' (${code}).` : `'${path}' is not valid JSON: ${(e as Error).message}.`);
  }
  try {
    resolveCostModel(json);
  } catch (e) {
    throw new InvalidArgumentError(`${(e as Error).message}.`);
  }
  return json as Record<string, unknown>;
}

export interface StopOn { text: string; match: (r: ExitRecord) => boolean }

/** `--stop-on "IO_INSTRUCTION port == 0xf4"`: end the run at the first exit that matches. */
export function parseStopOn(value: string): StopOn {
  try {
    return { text: value, match: compileExitFilter(value) };
  } catch (e) {
    throw new InvalidArgumentError(`${(e as Error).message}.`);
  }
}
